/**
 * Nothing secret at rest (issue 14): every message written to the session store passes the leak index (known
 * values in every indexed encoding become `[secret:NAME]`), the secret-format scan and the canary scan (this
 * session's canary in its forms, any canary-shaped token) — critical findings become `[REDACTED]` — whatever
 * path the text came by (user message, answer, tool call, tool result, compaction summary). The gates before it
 * already did most of this; this is the last step before the disk, so a path they miss still stores nothing.
 *
 * What is read back for a turn passes L23's placeholder step again: a value put into the vault after a message was
 * stored is in the leak index now, and the replayed history (and compaction summary) carries `[secret:NAME]`.
 */
import { type LeakScanner, EMPTY_LEAK_SCANNER } from '../core/index.js';
import { canaryForms, type CanaryForm, redact, scanOutput } from '../guards/index.js';
import type { CompactionStore } from './compaction-store.js';
import { withPlaceholders } from './gates/secret-placeholder-gate.js';
import type { SessionStore } from './session-store.js';
import type { ChatMessage, ToolCall } from './types.js';

export interface AtRestRedaction {
  readonly leaks: LeakScanner;
  /** This session's canary (L17), so its encoded forms are found too; absent: canary-shaped tokens only. */
  readonly canary?: (sessionId: string) => string;
}

/** The text as it may be kept: known values as placeholders, secret formats and canaries redacted. */
export function redactAtRest(text: string, forms: readonly CanaryForm[], leaks: LeakScanner): string {
  if (text.length === 0) return text;
  const placed = withPlaceholders(text, leaks).text;
  const scan = scanOutput(placed, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: forms });
  return scan.findings.length ? redact(placed, scan.findings) : placed;
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

/** Known values (in every indexed encoding) as placeholders: what the model may be shown of a stored text. */
function placeholdersOnly(leaks: LeakScanner): (t: string) => string {
  return (t) => (t.length === 0 ? t : withPlaceholders(t, leaks).text);
}

export function redactingSessionStore(inner: SessionStore, r: AtRestRedaction): SessionStore {
  const replayed = placeholdersOnly(r.leaks);
  return {
    create: (agentId, sender) => inner.create(agentId, sender),
    authorize: (sessionId, agentId, sender) => inner.authorize(sessionId, agentId, sender),
    history: async (sessionId) => (await inner.history(sessionId)).map((m) => redactMessage(m, replayed)),
    list: (options) => inner.list(options),
    append(sessionId, messages) {
      const forms = r.canary ? canaryForms(r.canary(sessionId)) : [];
      const clean = (t: string) => redactAtRest(t, forms, r.leaks);
      return inner.append(
        sessionId,
        messages.map((m) => redactMessage(m, clean)),
      );
    },
  };
}

export function redactingCompactionStore(inner: CompactionStore, r: AtRestRedaction): CompactionStore {
  const replayed = placeholdersOnly(r.leaks);
  return {
    latest: async (sessionId) => {
      const c = await inner.latest(sessionId);
      return c && { ...c, summary: replayed(c.summary) };
    },
    add(c) {
      const forms = r.canary ? canaryForms(r.canary(c.sessionId)) : [];
      return inner.add({ ...c, summary: redactAtRest(c.summary, forms, r.leaks) });
    },
  };
}
