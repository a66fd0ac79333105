import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Opens (creating if needed) a SQLite database in WAL mode with a busy timeout; file mode 0600. */
export function openDatabase(file: string): Db {
  const db = new Database(file, { fileMustExist: false });
  // Before WAL mode creates the -wal and -shm files, which SQLite gives the database file's permissions.
  if (file !== ':memory:') chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
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
