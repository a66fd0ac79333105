/**
 * Which layer stopped an attack — for the report only, never for the verdict. Read from the refusals the drilled
 * daemon recorded during the scenario: audit lines that carry a gate id and a refusing outcome, the drill operator's
 * denials (the gate that asked), and gate ids quoted in tool results the model got back.
 */
import { isGateId } from '../core/index.js';
import type { AnsweredApproval } from './daemon-client.js';

export interface Refusal {
  readonly at: number;
  readonly layer: string;
  readonly what: string;
}

/** Outcomes that mean a gate said no (or took something out) — not warnings, not successes. */
const REFUSING = new Set([
  'blocked',
  'denied',
  'deny',
  'refused',
  'redacted',
  'quarantined',
  'throttled',
  'rejected',
  'error',
  'downgraded',
  'filtered',
  'timeout',
  'cancelled',
]);

/** Event types whose every line is a refusal. */
const REFUSAL_TYPES = new Set([
  'tool:denied',
  'security:blocked',
  'security:ssrf_blocked',
  'security:canary_leak',
  'security:request_rejected',
  'auth:denied',
  'memory:refused',
  'broker:deny',
  // L23 put a placeholder where a known secret value was in a tool result: the value never reached the model.
  'security:secret_placeholder',
]);

function detail(line: Record<string, unknown>): string {
  const parts = [String(line.type ?? '')];
  for (const k of ['tool', 'reason', 'patternId', 'code', 'host', 'secretName'])
    if (typeof line[k] === 'string' && line[k] !== '') parts.push(`${k}=${String(line[k])}`);
  const text = parts.join(' ');
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** Refusals among audit lines of one drilled agent (and lines without an agent, e.g. a refused request). */
export function auditRefusals(lines: readonly Record<string, unknown>[], agent: string): Refusal[] {
  const out: Refusal[] = [];
  for (const line of lines) {
    if (line.agentId !== undefined && line.agentId !== agent) continue;
    const layer = typeof line.layer === 'string' ? line.layer : undefined;
    if (!layer || !isGateId(layer)) continue;
    const outcome = typeof line.outcome === 'string' ? line.outcome : '';
    const type = String(line.type ?? '');
    // The approval itself is counted from the operator's side; its `tool:denied` line follows anyway.
    if (type === 'approval:resolved' || type === 'approval:requested') continue;
    if (!REFUSAL_TYPES.has(type) && !REFUSING.has(outcome)) continue;
    out.push({ at: Date.parse(String(line.at ?? '')) || 0, layer, what: detail(line) });
  }
  return out;
}

export function approvalRefusals(answered: readonly AnsweredApproval[], agent: string, since: number): Refusal[] {
  return answered
    .filter((a) => a.agentId === agent && a.at >= since && a.decision === 'deny')
    .map((a) => ({
      at: a.at,
      layer: a.layer,
      what: `operator denied ${a.tool} (${a.classes.join(', ')}) as the drill's policy says`,
    }));
}

const QUOTED_GATE = /\((L\d{2}\.?\d{0,2})\)/g;

/** Gate ids a tool result quotes (`Host-executed file (L11.7): …`). */
export function quotedRefusals(texts: readonly string[], at: number): Refusal[] {
  const out: Refusal[] = [];
  for (const t of texts) {
    for (const m of t.matchAll(QUOTED_GATE)) {
      const id = m[1] ?? '';
      if (isGateId(id)) out.push({ at, layer: id, what: t.replace(/\s+/g, ' ').slice(0, 160) });
    }
  }
  return out;
}

/** Distinct layers in time order; the first is the one that stopped the attack. */
export function orderLayers(refusals: readonly Refusal[]): { first?: Refusal; layers: string[] } {
  const sorted = [...refusals].sort((a, b) => a.at - b.at);
  const layers: string[] = [];
  for (const r of sorted) if (!layers.includes(r.layer)) layers.push(r.layer);
  return { ...(sorted[0] ? { first: sorted[0] } : {}), layers };
}
