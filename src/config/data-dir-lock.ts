/**
 * One daemon per data dir. The lock is a kernel file lock (SQLite's exclusive lock on `bulwark.lock`), so it ends
 * with the process that holds it, however that process ends: a lock left by a dead daemon is no lock at all, and a
 * reused pid cannot keep a data dir locked. `bulwark.pid` names the holder for the refusal message; a pid file left
 * by a dead daemon is simply taken over. The lock file itself is never deleted: a second daemon could otherwise lock
 * a new file of the same name while the first still holds the old one.
 */
import Database from 'better-sqlite3';
import { chmodSync, readFileSync, unlinkSync } from 'node:fs';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
} from '../core/index.js';

export const LOCK_FILE = 'bulwark.lock';
export const PID_FILE = 'bulwark.pid';

export interface LockHolder {
  readonly pid: number;
  readonly startedAt: string;
  /** False when no process has that pid any more (the pid file is stale). */
  readonly alive: boolean;
}

export interface DataDirLock {
  readonly dir: string;
  /** The pid of a daemon that died holding this data dir, when its pid file was taken over. */
  readonly tookOverFrom?: number;
  /** Releases the lock (idempotent). */
  release(): void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    // EPERM: the process exists but belongs to someone else.
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who the pid file names, if anyone; never throws. */
export function lockHolder(dir: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(childPath(dir, PID_FILE), 'utf8');
  } catch {
    // No pid file, or one that cannot be read: the holder is unknown, which the callers say.
    return undefined;
  }
  const [pidText, startedAt = 'an unknown time'] = text.split('\n');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, startedAt: startedAt.slice(0, 64), alive: processAlive(pid) };
}

function lockedError(dir: string): BulwarkError {
  const holder = lockHolder(dir);
  const who = holder
    ? `another bulwark daemon (pid ${holder.pid}, started ${holder.startedAt})`
    : 'another bulwark daemon (its pid file is missing)';
  const stop = holder ? `stop it first (kill ${holder.pid})` : 'stop it first';
  return bulwarkError(
    'datadir.locked',
    `${who} is running on the data dir ${dir}; ${stop}, or give this daemon its own data dir with BULWARK_HOME=<path>`,
    holder ? { details: { pid: holder.pid } } : {},
  );
}

/** Takes the data dir's lock, or says which daemon holds it. */
export function lockDataDir(dir: string): Result<DataDirLock, BulwarkError> {
  const file = childPath(dir, LOCK_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0 });
    chmodSync(file, 0o600);
  } catch (cause) {
    return err(bulwarkError('datadir.lock_failed', `cannot open the lock file ${file}: ${describeCause(cause)}`));
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY');
    // In exclusive locking mode the first write takes the EXCLUSIVE lock and keeps it until the connection closes.
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch (cause) {
    db.close();
    if ((cause as { code?: unknown }).code === 'SQLITE_BUSY') return err(lockedError(dir));
    return err(bulwarkError('datadir.lock_failed', `cannot lock ${file}: ${describeCause(cause)}`));
  }
  const previous = lockHolder(dir);
  const pidFile = childPath(dir, PID_FILE);
  try {
    writeFileAtomic(pidFile, `${process.pid}\n${new Date().toISOString()}\n`, 0o600);
  } catch (cause) {
    db.close();
    return err(bulwarkError('datadir.lock_failed', `cannot write ${pidFile}: ${describeCause(cause)}`));
  }
  let held = true;
  return ok({
    dir,
    ...(previous && previous.pid !== process.pid ? { tookOverFrom: previous.pid } : {}),
    release: () => {
      if (!held) return;
      held = false;
      // The pid file goes first, while the lock still guarantees that it is ours.
      if (lockHolder(dir)?.pid === process.pid) {
        try {
          unlinkSync(pidFile);
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
            db.close();
            throw cause;
          }
        }
      }
      db.close();
    },
  });
}
