/** The embedded TaintStore: one row per tainted session in bulwark.db (room 'session_taint'). */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, type Db, wellFormed } from '../core/index.js';
import { MAX_TAINT_REASONS, type TaintStore } from './taint-store.js';

const MIGRATIONS = [
  `CREATE TABLE session_taint (
     session_id TEXT PRIMARY KEY,
     reasons TEXT NOT NULL,
     tainted_at INTEGER NOT NULL
   );`,
];

export class SqliteTaintStore implements TaintStore {
  private readonly select: Statement;
  private readonly insert: Statement;
  private readonly update: Statement;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly clock: () => number = Date.now,
  ) {
    migrate(db, 'session_taint', MIGRATIONS);
    this.select = db.prepare('SELECT reasons FROM session_taint WHERE session_id = ?');
    this.insert = db.prepare('INSERT INTO session_taint (session_id, reasons, tainted_at) VALUES (?, ?, ?)');
    this.update = db.prepare('UPDATE session_taint SET reasons = ? WHERE session_id = ?');
  }

  reasons(sessionId: string): Promise<readonly string[] | undefined> {
    return sqliteCall(this.file, () => this.read(sessionId));
  }

  mark(sessionId: string, reason: string): Promise<boolean> {
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        const id = wellFormed(sessionId);
        const known = this.read(id);
        const why = wellFormed(reason);
        if (known === undefined) {
          this.insert.run(id, JSON.stringify([why]), this.clock());
          return true;
        }
        if (!known.includes(why) && known.length < MAX_TAINT_REASONS)
          this.update.run(JSON.stringify([...known, why]), id);
        return false;
      })(),
    );
  }

  private read(sessionId: string): string[] | undefined {
    const row = this.select.get(sessionId) as { reasons: string } | undefined;
    if (!row) return undefined;
    const parsed: unknown = JSON.parse(row.reasons);
    // A damaged row still says the session is tainted.
    const reasons = Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
    return reasons.length ? reasons : ['secret material (the stored reason is unreadable)'];
  }
}
