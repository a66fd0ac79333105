/** Reading a regular file for a TreeView without following a symlink or blocking on a FIFO. */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

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
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== undefined) return undefined;
    throw cause;
  } finally {
    closeSync(fd);
  }
}
