/**
 * Sessions and their messages in SQLite (room 'agent'). A session belongs to one agent and one
 * sender: a caller naming someone else's session gets the same answer as for a session that does not exist.
 */
import type { Statement } from 'better-sqlite3';
import { bulwarkError, type BulwarkError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { migrate, type Db } from '../core/sqlite.js';
import type { ChatMessage, ToolCall } from './types.js';

const MIGRATIONS = [
  `CREATE TABLE agent_sessions (
     id TEXT PRIMARY KEY,
     agent_id TEXT NOT NULL,
     sender TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX agent_sessions_owner ON agent_sessions (agent_id, sender);
   CREATE TABLE agent_messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL REFERENCES agent_sessions(id) ON DELETE CASCADE,
     role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
     content TEXT NOT NULL,
     tool_calls TEXT,
     tool_call_id TEXT,
     tool_name TEXT,
     is_error INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL
   );
   CREATE INDEX agent_messages_session ON agent_messages (session_id, id);`,
];

const SESSION_ID = /^ses_[0-9a-f]{24}$/;

export type SessionDenial = 'session.not_found' | 'session.forbidden';

export interface SessionError extends BulwarkError {
  readonly code: SessionDenial | 'session.invalid_id';
}

interface MessageRow {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  tool_name: string | null;
  is_error: number;
}

function parseToolCalls(json: string | null): ToolCall[] | undefined {
  if (json === null) return undefined;
  const v: unknown = JSON.parse(json);
  if (!Array.isArray(v)) return undefined;
  return v.map((c: { id: string; name: string; arguments: string }) => ({
    id: c.id,
    name: c.name,
    arguments: c.arguments,
  }));
}

export class SessionStore {
  // Compiled once: every turn creates or authorizes a session, reads its history and appends to it.
  private readonly insertSession: Statement;
  private readonly selectOwner: Statement;
  private readonly selectHistory: Statement;
  private readonly insertMessage: Statement;
  private readonly touchSession: Statement;

  constructor(private readonly db: Db) {
    migrate(db, 'agent', MIGRATIONS);
    this.insertSession = db.prepare(
      'INSERT INTO agent_sessions (id, agent_id, sender, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectOwner = db.prepare('SELECT agent_id, sender FROM agent_sessions WHERE id = ?');
    this.selectHistory = db.prepare(
      'SELECT role, content, tool_calls, tool_call_id, tool_name, is_error FROM agent_messages WHERE session_id = ? ORDER BY id',
    );
    this.insertMessage = db.prepare(
      'INSERT INTO agent_messages (session_id, role, content, tool_calls, tool_call_id, tool_name, is_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.touchSession = db.prepare('UPDATE agent_sessions SET updated_at = ? WHERE id = ?');
  }

  create(agentId: string, sender: string): string {
    const id = newId('ses');
    const now = new Date().toISOString();
    this.insertSession.run(id, agentId, sender, now, now);
    return id;
  }

  /**
   * Checks that `sessionId` exists and belongs to this agent and sender. `session.forbidden` is for the
   * audit trail only: callers must answer it exactly like `session.not_found`.
   */
  authorize(sessionId: string, agentId: string, sender: string): Result<string, SessionError> {
    const notFound = (code: SessionDenial): SessionError =>
      bulwarkError(
        code,
        `session ${sessionId} does not exist for this caller; omit the session id to start a new one`,
        {
          status: 404,
        },
      ) as SessionError;
    if (!SESSION_ID.test(sessionId)) {
      return err(
        bulwarkError('session.invalid_id', 'a session id looks like ses_ followed by 24 hex characters', {
          status: 400,
        }) as SessionError,
      );
    }
    const row = this.selectOwner.get(sessionId) as { agent_id: string; sender: string } | undefined;
    if (!row) return err(notFound('session.not_found'));
    if (row.agent_id !== agentId || row.sender !== sender) return err(notFound('session.forbidden'));
    return ok(sessionId);
  }

  history(sessionId: string): ChatMessage[] {
    const rows = this.selectHistory.all(sessionId) as MessageRow[];
    return rows.map((r): ChatMessage => {
      if (r.role === 'user') return { role: 'user', content: r.content };
      if (r.role === 'assistant') {
        const calls = parseToolCalls(r.tool_calls);
        return calls && calls.length > 0
          ? { role: 'assistant', content: r.content, toolCalls: calls }
          : { role: 'assistant', content: r.content };
      }
      return {
        role: 'tool',
        toolCallId: r.tool_call_id ?? '',
        name: r.tool_name ?? '',
        content: r.content,
        ...(r.is_error ? { isError: true } : {}),
      };
    });
  }

  append(sessionId: string, messages: readonly ChatMessage[]): void {
    const now = new Date().toISOString();
    const insert = this.insertMessage;
    const touch = this.touchSession;
    this.db.transaction(() => {
      for (const m of messages) {
        if (m.role === 'tool')
          insert.run(sessionId, 'tool', m.content, null, m.toolCallId, m.name, m.isError ? 1 : 0, now);
        else if (m.role === 'assistant') {
          insert.run(
            sessionId,
            'assistant',
            m.content,
            m.toolCalls?.length ? JSON.stringify(m.toolCalls) : null,
            null,
            null,
            0,
            now,
          );
        } else insert.run(sessionId, 'user', m.content, null, null, null, 0, now);
      }
      touch.run(now, sessionId);
    })();
  }
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
