/** The embedded SessionStore: sessions and their messages in SQLite (bulwark.db, room 'agent'). */
import type { Statement } from 'better-sqlite3';
import {
  newId,
  err,
  ok,
  type Result,
  migrate,
  sqliteCall,
  type Db,
  storeClosed,
  storeFailure,
  wellFormed,
} from '../core/index.js';
import {
  checkSessionId,
  MAX_SESSION_PAGE,
  sessionDenied,
  type SessionError,
  type SessionListOptions,
  type SessionStore,
  type SessionSummary,
} from './session-store.js';
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

interface MessageRow {
  id: number;
  role: 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  tool_name: string | null;
  is_error: number;
}

export class SqliteSessionStore implements SessionStore {
  // Compiled once: every turn creates or authorizes a session, reads its history and appends to it.
  private readonly insertSession: Statement;
  private readonly selectOwner: Statement;
  private readonly selectHistory: Statement;
  private readonly insertMessage: Statement;
  private readonly touchSession: Statement;
  private readonly appendAll: (sessionId: string, messages: readonly ChatMessage[]) => void;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    migrate(db, 'agent', MIGRATIONS);
    this.insertSession = db.prepare(
      'INSERT INTO agent_sessions (id, agent_id, sender, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectOwner = db.prepare('SELECT agent_id, sender FROM agent_sessions WHERE id = ?');
    this.selectHistory = db.prepare(
      'SELECT id, role, content, tool_calls, tool_call_id, tool_name, is_error FROM agent_messages WHERE session_id = ? ORDER BY id',
    );
    this.insertMessage = db.prepare(
      'INSERT INTO agent_messages (session_id, role, content, tool_calls, tool_call_id, tool_name, is_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.touchSession = db.prepare('UPDATE agent_sessions SET updated_at = ? WHERE id = ?');
    // One transaction per call: a call's messages are stored together or not at all.
    this.appendAll = db.transaction((sessionId: string, messages: readonly ChatMessage[]) => {
      const now = new Date().toISOString();
      if (this.touchSession.run(now, sessionId).changes === 0)
        throw storeFailure('store.unknown_session', `cannot append to session ${sessionId}: it does not exist`);
      for (const m of messages) this.insertOne(sessionId, m, now);
    });
  }

  create(agentId: string, sender: string): Promise<string> {
    return this.call(() => {
      const id = newId('ses');
      const now = new Date().toISOString();
      this.insertSession.run(id, agentId, sender, now, now);
      return id;
    });
  }

  authorize(sessionId: string, agentId: string, sender: string): Promise<Result<string, SessionError>> {
    const checked = checkSessionId(sessionId);
    if (!checked.ok) return Promise.resolve(checked);
    return this.call(() => {
      const row = this.selectOwner.get(sessionId) as { agent_id: string; sender: string } | undefined;
      if (!row) return err(sessionDenied(sessionId, 'session.not_found'));
      if (row.agent_id !== agentId || row.sender !== sender) return err(sessionDenied(sessionId, 'session.forbidden'));
      return ok(sessionId);
    });
  }

  history(sessionId: string): Promise<ChatMessage[]> {
    return this.call(() =>
      (this.selectHistory.all(sessionId) as MessageRow[]).map((r) => this.toMessage(sessionId, r)),
    );
  }

  append(sessionId: string, messages: readonly ChatMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.call(() => this.appendAll(sessionId, messages));
  }

  list(options: SessionListOptions): Promise<SessionSummary[]> {
    const limit = Math.max(0, Math.min(MAX_SESSION_PAGE, Math.floor(options.limit)));
    return this.call(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (options.agentId !== undefined) {
        where.push('s.agent_id = ?');
        params.push(options.agentId);
      }
      if (options.before !== undefined) {
        where.push('s.updated_at < ?');
        params.push(options.before);
      }
      const rows = this.db
        .prepare(
          `SELECT s.id, s.agent_id, s.sender, s.created_at, s.updated_at,
             (SELECT count(*) FROM agent_messages m WHERE m.session_id = s.id) AS messages
           FROM agent_sessions s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY s.updated_at DESC, s.id DESC LIMIT ?`,
        )
        .all(...params, limit) as Array<{
        id: string;
        agent_id: string;
        sender: string;
        created_at: string;
        updated_at: string;
        messages: number;
      }>;
      return rows.map((r) => ({
        id: r.id,
        agentId: r.agent_id,
        sender: r.sender,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        messages: r.messages,
      }));
    });
  }

  private insertOne(sessionId: string, m: ChatMessage, now: string): void {
    const content = wellFormed(m.content);
    if (m.role === 'tool')
      this.insertMessage.run(
        sessionId,
        'tool',
        content,
        null,
        wellFormed(m.toolCallId),
        wellFormed(m.name),
        m.isError ? 1 : 0,
        now,
      );
    else if (m.role === 'assistant')
      this.insertMessage.run(
        sessionId,
        'assistant',
        content,
        m.toolCalls?.length
          ? JSON.stringify(
              m.toolCalls.map((c) => ({
                id: wellFormed(c.id),
                name: wellFormed(c.name),
                arguments: wellFormed(c.arguments),
              })),
            )
          : null,
        null,
        null,
        0,
        now,
      );
    else this.insertMessage.run(sessionId, 'user', content, null, null, null, 0, now);
  }

  private toMessage(sessionId: string, r: MessageRow): ChatMessage {
    if (r.role === 'user') return { role: 'user', content: r.content };
    if (r.role === 'assistant') {
      const calls = this.toolCalls(sessionId, r);
      return calls.length > 0
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
  }

  private toolCalls(sessionId: string, r: MessageRow): ToolCall[] {
    if (r.tool_calls === null) return [];
    let v: unknown;
    try {
      v = JSON.parse(r.tool_calls);
    } catch {
      v = undefined;
    }
    const calls = Array.isArray(v) ? v : undefined;
    const valid = calls?.every(
      (c: { id?: unknown; name?: unknown; arguments?: unknown }) =>
        typeof c?.id === 'string' && typeof c.name === 'string' && typeof c.arguments === 'string',
    );
    if (!calls || !valid)
      throw storeFailure(
        'store.corrupt',
        `message ${r.id} of session ${sessionId} in ${this.file} has unreadable tool calls: the database was changed outside bulwark; start a new session (omit the session id)`,
      );
    return (calls as ToolCall[]).map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  }

  private call<T>(run: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(storeClosed('session'));
    return sqliteCall(this.file, run);
  }
}
