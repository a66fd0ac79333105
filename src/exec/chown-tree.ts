/**
 * Hands a directory tree to a host user: a service's state directory to the sandbox user before it starts (it is
 * the service's HOME), an install it wrote back to root once it is done. Never follows a symlink (the link itself
 * changes owner), and leaves a non-directory with more than one hard link alone: that inode is shared with a path
 * outside the tree, and not the tree's to hand over.
 */
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import { bulwarkError, type BulwarkError, describeCause, err, ok, type Result } from '../core/index.js';

export function chownTree(dir: string, uid: number, gid: number): Result<void, BulwarkError> {
  const pending = [dir];
  try {
    for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
      const st = lstatSync(at);
      if (!st.isDirectory() && st.nlink > 1) continue;
      if (st.uid !== uid || st.gid !== gid) lchownSync(at, uid, gid);
      // Names from readdir are plain (never '/', '.' or '..'); childPath would refuse a legitimate backslash.
      if (st.isDirectory()) for (const name of readdirSync(at)) pending.push(`${at}/${name}`);
    }
    return ok(undefined);
  } catch (cause) {
    return err(
      bulwarkError('exec.service.state_owner', `cannot hand ${dir} to uid ${uid}: ${describeCause(cause)}`, {
        layer: 'L11.5',
      }),
    );
  }
}
