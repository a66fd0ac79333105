/** The embedded GrantStore: one row per live grant in SQLite (bulwark.db, room 'grants'). */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, type Db, storeClosed, wellFormed } from '../core/index.js';
import type { GrantStore } from './grant-store.js';
import type { Grant, GrantScope } from './grants.js';

const MIGRATIONS = [
  `CREATE TABLE grants (
     id TEXT PRIMARY KEY,
     agent_id TEXT NOT NULL,
     session_id TEXT,
     scope TEXT NOT NULL,
     minutes INTEGER NOT NULL,
     reason TEXT,
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     uses INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX grants_expires ON grants (expires_at);`,
];

interface Row {
  id: string;
  agent_id: string;
  session_id: string | null;
  scope: string;
  minutes: number;
  reason: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  uses: number;
}

/** The stored scope, or undefined when the row was changed outside bulwark into something unreadable. */
function parseScope(text: string): GrantScope | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const list = (x: unknown) => x === undefined || (Array.isArray(x) && x.every((e) => typeof e === 'string'));
  if (!list(o['hosts']) || !list(o['paths'])) return undefined;
  if (o['executable'] !== undefined && typeof o['executable'] !== 'string') return undefined;
  return o as GrantScope;
}

export class SqliteGrantStore implements GrantStore {
  private readonly insert: Statement;
  private readonly del: Statement;
  private readonly uses: Statement;
  private readonly selectLive: Statement;
  private readonly prunes: Statement;

  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    migrate(db, 'grants', MIGRATIONS);
    this.insert = db.prepare(
      `INSERT INTO grants (id, agent_id, session_id, scope, minutes, reason, created_by, created_at, expires_at, uses)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.del = db.prepare('DELETE FROM grants WHERE id = ?');
    this.uses = db.prepare('UPDATE grants SET uses = ? WHERE id = ?');
    this.selectLive = db.prepare('SELECT * FROM grants WHERE expires_at > ? ORDER BY created_at, id');
    this.prunes = db.prepare('DELETE FROM grants WHERE expires_at <= ?');
  }

  live(now: number): Promise<Grant[]> {
    return this.call(() =>
      (this.selectLive.all(Math.floor(now)) as Row[]).flatMap((r) => {
        const scope = parseScope(r.scope);
        // An unreadable row grants nothing.
        if (!scope) return [];
        const g: Grant = {
          id: r.id,
          agentId: r.agent_id,
          ...(r.session_id !== null ? { sessionId: r.session_id } : {}),
          scope,
          minutes: r.minutes,
          ...(r.reason !== null ? { reason: r.reason } : {}),
          by: r.created_by,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
          uses: r.uses,
        };
        return [g];
      }),
    );
  }

  save(g: Grant): Promise<void> {
    return this.call(() => {
      this.insert.run(
        g.id,
        wellFormed(g.agentId),
        g.sessionId !== undefined ? wellFormed(g.sessionId) : null,
        wellFormed(JSON.stringify(g.scope)),
        g.minutes,
        g.reason !== undefined ? wellFormed(g.reason) : null,
        wellFormed(g.by),
        Math.floor(g.createdAt),
        Math.floor(g.expiresAt),
        g.uses,
      );
    });
  }

  remove(id: string): Promise<void> {
    return this.call(() => {
      this.del.run(id);
    });
  }

  setUses(id: string, uses: number): Promise<void> {
    return this.call(() => {
      this.uses.run(uses, id);
    });
  }

  prune(now: number): Promise<number> {
    return this.call(() => this.prunes.run(Math.floor(now)).changes);
  }

  private call<T>(run: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(storeClosed('grant'));
    return sqliteCall(this.file, run);
  }
}
