/**
 * Streams of Node's zlib: how a file's first bytes say it is one (a git loose object is a zlib stream, RFC 1950;
 * gzip is RFC 1952), and inflating one from a byte source piece by piece, never the whole stream in memory.
 */
import { constants, createGunzip, createInflate, createInflateRaw, inflateSync } from 'node:zlib';
import type { ByteSource } from './byte-source.js';

export type StreamFormat = 'zlib' | 'gzip' | 'raw';

/** gzip: ID1 ID2 and CM = deflate. */
export const isGzip = (head: Uint8Array): boolean => head[0] === 0x1f && head[1] === 0x8b && head[2] === 8;

/** zlib: CM = deflate, a window of at most 32 KiB, no preset dictionary, and the header's check bits. */
export function isZlib(head: Uint8Array): boolean {
  const cmf = head[0];
  const flg = head[1];
  if (cmf === undefined || flg === undefined) return false;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && (cmf * 256 + flg) % 31 === 0;
}

export type InflateEnd =
  /** The stream ended; `consumed` bytes of the source were its. */
  | { readonly kind: 'end'; readonly consumed: number }
  /** The bytes are no valid stream (or it was cut short): what came out before was passed on. */
  | { readonly kind: 'corrupt' }
  /** `onData` asked to stop. */
  | { readonly kind: 'stopped' };

const PIECE = 64 * 1024;

const engine = (format: StreamFormat) =>
  format === 'gzip' ? createGunzip() : format === 'raw' ? createInflateRaw() : createInflate();

/**
 * Inflates the stream at `start` (read no further than `end`), passing each piece of output to `onData`, which
 * returns false to stop. A read error of the source rejects (the caller fails closed on it).
 */
export function inflateStream(
  src: ByteSource,
  start: number,
  end: number,
  format: StreamFormat,
  onData: (piece: Buffer) => boolean,
): Promise<InflateEnd> {
  const z = engine(format);
  return new Promise<InflateEnd>((resolve, reject) => {
    let settled = false;
    const finish = (r: InflateEnd | Error) => {
      if (settled) return;
      settled = true;
      z.destroy();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    z.on('data', (piece: Buffer) => {
      if (settled) return;
      // A throw here would escape as an uncaught exception: it rejects the walk's read instead (fail closed).
      try {
        if (!onData(piece)) finish({ kind: 'stopped' });
      } catch (cause) {
        finish(cause instanceof Error ? cause : new Error(String(cause)));
      }
    });
    // 'end' comes when the stream's own end is reached, whatever follows it in the source.
    z.on('end', () => finish({ kind: 'end', consumed: z.bytesWritten }));
    z.on('error', () => finish({ kind: 'corrupt' }));
    const feed = async () => {
      let pos = start;
      while (!settled && pos < end) {
        const b = await src.read(pos, Math.min(PIECE, end - pos));
        if (b.length === 0) break;
        pos += b.length;
        // One piece at a time: the output is passed on before more is read.
        await new Promise<void>((r) => z.write(b, () => r()));
      }
      if (!settled) z.end();
    };
    feed().catch((cause: unknown) => finish(cause instanceof Error ? cause : new Error(String(cause))));
  });
}

/**
 * A small stream (`size` bytes inflated, as a git pack object's header says) inflated at once from `bytes`, which
 * may run past its end. undefined when `bytes` hold only part of it (the caller streams it instead).
 */
export function inflateSmall(
  bytes: Buffer,
  size: number,
): { readonly out: Buffer; readonly consumed: number } | 'corrupt' | undefined {
  try {
    const r = inflateSync(bytes, { info: true, maxOutputLength: Math.max(1, size + 1) }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    return { out: r.buffer, consumed: r.engine.bytesWritten };
  } catch (cause) {
    const c = typeof cause === 'object' && cause !== null && 'errno' in cause ? cause.errno : undefined;
    return c === constants.Z_BUF_ERROR ? undefined : 'corrupt';
  }
}
