/**
 * Client sampling parameters within the operator's limits (agents[].limits) and what the agent's provider takes: a
 * value outside either range is clamped, a parameter the operator turned off is dropped, one the provider has no
 * field for is ignored, a combination the provider rejects loses the part it cannot take, and max_tokens is capped
 * by the agent's maxTokens. Every change is named (`name=asked>used`, `name>dropped`; ignored parameters by name) so
 * the client is told, not silently overruled.
 */
import type { AgentLimits } from '../config/index.js';
import { WIRE_NAME, type ProviderSamplingRules } from './provider-sampling.js';
import type { Sampling } from './types.js';

export interface PlannedSampling {
  readonly sampling: Sampling;
  readonly maxTokens: number;
  /** Changed or dropped: `name=asked>used`, `name>dropped`, `stop>shortened`. */
  readonly clamped: string[];
  /** Asked for, but the provider has no such parameter (wire names). */
  readonly ignored: string[];
}

type Range = { readonly min: number; readonly max: number };

const MAX_STOPS = 4;
const MAX_STOP_CHARS = 64;

export function planSampling(
  limits: AgentLimits,
  agentMaxTokens: number,
  asked: Sampling | undefined,
  askedMaxTokens: number | undefined,
  rules: ProviderSamplingRules,
): PlannedSampling {
  const clamped: string[] = [];
  const ignored: string[] = [];
  const out: { -readonly [K in keyof Sampling]: Sampling[K] } = {};
  const taken = <K extends keyof Sampling>(key: K): Sampling[K] | undefined => {
    const value = asked?.[key];
    if (value === undefined) return undefined;
    if (rules.unsupported.has(key)) {
      ignored.push(WIRE_NAME[key]);
      return undefined;
    }
    return value;
  };
  const range = (key: keyof Sampling, value: number | undefined, ...ranges: Range[]): number | undefined => {
    if (value === undefined) return undefined;
    let used = value;
    // The operator's range first, then the provider's: what the provider cannot take never reaches it.
    for (const r of ranges) used = Math.min(r.max, Math.max(r.min, used));
    if (used !== value) clamped.push(`${WIRE_NAME[key]}=${value}>${used}`);
    return used;
  };
  const t = range('temperature', taken('temperature'), limits.temperature, rules.temperature);
  if (t !== undefined) out.temperature = t;
  const askedTopP = taken('topP');
  if (askedTopP !== undefined && t !== undefined && rules.oneOfTemperatureTopP) clamped.push('top_p>dropped');
  else {
    const p = range('topP', askedTopP, limits.topP);
    if (p !== undefined) out.topP = p;
  }
  const pp = range('presencePenalty', taken('presencePenalty'), limits.presencePenalty);
  if (pp !== undefined) out.presencePenalty = pp;
  const fp = range('frequencyPenalty', taken('frequencyPenalty'), limits.frequencyPenalty);
  if (fp !== undefined) out.frequencyPenalty = fp;
  const stop = taken('stop');
  if (stop !== undefined) {
    if (!limits.stop) clamped.push('stop>dropped');
    else {
      const stops = stop.slice(0, MAX_STOPS).map((s) => s.slice(0, MAX_STOP_CHARS));
      if (stops.length !== stop.length || stops.some((s, i) => s !== stop[i])) clamped.push('stop>shortened');
      out.stop = stops;
    }
  }
  const seed = taken('seed');
  if (seed !== undefined) {
    if (!limits.seed) clamped.push('seed>dropped');
    else out.seed = seed;
  }
  let maxTokens = agentMaxTokens;
  if (askedMaxTokens !== undefined) {
    maxTokens = Math.min(askedMaxTokens, agentMaxTokens);
    if (maxTokens !== askedMaxTokens) clamped.push(`max_tokens=${askedMaxTokens}>${maxTokens}`);
  }
  return { sampling: out, maxTokens, clamped, ignored };
}
