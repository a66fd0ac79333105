/** Bytes read by position: a file (only as far as its size when stat'ed) or a buffer already inflated. */
import type { FileHandle } from 'node:fs/promises';

export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer only at the end). */
  read(position: number, length: number): Promise<Buffer>;
}

export function fileSource(fh: FileHandle, size: number): ByteSource {
  return {
    size,
    async read(position, length) {
      const n = Math.max(0, Math.min(length, size - position));
      if (n === 0) return Buffer.alloc(0);
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    },
  };
}

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: (position, length) => Promise.resolve(buf.subarray(position, Math.min(buf.length, position + length))),
  };
}

/**
 * Reads through a window kept in memory, so the many small objects of a git pack do not cost a read each.
 */
export class WindowedSource implements ByteSource {
  private start = 0;
  private window: Buffer = Buffer.alloc(0);

  constructor(
    private readonly src: ByteSource,
    private readonly windowBytes = 1024 * 1024,
  ) {}

  get size(): number {
    return this.src.size;
  }

  async read(position: number, length: number): Promise<Buffer> {
    const end = Math.min(this.src.size, position + length);
    if (position >= this.start && end <= this.start + this.window.length)
      return this.window.subarray(position - this.start, end - this.start);
    if (length > this.windowBytes) return this.src.read(position, length);
    this.window = await this.src.read(position, this.windowBytes);
    this.start = position;
    return this.window.subarray(0, end - position);
  }
}
