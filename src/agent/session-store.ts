/**
 * Sessions and their messages (room 'agent'): the store's contract. A session belongs to one agent and one sender:
 * a caller naming someone else's session gets the same answer as for a session that does not exist.
 * The embedded implementation is SQLite (sqlite-session-store.ts); the composition root picks one (src/stores.ts).
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import type { ChatMessage } from './types.js';

export type SessionDenial = 'session.not_found' | 'session.forbidden';

export interface SessionError extends BulwarkError {
  readonly code: SessionDenial | 'session.invalid_id';
}

/**
 * The contract every implementation keeps (test/stores/session-store.contract.ts checks it):
 * - `create` returns a new, unguessable id (`ses_` + 24 hex characters);
 * - `authorize` answers `session.invalid_id` for a malformed id without a lookup, `session.not_found` for an id it
 *   does not know and `session.forbidden` for another agent's or sender's session;
 * - `append` keeps the messages of one call together and calls in the order they were made, also when the caller
 *   does not wait for one before making the next; appending to an unknown session stores nothing and rejects;
 * - `list` orders by last use, newest first, and never returns more than `limit` (capped at MAX_SESSION_PAGE);
 * - `history` returns the messages in that order, exactly as appended (text that is not valid Unicode comes back
 *   with U+FFFD in place of each lone surrogate); an unknown session has an empty history;
 * - a storage failure rejects with a `store.*` error naming the store and the fix.
 */
export interface SessionStore {
  create(agentId: string, sender: string): Promise<string>;
  /**
   * `session.forbidden` is for the audit trail only: callers must answer it exactly like `session.not_found`.
   */
  authorize(sessionId: string, agentId: string, sender: string): Promise<Result<string, SessionError>>;
  history(sessionId: string): Promise<ChatMessage[]>;
  append(sessionId: string, messages: readonly ChatMessage[]): Promise<void>;
  /**
   * The operator's overview (admin API, web UI): sessions, most recently used first, at most `limit`
   * (<= MAX_SESSION_PAGE), optionally of one agent and used before `before` (an ISO time, for paging).
   */
  list(options: SessionListOptions): Promise<SessionSummary[]>;
}

export const MAX_SESSION_PAGE = 500;

export interface SessionListOptions {
  readonly agentId?: string;
  readonly limit: number;
  /** Only sessions last used strictly before this ISO time. */
  readonly before?: string;
}

export interface SessionSummary {
  readonly id: string;
  readonly agentId: string;
  /** The caller key (`kind:id`) the session belongs to. */
  readonly sender: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly messages: number;
}

const SESSION_ID = /^ses_[0-9a-f]{24}$/;

/** The format check every implementation runs before it looks anything up. */
export function checkSessionId(sessionId: string): Result<string, SessionError> {
  if (SESSION_ID.test(sessionId)) return ok(sessionId);
  return err(
    bulwarkError('session.invalid_id', 'a session id looks like ses_ followed by 24 hex characters', {
      status: 400,
    }) as SessionError,
  );
}

/** The answer for a session this caller may not use; the same text and status whether it exists or not. */
export function sessionDenied(sessionId: string, code: SessionDenial): SessionError {
  return bulwarkError(
    code,
    `session ${sessionId} does not exist for this caller; omit the session id to start a new one`,
    { status: 404 },
  ) as SessionError;
}

/**
 * Makes a stored conversation valid for the providers again. A turn cut short (cancel, crash) leaves
 * tool calls without results; messages of two turns on one session could interleave (the runtime's
 * per-session lock now runs them one after the other; this stays as the repair for older histories).
 * Each result is moved right after the assistant message that made the call (matched by id, in order,
 * so ids reused across steps still pair up), a call without a result gets an error result, and a
 * result without a call is dropped.
 */
export function repairHistory(messages: readonly ChatMessage[]): ChatMessage[] {
  const results = new Map<string, Extract<ChatMessage, { role: 'tool' }>[]>();
  for (const m of messages) {
    if (m.role !== 'tool') continue;
    const queue = results.get(m.toolCallId) ?? [];
    queue.push(m);
    results.set(m.toolCallId, queue);
  }
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'tool') continue;
    out.push(m);
    if (m.role !== 'assistant' || !m.toolCalls?.length) continue;
    for (const c of m.toolCalls) {
      const r = results.get(c.id)?.shift();
      out.push(
        r ?? {
          role: 'tool',
          toolCallId: c.id,
          name: c.name,
          content: 'error: this tool call was interrupted and did not run',
          isError: true,
        },
      );
    }
  }
  return out;
}
