/**
 * Takes turns between processes changing one workspace through its journal: the daemon applying a run or a file
 * tool's write, and `bulwark workspace undo` / `bulwark sandbox run` from a shell beside it. Each of those is one
 * synchronous stretch (staleness check to journal record), so a lock around it is enough.
 *
 * The lock is SQLite's exclusive lock on a file in the workspace's journal directory: a kernel file lock, so it
 * ends with the process that holds it however that process ends (no stale lock to break, no pid to trust). Waiting
 * is SQLite's busy handler, which sleeps the thread — the stretch it waits for is synchronous too. Re-entrant within
 * a process (an undo asked for inside a held turn runs at once).
 */
import Database from 'better-sqlite3';
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync } from 'node:fs';
import { bulwarkError, type BulwarkError, describeCause, err, ok, type Result } from '../../core/index.js';

/** How long a turn waits for another process's before it gives up. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;

const held = new Set<string>();

function lockError(code: string, message: string): BulwarkError {
  return bulwarkError(`journal.${code}`, message, { layer: 'L11.7', status: 409 });
}

/** Not in Node's `fs.constants`; libuv sets it on every open too, it is named here so the intent reads in the code. */
const O_CLOEXEC = process.platform === 'linux' ? 0o2000000 : process.platform === 'darwin' ? 0x1000000 : 0;
const LOCK_OPEN = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW | O_CLOEXEC;

/**
 * Creates (owner-only) or opens the lock file without following a link, narrows an older file to 0600 through its
 * descriptor, and returns its identity. A link planted in its place (the journal directory is the daemon's, but a
 * link there would make SQLite open, and chmod, whatever it points at) is refused, as is anything not a regular file.
 */
function openLockFile(file: string): Result<{ dev: number; ino: number }, BulwarkError> {
  let fd: number;
  try {
    fd = openSync(file, LOCK_OPEN, 0o600);
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ELOOP')
      return err(
        lockError(
          'lock_symlink',
          `the workspace lock ${file} is a symbolic link, which is never followed; remove it (the daemon creates the lock file itself) and try again`,
        ),
      );
    return err(lockError('lock_failed', `cannot open the workspace lock ${file}: ${describeCause(cause)}`));
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      return err(lockError('lock_failed', `the workspace lock ${file} is not a regular file; remove it and try again`));
    fchmodSync(fd, 0o600);
    return ok({ dev: st.dev, ino: st.ino });
  } catch (cause) {
    return err(lockError('lock_failed', `cannot prepare the workspace lock ${file}: ${describeCause(cause)}`));
  } finally {
    closeSync(fd);
  }
}

/** SQLite opens by name: the name must still be the file checked, not a link swapped in meanwhile. */
function sameLockFile(file: string, id: { dev: number; ino: number }): Result<void, BulwarkError> {
  try {
    const st = lstatSync(file);
    if (st.isFile() && st.dev === id.dev && st.ino === id.ino) return ok(undefined);
  } catch (cause) {
    return err(lockError('lock_failed', `cannot check the workspace lock ${file}: ${describeCause(cause)}`));
  }
  return err(
    lockError(
      'lock_symlink',
      `the workspace lock ${file} was replaced while it was opened (a link or another file); remove it and try again`,
    ),
  );
}

/** How often a turn waiting without blocking looks whether the lock is free. */
const POLL_MS = 20;

/**
 * Resolves once `file`'s lock is free (or `waitMs` passed): a turn about to take it waits here first, with the event
 * loop free, so another process's long turn (a CLI undo restoring large files) does not freeze the daemon. The
 * synchronous take that follows then waits only if another process came in between.
 */
export async function lockFreeSoon(file: string, waitMs: number): Promise<void> {
  if (held.has(file)) return;
  const until = Date.now() + waitMs;
  for (;;) {
    let busy = false;
    let db: Database.Database | undefined;
    const opened = openLockFile(file);
    // The synchronous take reports it, with its message.
    if (!opened.ok) return;
    try {
      db = new Database(file, { timeout: 0 });
      db.exec('BEGIN EXCLUSIVE');
      db.exec('COMMIT');
    } catch (cause) {
      // Any other failure is the synchronous take's to report, with its message.
      busy = (cause as { code?: unknown }).code === 'SQLITE_BUSY';
    } finally {
      db?.close();
    }
    if (!busy || Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Runs `fn` while this process holds `file`'s lock; refuses (running nothing) when it cannot be had in `waitMs`. */
export function withWorkspaceLock<T>(
  file: string,
  waitMs: number,
  fn: () => Result<T, BulwarkError>,
): Result<T, BulwarkError> {
  if (held.has(file)) return fn();
  let db: Database.Database;
  // Created owner-only before SQLite opens it (its own creation follows the umask); an older file is narrowed.
  const opened = openLockFile(file);
  if (!opened.ok) return opened;
  try {
    db = new Database(file, { timeout: waitMs });
  } catch (cause) {
    return err(lockError('lock_failed', `cannot open the workspace lock ${file}: ${describeCause(cause)}`));
  }
  const same = sameLockFile(file, opened.value);
  if (!same.ok) {
    db.close();
    return same;
  }
  try {
    try {
      db.exec('BEGIN EXCLUSIVE');
    } catch (cause) {
      if ((cause as { code?: unknown }).code === 'SQLITE_BUSY')
        return err(
          lockError(
            'busy',
            `another bulwark process has been changing this workspace's files for over ${Math.round(waitMs / 1000)} s (an applied run, a file write or an undo); nothing was changed — try again when it is done`,
          ),
        );
      return err(lockError('lock_failed', `cannot lock ${file}: ${describeCause(cause)}`));
    }
    held.add(file);
    let out: Result<T, BulwarkError>;
    try {
      out = fn();
    } finally {
      held.delete(file);
    }
    try {
      db.exec('COMMIT');
    } catch (cause) {
      // The transaction wrote nothing, and closing the connection ends it: only say so, never hide fn's result.
      if (out.ok)
        return err(
          lockError(
            'unlock_failed',
            `the workspace's files were changed, but its lock ${file} could not be released cleanly: ${describeCause(cause)}`,
          ),
        );
    }
    return out;
  } finally {
    db.close();
  }
}
