/**
 * Hands a directory tree to a host user: a service's state directory to the sandbox user before it starts (it is
 * the service's HOME), an install it wrote back to root once it is done, root's leftovers in a repository to the
 * user who owns it. Never follows a symlink (the link itself changes owner), and leaves a non-directory with more
 * than one hard link alone: that inode is shared with a path outside the tree, and not the tree's to hand over.
 */
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import { bulwarkError, type BulwarkError, describeCause, err, ok, type Result } from '../core/index.js';

export interface ChownTreeOptions {
  /** Only entries owned by this uid change hands (the rest belong to someone else: left as they are). */
  readonly onlyFromUid?: number;
  /** Directories only: their files are never rewritten in place, so their owner does not matter. */
  readonly dirsOnly?: boolean;
  /** Directories this deep below `dir` are not listed (1: only `dir`'s own entries). */
  readonly maxDepth?: number;
  /** Error code of a failure; default exec.service.state_owner. */
  readonly code?: string;
}

/** How many entries changed owner. */
export function chownTree(
  dir: string,
  uid: number,
  gid: number,
  options: ChownTreeOptions = {},
): Result<number, BulwarkError> {
  const pending: Array<[string, number]> = [[dir, 0]];
  let handed = 0;
  try {
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [at, depth] = next;
      const st = lstatSync(at);
      if (!st.isDirectory() && (st.nlink > 1 || options.dirsOnly)) continue;
      const from = options.onlyFromUid;
      if ((from === undefined || st.uid === from) && (st.uid !== uid || st.gid !== gid)) {
        lchownSync(at, uid, gid);
        handed++;
      }
      if (!st.isDirectory() || depth >= (options.maxDepth ?? Infinity)) continue;
      // Names from readdir are plain (never '/', '.' or '..'); childPath would refuse a legitimate backslash.
      for (const e of readdirSync(at, { withFileTypes: true }))
        if (!options.dirsOnly || e.isDirectory()) pending.push([`${at}/${e.name}`, depth + 1]);
    }
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
