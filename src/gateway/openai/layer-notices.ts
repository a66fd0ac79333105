/**
 * Layer notices for a streamed chat turn (`x-bulwark-events: notices`): every audited decision a layer made on this
 * turn (its trace id) — the input guard scoring a message (L01), the output guard redacting (L02), the tool output
 * sanitizer flagging or cutting a result (L23), a tool refused or held for approval, … — as a short notice the client
 * can show next to the answer. Only the decision is told (layer, event, outcome, reason, pattern ids), never the
 * event's other fields; a turn gets at most MAX_NOTICES, the rest are counted.
 */
import { type EventBus, GATES, LAYERS } from '../../core/index.js';

export interface LayerNotice {
  readonly layer: string;
  /** The layer's or gate's name in the catalogue (`bulwark layers`). */
  readonly name?: string;
  readonly event: string;
  readonly outcome?: string;
  readonly reason?: string;
  readonly tool?: string;
  /** L01's risk level. */
  readonly risk?: string;
  readonly findings?: readonly string[];
  /** Notices left out past MAX_NOTICES (on the last one only). */
  readonly more?: number;
}

export interface LayerNotices {
  /** The notices since the last call. */
  take(): LayerNotice[];
  close(): void;
}

const MAX_NOTICES = 50;
const NOTICE_PREFIXES = ['security:', 'tool:denied', 'approval:requested', 'approval:resolved', 'secret:'];
const REASON_CHARS = 300;

function textOf(v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v.slice(0, max) : undefined;
}

function findingsOf(p: Record<string, unknown>): string[] | undefined {
  const ids = Array.isArray(p.findings) ? p.findings : typeof p.patternId === 'string' ? [p.patternId] : [];
  const out = ids.filter((f): f is string => typeof f === 'string').slice(0, 10);
  return out.length > 0 ? out.map((f) => f.slice(0, 80)) : undefined;
}

export function layerNotices(bus: EventBus, traceId: string): LayerNotices {
  let queue: LayerNotice[] = [];
  let told = 0;
  let dropped = 0;
  const off = bus.on('*', (e) => {
    const p = e.payload as Record<string, unknown>;
    if (p.traceId !== traceId || typeof p.layer !== 'string') return;
    if (!NOTICE_PREFIXES.some((prefix) => e.type.startsWith(prefix))) return;
    // Every turn reads its provider key through L07: a granted read is routine, a refused one is news.
    if (e.type === 'secret:accessed' && p.outcome === 'success') return;
    if (told >= MAX_NOTICES) {
      dropped++;
      return;
    }
    told++;
    const reason = textOf(p.reason, REASON_CHARS);
    const outcome = textOf(p.outcome, 40);
    const tool = textOf(p.tool, 80);
    const risk = textOf(p.risk, 20);
    const findings = findingsOf(p);
    const name = (GATES.find((g) => g.id === p.layer) ?? LAYERS.find((l) => l.id === p.layer))?.name;
    queue.push({
      layer: p.layer,
      ...(name !== undefined ? { name } : {}),
      event: e.type,
      ...(outcome !== undefined ? { outcome } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(tool !== undefined ? { tool } : {}),
      ...(risk !== undefined ? { risk } : {}),
      ...(findings !== undefined ? { findings } : {}),
    });
  });
  return {
    take() {
      const out = queue;
      queue = [];
      if (dropped > 0 && out.length > 0) {
        out[out.length - 1] = { ...(out.at(-1) as LayerNotice), more: dropped };
        dropped = 0;
      }
      return out;
    },
    close: off,
  };
}
