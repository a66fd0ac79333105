/** Reading a regular file for a TreeView without following a symlink or blocking on a FIFO. */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { readFdFully } from '../../core/index.js';

/** The content of the regular file at `p`; undefined for anything else, above `maxBytes`, or when it cannot be read. */
export function readRegularNoFollow(p: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== undefined) return undefined;
    throw cause;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return readFdFully(fd, st.size);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== undefined) return undefined;
    throw cause;
  } finally {
    closeSync(fd);
  }
}
