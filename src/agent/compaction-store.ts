/**
 * Where a session's compactions are kept (room 'compaction' of bulwark.db): each says "the history before message
 * `upto` is replaced by this summary, of this origin". The session's own messages stay as they were.
 * Methods return Promises: the same seam as the other stores.
 */
import { migrate, type Db } from '../core/index.js';
import type { MemoryOrigin } from '../memory/index.js';

export interface Compaction {
  readonly sessionId: string;
  /** Index (in the repaired history) of the first message kept verbatim; always a user message. */
  readonly upto: number;
  readonly summary: string;
  /** The lowest origin of what it summarises. */
  readonly origin: MemoryOrigin;
  readonly createdAt: number;
}

export interface CompactionStore {
  latest(sessionId: string): Promise<Compaction | undefined>;
  add(c: Omit<Compaction, 'createdAt'>): Promise<void>;
}

const MIGRATIONS = [
  `CREATE TABLE session_compactions (
     seq INTEGER PRIMARY KEY,
     session_id TEXT NOT NULL,
     upto INTEGER NOT NULL,
     summary TEXT NOT NULL,
     origin TEXT NOT NULL CHECK (origin IN ('external', 'agent', 'system', 'owner')),
     created_at INTEGER NOT NULL
   );
   CREATE INDEX session_compactions_session ON session_compactions (session_id, seq);`,
];

export class SqliteCompactionStore implements CompactionStore {
  constructor(private readonly db: Db) {
    migrate(db, 'compaction', MIGRATIONS);
  }

  async latest(sessionId: string): Promise<Compaction | undefined> {
    const r = this.db
      .prepare('SELECT * FROM session_compactions WHERE session_id = ? ORDER BY seq DESC LIMIT 1')
      .get(sessionId) as
      { session_id: string; upto: number; summary: string; origin: MemoryOrigin; created_at: number } | undefined;
    return r
      ? { sessionId: r.session_id, upto: r.upto, summary: r.summary, origin: r.origin, createdAt: r.created_at }
      : undefined;
  }

  async add(c: Omit<Compaction, 'createdAt'>): Promise<void> {
    this.db
      .prepare('INSERT INTO session_compactions (session_id, upto, summary, origin, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(c.sessionId, c.upto, c.summary, c.origin, Date.now());
  }
}
