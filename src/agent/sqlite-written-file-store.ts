/** The embedded WrittenFileStore: one row per marked file in bulwark.db (room 'written_files'), WAL like the rest. */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, type Db, wellFormed } from '../core/index.js';
import type { WrittenFile, WrittenFileStore } from './written-file-store.js';

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
];

interface Row {
  readonly path: string;
  readonly ino: number;
  readonly size: number;
  readonly mtime_ms: number;
  readonly ctime_ms: number;
  readonly reason: string;
}

export class SqliteWrittenFileStore implements WrittenFileStore {
  private readonly select: Statement;
  private readonly remove: Statement;
  private readonly insert: Statement;
  private readonly trim: Statement;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    migrate(db, 'written_files', MIGRATIONS);
    this.select = db.prepare(
      'SELECT path, ino, size, mtime_ms, ctime_ms, reason FROM written_files WHERE workspace = ? ORDER BY seq',
    );
    this.remove = db.prepare('DELETE FROM written_files WHERE workspace = ? AND path = ?');
    this.insert = db.prepare(
      'INSERT INTO written_files (workspace, path, ino, size, mtime_ms, ctime_ms, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.trim = db.prepare(
      `DELETE FROM written_files WHERE workspace = ? AND seq IN
         (SELECT seq FROM written_files WHERE workspace = ? ORDER BY seq DESC LIMIT -1 OFFSET ?)`,
    );
  }

  load(workspace: string): Promise<readonly WrittenFile[]> {
    return sqliteCall(this.file, () =>
      (this.select.all(workspace) as Row[]).map((r) => ({
        path: r.path,
        ino: r.ino,
        size: r.size,
        mtimeMs: r.mtime_ms,
        ctimeMs: r.ctime_ms,
        reason: r.reason,
      })),
    );
  }

  put(workspace: string, files: readonly WrittenFile[], cap: number): Promise<void> {
    if (files.length === 0) return Promise.resolve();
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        const ws = wellFormed(workspace);
        for (const f of files) {
          const p = wellFormed(f.path);
          this.remove.run(ws, p);
          this.insert.run(ws, p, f.ino, f.size, f.mtimeMs, f.ctimeMs, wellFormed(f.reason));
        }
        this.trim.run(ws, ws, cap);
      })(),
    );
  }

  drop(workspace: string, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return Promise.resolve();
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        const ws = wellFormed(workspace);
        for (const p of paths) this.remove.run(ws, wellFormed(p));
      })(),
    );
  }
}
