/** Which compressed format a file's first bytes say it is in, of those the walk inflates. */
import { isGzip, isZlib } from './zlib-stream.js';

export type CompressedFormat = 'git pack' | 'zip' | 'gzip' | 'zlib';

const ascii = (head: Uint8Array, at: number, text: string) =>
  Buffer.from(head.subarray(at, at + text.length)).toString('latin1') === text;

/**
 * `zlib` only when asked: its two-byte header is weak evidence (text starting `x^` passes it), which is enough to
 * try a file (a stream that does not inflate costs little) but not to count nested content as compressed.
 */
export function formatOf(head: Uint8Array, zlib: boolean): CompressedFormat | undefined {
  if (ascii(head, 0, 'PACK') && head[4] === 0 && head[5] === 0 && head[6] === 0 && (head[7] === 2 || head[7] === 3))
    return 'git pack';
  if (ascii(head, 0, 'PK\x03\x04')) return 'zip';
  if (isGzip(head)) return 'gzip';
  if (zlib && isZlib(head)) return 'zlib';
  return undefined;
}
