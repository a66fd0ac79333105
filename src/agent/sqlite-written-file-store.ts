/**
 * The embedded WrittenFileStore: one row per marked file in bulwark.db (room 'written_files'), WAL like the rest. A
 * run's reason is kept once in `written_reasons`, which the rows name by id: a run that marks 20,000 files with a
 * reason of 2,000 characters adds one reason, not 40 MB of them. A reason no row names any more goes with its last row.
 */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, storeFailure, type Db, wellFormed } from '../core/index.js';
import { badWrittenFile, type WrittenFile, type WrittenFileStore } from './written-file-store.js';

/** The run's reason inside a reason stored before reasons were kept apart (the whole reason when it is not one). */
const OLD_WHY = `CASE
  WHEN substr(reason, 1, length(path) + 33) = path || ' in the workspace was written by '
    AND substr(reason, -63) = ', and is unchanged since, so it counts as holding a vault value'
    AND length(reason) > length(path) + 96
  THEN substr(reason, length(path) + 34, length(reason) - length(path) - 96)
  ELSE reason END`;

const MIGRATIONS = [
  // `seq` orders marks by when they were made (a path marked again gets a new one): the oldest go past the cap.
  `CREATE TABLE written_files (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     workspace TEXT NOT NULL,
     path TEXT NOT NULL,
     ino REAL NOT NULL,
     size REAL NOT NULL,
     mtime_ms REAL NOT NULL,
     ctime_ms REAL NOT NULL,
     reason TEXT NOT NULL,
     UNIQUE (workspace, path)
   );`,
  // Each row repeated its run's reason (kilobytes, times up to 100,000 rows per workspace): kept once instead.
  `CREATE TABLE written_reasons (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     why TEXT NOT NULL UNIQUE
   );
   INSERT OR IGNORE INTO written_reasons (why) SELECT ${OLD_WHY} FROM written_files ORDER BY seq;
   CREATE TABLE written_marks (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     workspace TEXT NOT NULL,
     path TEXT NOT NULL,
     ino REAL NOT NULL,
     size REAL NOT NULL,
     mtime_ms REAL NOT NULL,
     ctime_ms REAL NOT NULL,
     reason_id INTEGER NOT NULL REFERENCES written_reasons (id),
     UNIQUE (workspace, path)
   );
   INSERT INTO written_marks (seq, workspace, path, ino, size, mtime_ms, ctime_ms, reason_id)
     SELECT f.seq, f.workspace, f.path, f.ino, f.size, f.mtime_ms, f.ctime_ms, r.id
     FROM written_files f JOIN written_reasons r ON r.why = ${OLD_WHY};
   DROP TABLE written_files;
   ALTER TABLE written_marks RENAME TO written_files;
   CREATE INDEX written_files_reason ON written_files (reason_id);`,
];

interface Row {
  readonly path: string;
  readonly ino: number;
  readonly size: number;
  readonly mtime_ms: number;
  readonly ctime_ms: number;
  readonly why: string | null;
}

/** What a row whose reason was removed outside bulwark says: the file still counts (fail closed). */
const UNREADABLE_WHY = 'a run of a tainted session (its stored reason is unreadable)';

export class SqliteWrittenFileStore implements WrittenFileStore {
  private readonly select: Statement;
  private readonly remove: Statement;
  private readonly insert: Statement;
  private readonly trim: Statement;
  private readonly reasonId: Statement;
  private readonly addReason: Statement;
  private readonly orphan: Statement;
  private readonly spaces: Statement;
  private readonly removeAll: Statement;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    migrate(db, 'written_files', MIGRATIONS);
    this.select = db.prepare(
      `SELECT f.path, f.ino, f.size, f.mtime_ms, f.ctime_ms, r.why FROM written_files f
         LEFT JOIN written_reasons r ON r.id = f.reason_id WHERE f.workspace = ? ORDER BY f.seq`,
    );
    this.remove = db.prepare('DELETE FROM written_files WHERE workspace = ? AND path = ? RETURNING reason_id');
    this.insert = db.prepare(
      'INSERT INTO written_files (workspace, path, ino, size, mtime_ms, ctime_ms, reason_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.trim = db.prepare(
      `DELETE FROM written_files WHERE workspace = ? AND seq IN
         (SELECT seq FROM written_files WHERE workspace = ? ORDER BY seq DESC LIMIT -1 OFFSET ?) RETURNING reason_id`,
    );
    this.reasonId = db.prepare('SELECT id FROM written_reasons WHERE why = ?');
    this.addReason = db.prepare('INSERT INTO written_reasons (why) VALUES (?)');
    this.orphan = db.prepare(
      'DELETE FROM written_reasons WHERE id = ? AND NOT EXISTS (SELECT 1 FROM written_files WHERE reason_id = ?)',
    );
    this.spaces = db.prepare('SELECT DISTINCT workspace FROM written_files');
    this.removeAll = db.prepare('DELETE FROM written_files WHERE workspace = ? RETURNING reason_id');
  }

  load(workspace: string): Promise<readonly WrittenFile[]> {
    return sqliteCall(this.file, () =>
      (this.select.all(workspace) as Row[]).map((r) => ({
        path: r.path,
        ino: r.ino,
        size: r.size,
        mtimeMs: r.mtime_ms,
        ctimeMs: r.ctime_ms,
        why: r.why ?? UNREADABLE_WHY,
      })),
    );
  }

  put(workspace: string, files: readonly WrittenFile[], cap: number): Promise<void> {
    if (files.length === 0) return Promise.resolve();
    // Checked before the transaction: a bad mark records none of them.
    for (const f of files) {
      const bad = badWrittenFile(f);
      if (bad !== undefined) return Promise.reject(storeFailure('store.bad_input', `${bad}; nothing was recorded`));
    }
    if (!Number.isSafeInteger(cap) || cap < 1)
      return Promise.reject(storeFailure('store.bad_input', `the cap of marks must be a positive integer, not ${cap}`));
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        const ws = wellFormed(workspace);
        const ids = new Map<string, number>();
        const freed: number[] = [];
        for (const f of files) {
          const p = wellFormed(f.path);
          const why = wellFormed(f.why);
          let id = ids.get(why);
          if (id === undefined) {
            const known = this.reasonId.get(why) as { id: number } | undefined;
            id = known?.id ?? Number(this.addReason.run(why).lastInsertRowid);
            ids.set(why, id);
          }
          freed.push(...this.reasonsOf(this.remove.all(ws, p)));
          this.insert.run(ws, p, f.ino, f.size, f.mtimeMs, f.ctimeMs, id);
        }
        freed.push(...this.reasonsOf(this.trim.all(ws, ws, cap)));
        this.dropOrphans(freed);
      })(),
    );
  }

  drop(workspace: string, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return Promise.resolve();
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        const ws = wellFormed(workspace);
        const freed: number[] = [];
        for (const p of paths) freed.push(...this.reasonsOf(this.remove.all(ws, wellFormed(p))));
        this.dropOrphans(freed);
      })(),
    );
  }

  workspaces(): Promise<readonly string[]> {
    return sqliteCall(this.file, () => (this.spaces.all() as { workspace: string }[]).map((r) => r.workspace));
  }

  forget(workspace: string): Promise<number> {
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        const freed = this.reasonsOf(this.removeAll.all(wellFormed(workspace)));
        this.dropOrphans(freed);
        return freed.length;
      })(),
    );
  }

  private reasonsOf(rows: unknown[]): number[] {
    return (rows as { reason_id: number }[]).map((r) => r.reason_id);
  }

  /** Removes the reasons among `ids` that no row names any more. */
  private dropOrphans(ids: readonly number[]): void {
    for (const id of new Set(ids)) this.orphan.run(id, id);
  }
}
