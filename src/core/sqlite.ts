import { chmodSync, closeSync, constants, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { bulwarkError, describeCause, type BulwarkError } from './errors.js';
import { BulwarkFailure, err, ok, type Result } from './result.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) a SQLite database in WAL mode with a busy timeout; file mode 0600. `secure_delete`
 * overwrites deleted and replaced content with zeros, so a redacted or removed row does not survive in free pages.
 */
export function openDatabase(file: string): Db {
  // A new file is made 0600 before SQLite opens it: created by SQLite it would carry the umask's mode until the chmod.
  if (file !== ':memory:') {
    try {
      closeSync(openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
    }
  }
  const db = new Database(file, { fileMustExist: false });
  // Before WAL mode creates the -wal and -shm files, which SQLite gives the database file's permissions.
  if (file !== ':memory:') chmodSync(file, 0o600);
  db.pragma('secure_delete = ON');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Copies the WAL into the database and truncates it to zero bytes: pages with content that was since deleted or
 * replaced do not stay behind in the -wal file. Where rows are removed and at close. A reader still open elsewhere
 * can keep the checkpoint from completing; SQLite then truncates at the next chance, nothing is lost.
 */
export function checkpointTruncate(db: Db): void {
  if (db.open && db.name !== ':memory:') db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Checkpoints (truncating the WAL) and closes. */
export function closeDatabase(db: Db): void {
  if (!db.open) return;
  try {
    checkpointTruncate(db);
  } finally {
    db.close();
  }
}

/**
 * Applies numbered migrations of one room once each, inside a transaction.
 * `room` namespaces the version counter so rooms sharing a database do not collide.
 */
export function migrate(db: Db, room: string, migrations: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (room TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_versions WHERE room = ?').get(room) as
    { version: number } | undefined;
  const current = row?.version ?? 0;
  const apply = db.transaction(() => {
    for (let v = current; v < migrations.length; v++) db.exec(migrations[v] as string);
    db.prepare(
      'INSERT INTO schema_versions (room, version) VALUES (?, ?) ON CONFLICT(room) DO UPDATE SET version = excluded.version',
    ).run(room, migrations.length);
  });
  if (current < migrations.length) apply();
}

/**
 * The error for a SQLite failure on `file`, naming the file and what to do. A damaged or foreign file is never
 * repaired or replaced here: the operator decides (move it aside, restore a backup).
 */
export function sqliteError(file: string, cause: unknown): BulwarkError {
  const code = typeof (cause as { code?: unknown })?.code === 'string' ? (cause as { code: string }).code : '';
  const detail = describeCause(cause);
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return bulwarkError(
      'store.corrupt',
      `${file} is not a usable SQLite database (${detail}). Stop bulwark, move the file aside (mv ${file} ${file}.broken, with its -wal and -shm files) and start again to get an empty one, or put back a backup; sessions, usage counters, approval history and API tokens kept in it are then gone (create a token again with \`bulwark token create\`).`,
      { status: 500 },
    );
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM'))
    return bulwarkError(
      'store.unavailable',
      `cannot write ${file} (${detail}): check that the data dir exists and belongs to the user bulwark runs as`,
      { status: 500 },
    );
  if (code.startsWith('SQLITE_FULL') || code.startsWith('SQLITE_IOERR'))
    return bulwarkError(
      'store.io',
      `writing ${file} failed (${detail}): check the free space and health of the disk that holds the data dir`,
      { status: 500 },
    );
  return bulwarkError('store.failed', `the database ${file} failed: ${detail}`, { status: 500 });
}

/**
 * Runs a synchronous better-sqlite3 call now (so calls keep their order) and hands its result over as a Promise;
 * a throw becomes a rejection with `sqliteError`.
 */
export function sqliteCall<T>(file: string, run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (cause) {
    return Promise.reject(cause instanceof BulwarkFailure ? cause : new BulwarkFailure(sqliteError(file, cause)));
  }
}

/** Opens `file` and applies a room's migrations; a damaged file gives `store.corrupt` naming it and the fix. */
export function openSqliteStore(file: string): Result<Db, BulwarkError> {
  let db: Db | undefined;
  try {
    db = openDatabase(file);
    // Reads the schema: a file whose header is intact but whose pages are not fails here, at start, not mid-turn.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return ok(db);
  } catch (cause) {
    db?.close();
    return err(sqliteError(file, cause));
  }
}
