/** Reading an open file in full, for readers that opened it themselves (no-follow, non-blocking) and checked its size. */
import { readSync } from 'node:fs';

/** Up to `size` bytes from the start of `fd`; fewer when the file shrank since it was measured. */
export function readFdFully(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}
