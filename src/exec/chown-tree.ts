/**
 * Hands a directory tree to a host user: a service's state directory to the sandbox user before it starts (it is
 * the service's HOME), an install it wrote back to root once it is done, root's leftovers in a repository to the
 * user who owns it. Never follows a symlink (the link itself changes owner), and leaves a non-directory with more
 * than one hard link alone: that inode is shared with a path outside the tree, and not the tree's to hand over.
 *
 * Another process may change the tree while it is walked (a service sharing the workspace): every entry below `dir`
 * is named through its parent's open descriptor (`/proc/self/fd/N/name`), so a directory swapped for a symlink
 * meanwhile cannot lead the walk out of the tree, and directories and regular files change owner through their own
 * descriptor, after the checks, so a name swapped between the check and the change cannot take it elsewhere.
 */
import { closeSync, constants, fchownSync, fstatSync, lchownSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { bulwarkError, type BulwarkError, describeCause, err, ok, type Result } from '../core/index.js';

export interface ChownTreeOptions {
  /** Only entries owned by this uid change hands (the rest belong to someone else: left as they are). */
  readonly onlyFromUid?: number;
  /** Directories only: their files are never rewritten in place, so their owner does not matter. */
  readonly dirsOnly?: boolean;
  /** Directories this deep below `dir` are not listed (1: only `dir`'s own entries). */
  readonly maxDepth?: number;
  /**
   * Files only when their mode already lets others read them: a file kept from everyone but its owner stays its
   * owner's (a root-only file moved into a git directory must not become the sandbox user's to read).
   */
  readonly sharedFilesOnly?: boolean;
  /** Error code of a failure; default exec.service.state_owner. */
  readonly code?: string;
}

const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** How many entries changed owner. */
export function chownTree(
  dir: string,
  uid: number,
  gid: number,
  options: ChownTreeOptions = {},
): Result<number, BulwarkError> {
  let handed = 0;
  const wanted = (st: { uid: number; gid: number }) =>
    (options.onlyFromUid === undefined || st.uid === options.onlyFromUid) && (st.uid !== uid || st.gid !== gid);
  const walk = (at: string, depth: number): void => {
    const seen = lstatSync(at);
    if (!seen.isDirectory() && !seen.isFile()) {
      // A symlink or special file: never opened (a device may act on open); lchown changes the entry itself.
      if (!options.dirsOnly && seen.nlink === 1 && wanted(seen)) {
        lchownSync(at, uid, gid);
        handed++;
      }
      return;
    }
    if (seen.isFile() && options.dirsOnly) return;
    const fd = openSync(at, seen.isDirectory() ? NO_FOLLOW | constants.O_DIRECTORY : NO_FOLLOW);
    try {
      const st = fstatSync(fd);
      // Swapped between the look and the open: whatever is there now is not what was looked at; left alone.
      if (st.ino !== seen.ino || st.dev !== seen.dev) return;
      if (!st.isDirectory() && st.nlink > 1) return;
      if (!st.isDirectory() && options.sharedFilesOnly && (st.mode & 0o004) === 0) return;
      if (wanted(st)) {
        fchownSync(fd, uid, gid);
        handed++;
      }
      if (!st.isDirectory() || depth >= (options.maxDepth ?? Infinity)) return;
      const here = `/proc/self/fd/${fd}`;
      for (const e of readdirSync(here, { withFileTypes: true }))
        if (!options.dirsOnly || e.isDirectory()) walk(`${here}/${e.name}`, depth + 1);
    } finally {
      closeSync(fd);
    }
  };
  try {
    walk(dir, 0);
    return ok(handed);
  } catch (cause) {
    return err(
      bulwarkError(
        options.code ?? 'exec.service.state_owner',
        `cannot hand ${dir} to uid ${uid}: ${describeCause(cause)}`,
        { layer: 'L11.5' },
      ),
    );
  }
}
