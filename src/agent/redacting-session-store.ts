/**
 * Nothing secret at rest (issue 14): every message written to the session store passes the leak index (known
 * values in every indexed encoding become `[secret:NAME]`), the secret-format scan and the canary scan (this
 * session's canary in its forms, any canary-shaped token) — critical findings become `[REDACTED]` — whatever
 * path the text came by (user message, answer, tool call, tool result, compaction summary). The gates before it
 * already did most of this; this is the last step before the disk, so a path they miss still stores nothing.
 *
 * What is read back for a turn passes the same steps again: a value put into the vault after a message was stored
 * is in the leak index now, and the replayed history (and compaction summary) carries `[secret:NAME]`; a secret
 * format or canary the scanner knows now (a store written before it did) is `[REDACTED]`. Both are audited.
 */
import { type EventBus, type LeakScanner, EMPTY_LEAK_SCANNER } from '../core/index.js';
import { canaryForms, type CanaryForm, type OutputFinding, redact, scanOutput } from '../guards/index.js';
import type { CompactionStore } from './compaction-store.js';
import { withPlaceholders } from './gates/secret-placeholder-gate.js';
import type { SessionStore } from './session-store.js';
import type { ChatMessage, ToolCall } from './types.js';

export interface AtRestRedaction {
  readonly leaks: LeakScanner;
  /** This session's canary (L17), so its encoded forms are found too; absent: canary-shaped tokens only. */
  readonly canary?: (sessionId: string) => string;
  /** Where what the read path replaces is audited (names, kinds and pattern ids, never a value). */
  readonly bus: EventBus;
}

/** What cleaning found, for the audit: known values by name and encoding, other findings by pattern. */
interface Tally {
  readonly names: Set<string>;
  readonly encodings: Set<string>;
  placed: number;
  readonly findings: Map<string, { finding: OutputFinding; count: number }>;
}

function newTally(): Tally {
  return { names: new Set(), encodings: new Set(), placed: 0, findings: new Map() };
}

function clean(text: string, forms: readonly CanaryForm[], leaks: LeakScanner, tally?: Tally): string {
  if (text.length === 0) return text;
  const placed = withPlaceholders(text, leaks);
  const scan = scanOutput(placed.text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: forms });
  const critical = scan.findings.filter((f) => f.severity === 'critical');
  if (tally) {
    placed.names.forEach((n) => tally.names.add(n));
    placed.encodings.forEach((e) => tally.encodings.add(e));
    tally.placed += placed.count;
    for (const f of critical) {
      const seen = tally.findings.get(f.patternId);
      if (seen) seen.count++;
      else tally.findings.set(f.patternId, { finding: f, count: 1 });
    }
  }
  return critical.length ? redact(placed.text, critical) : placed.text;
}

/** The text as it may be kept: known values as placeholders, secret formats and canaries redacted. */
export function redactAtRest(text: string, forms: readonly CanaryForm[], leaks: LeakScanner): string {
  return clean(text, forms, leaks);
}

/**
 * What the read path (replayed history, compaction summary) replaced, audited as the write-side gates audit it:
 * placeholders as L23 `security:secret_placeholder`, formats and canaries as `security:output_finding` (L02/L17),
 * each with `where: 'replay'` and `replayed` naming what was read back (the session's history or its compaction
 * summary). These events also taint the session for L08.1, with a reason that says where the material came from.
 */
function auditReplay(bus: EventBus, sessionId: string, replayed: ReplaySource, tally: Tally): void {
  if (tally.placed > 0)
    bus.emit('security:secret_placeholder', {
      sessionId,
      layer: 'L23',
      outcome: 'replaced',
      where: 'replay',
      replayed,
      secretNames: [...tally.names],
      encodings: [...tally.encodings],
      count: tally.placed,
    });
  for (const { finding: f, count } of tally.findings.values())
    bus.emit('security:output_finding', {
      sessionId,
      layer: f.kind === 'canary' ? 'L17' : 'L02',
      outcome: 'redacted',
      where: 'replay',
      replayed,
      patternId: f.patternId,
      kind: f.kind,
      severity: f.severity,
      ...(f.encoding ? { encoding: f.encoding } : {}),
      ...(count > 1 ? { count } : {}),
    });
}

function redactArguments(args: string, clean: (t: string) => string): string {
  const out = clean(args);
  if (out === args) return out;
  try {
    JSON.parse(args);
  } catch {
    return out;
  }
  try {
    JSON.parse(out);
    return out;
  } catch {
    // The redaction cut through JSON syntax: the stored call keeps valid JSON and says why.
    return JSON.stringify({ redacted: 'the arguments held secret material' });
  }
}

export function redactMessage(m: ChatMessage, clean: (t: string) => string): ChatMessage {
  if (m.role === 'user') return { ...m, content: clean(m.content) };
  if (m.role === 'tool')
    return { ...m, content: clean(m.content), toolCallId: clean(m.toolCallId), name: clean(m.name) };
  const calls = m.toolCalls?.map((c): ToolCall => ({
    id: clean(c.id),
    name: clean(c.name),
    arguments: redactArguments(c.arguments, clean),
  }));
  return { ...m, content: clean(m.content), ...(calls ? { toolCalls: calls } : {}) };
}

/** What the read path gives back for a turn: the stored messages or the latest compaction summary. */
export type ReplaySource = 'history' | 'summary';

/** A cleaner for text read back for a turn, and the audit of what it replaced once the reading is done. */
function replayCleaner(
  r: AtRestRedaction,
  sessionId: string,
  replayed: ReplaySource,
): { clean: (t: string) => string; done: () => void } {
  const forms = r.canary ? canaryForms(r.canary(sessionId)) : [];
  const tally = newTally();
  return {
    clean: (t) => clean(t, forms, r.leaks, tally),
    done: () => auditReplay(r.bus, sessionId, replayed, tally),
  };
}

export function redactingSessionStore(inner: SessionStore, r: AtRestRedaction): SessionStore {
  return {
    create: (agentId, sender) => inner.create(agentId, sender),
    authorize: (sessionId, agentId, sender) => inner.authorize(sessionId, agentId, sender),
    async history(sessionId) {
      const replay = replayCleaner(r, sessionId, 'history');
      const messages = (await inner.history(sessionId)).map((m) => redactMessage(m, replay.clean));
      replay.done();
      return messages;
    },
    list: (options) => inner.list(options),
    append(sessionId, messages) {
      const forms = r.canary ? canaryForms(r.canary(sessionId)) : [];
      const cleanAtRest = (t: string) => redactAtRest(t, forms, r.leaks);
      return inner.append(
        sessionId,
        messages.map((m) => redactMessage(m, cleanAtRest)),
      );
    },
  };
}

export function redactingCompactionStore(inner: CompactionStore, r: AtRestRedaction): CompactionStore {
  return {
    latest: async (sessionId) => {
      const c = await inner.latest(sessionId);
      if (!c) return c;
      const replay = replayCleaner(r, sessionId, 'summary');
      const summary = replay.clean(c.summary);
      replay.done();
      return { ...c, summary };
    },
    add(c) {
      const forms = r.canary ? canaryForms(r.canary(c.sessionId)) : [];
      return inner.add({ ...c, summary: redactAtRest(c.summary, forms, r.leaks) });
    },
  };
}
