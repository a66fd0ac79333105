/**
 * Does a parked view holder see the workspace the daemon sees? A holder's private mount namespace is a copy of the
 * daemon's at the time it was parked: a filesystem mounted on or above the workspace later is not in it (mount
 * propagation is private). The holder resolves the workspace path in its own namespace, so it would mount its view
 * over the directory now hidden under that mount (the command then sees stale files while its changes are applied
 * to the new ones), or find nothing and fail. The daemon, as root, looks at the path through the holder's
 * `/proc/<pid>/root` and compares device and inode.
 */
import { statSync } from 'node:fs';

export function seesSameWorkspace(holderPid: number, workspace: string): boolean {
  try {
    const mine = statSync(workspace);
    const theirs = statSync(`/proc/${holderPid}/root${workspace}`);
    return mine.dev === theirs.dev && mine.ino === theirs.ino;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ESRCH' || code === 'EACCES') return false;
    throw cause;
  }
}
