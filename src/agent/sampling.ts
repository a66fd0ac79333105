/**
 * Client sampling parameters within the operator's limits (agents[].limits): a value outside its range is clamped,
 * a parameter the operator turned off is dropped, max_tokens is capped by the agent's maxTokens. Every change is
 * named (`name=asked>used`, or `name>dropped`) so the client is told, not silently overruled.
 */
import type { AgentLimits } from '../config/index.js';
import type { Sampling } from './types.js';

export interface PlannedSampling {
  readonly sampling: Sampling;
  readonly maxTokens: number;
  readonly clamped: string[];
}

const MAX_STOPS = 4;
const MAX_STOP_CHARS = 64;

export function planSampling(
  limits: AgentLimits,
  agentMaxTokens: number,
  asked: Sampling | undefined,
  askedMaxTokens: number | undefined,
): PlannedSampling {
  const clamped: string[] = [];
  const out: { -readonly [K in keyof Sampling]: Sampling[K] } = {};
  const range = (name: string, value: number | undefined, r: { min: number; max: number }): number | undefined => {
    if (value === undefined) return undefined;
    const used = Math.min(r.max, Math.max(r.min, value));
    if (used !== value) clamped.push(`${name}=${value}>${used}`);
    return used;
  };
  const t = range('temperature', asked?.temperature, limits.temperature);
  if (t !== undefined) out.temperature = t;
  const p = range('top_p', asked?.topP, limits.topP);
  if (p !== undefined) out.topP = p;
  const pp = range('presence_penalty', asked?.presencePenalty, limits.presencePenalty);
  if (pp !== undefined) out.presencePenalty = pp;
  const fp = range('frequency_penalty', asked?.frequencyPenalty, limits.frequencyPenalty);
  if (fp !== undefined) out.frequencyPenalty = fp;
  if (asked?.stop !== undefined) {
    if (!limits.stop) clamped.push('stop>dropped');
    else {
      const stops = asked.stop.slice(0, MAX_STOPS).map((s) => s.slice(0, MAX_STOP_CHARS));
      if (stops.length !== asked.stop.length || stops.some((s, i) => s !== asked.stop?.[i]))
        clamped.push('stop>shortened');
      out.stop = stops;
    }
  }
  if (asked?.seed !== undefined) {
    if (!limits.seed) clamped.push('seed>dropped');
    else out.seed = asked.seed;
  }
  let maxTokens = agentMaxTokens;
  if (askedMaxTokens !== undefined) {
    maxTokens = Math.min(askedMaxTokens, agentMaxTokens);
    if (maxTokens !== askedMaxTokens) clamped.push(`max_tokens=${askedMaxTokens}>${maxTokens}`);
  }
  return { sampling: out, maxTokens, clamped };
}
