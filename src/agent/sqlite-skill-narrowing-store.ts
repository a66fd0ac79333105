/** The embedded SkillNarrowingStore: one row per narrowed session in bulwark.db (room 'skill_narrowing'). */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, type Db, wellFormed } from '../core/index.js';
import type { SkillNarrowingStore } from './skill-narrowing-store.js';

const MIGRATIONS = [
  `CREATE TABLE skill_narrowing (
     session_id TEXT PRIMARY KEY,
     tools TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
];

export class SqliteSkillNarrowingStore implements SkillNarrowingStore {
  private readonly select: Statement;
  private readonly upsert: Statement;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly clock: () => number = Date.now,
  ) {
    migrate(db, 'skill_narrowing', MIGRATIONS);
    this.select = db.prepare('SELECT tools FROM skill_narrowing WHERE session_id = ?');
    this.upsert = db.prepare(
      `INSERT INTO skill_narrowing (session_id, tools, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET tools = excluded.tools, updated_at = excluded.updated_at`,
    );
  }

  allowed(sessionId: string): Promise<readonly string[] | undefined> {
    return sqliteCall(this.file, () => this.read(sessionId));
  }

  narrow(sessionId: string, tools: readonly string[]): Promise<readonly string[]> {
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        const before = this.read(sessionId);
        const next = [...new Set(tools.map(wellFormed))].filter((t) => before === undefined || before.includes(t));
        this.upsert.run(wellFormed(sessionId), JSON.stringify(next.sort()), this.clock());
        return next;
      })(),
    );
  }

  private read(sessionId: string): string[] | undefined {
    const row = this.select.get(sessionId) as { tools: string } | undefined;
    if (!row) return undefined;
    const parsed: unknown = JSON.parse(row.tools);
    // A damaged row narrows to nothing rather than widening.
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
  }
}
