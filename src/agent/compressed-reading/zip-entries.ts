/**
 * A zip archive's entries, found through its central directory (APPNOTE: end of central directory record, zip64
 * locator and record, central file headers, local file headers), read stored or inflated (deflate) into the sink.
 * Entries in other methods (bzip2, LZMA, zstd, deflate64) and encrypted ones are not read: Node cannot decode them
 * without a dependency, and an encrypted entry is as opaque as any other encrypted file. Their bytes were still
 * scanned raw with the file.
 */
import type { ByteSource } from './byte-source.js';
import { ContentSink } from './content-sink.js';
import { type Found, type ReadingContext, spendObject } from './reading-context.js';
import { inflateStream } from './zlib-stream.js';

interface ZipEntry {
  readonly method: number;
  readonly encrypted: boolean;
  readonly compressedSize: number;
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/**
 * The central directory's entries; undefined when there is none to be found (not a whole zip), 'large' when it is
 * larger than `maxBytes` (it is read whole).
 */
async function entries(src: ByteSource, maxBytes: number): Promise<ZipEntry[] | 'large' | undefined> {
  // The end record is in the last 22 bytes, or before a comment of at most 65,535.
  const tailStart = Math.max(0, src.size - 22 - 65_535);
  const tail = await src.read(tailStart, src.size - tailStart);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  if (at < 0) return undefined;
  let count = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if ((count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) && at >= 20) {
    const loc = tail.subarray(at - 20, at);
    if (loc.readUInt32LE(0) === ZIP64_LOCATOR) {
      const rec = await src.read(u64(loc, 8), 56);
      if (rec.length < 56 || rec.readUInt32LE(0) !== ZIP64_EOCD) return undefined;
      count = u64(rec, 32);
      cdSize = u64(rec, 40);
      cdOffset = u64(rec, 48);
    }
  }
  if (cdOffset + cdSize > src.size) return undefined;
  if (cdSize > maxBytes) return 'large';
  const cd = await src.read(cdOffset, cdSize);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count && p + 46 <= cd.length; i++) {
    if (cd.readUInt32LE(p) !== CENTRAL) break;
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    const uncompressed = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    // zip64 extended information: the 8-byte sizes and offset that did not fit, in this order.
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    for (let e = 0; e + 4 <= extra.length;) {
      const id = extra.readUInt16LE(e);
      const len = extra.readUInt16LE(e + 2);
      if (id === 1) {
        let f = e + 4;
        const next = () => {
          const v = f + 8 <= e + 4 + len && f + 8 <= extra.length ? u64(extra, f) : undefined;
          f += 8;
          return v;
        };
        if (uncompressed === U32_MAX) next();
        if (compressedSize === U32_MAX) compressedSize = next() ?? compressedSize;
        if (localOffset === U32_MAX) localOffset = next() ?? localOffset;
      }
      e += 4 + len;
    }
    out.push({ method, encrypted: (flags & 1) === 1, compressedSize, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Reads every stored or deflated entry of the zip in `src` into a sink of its own. */
export async function readZip(src: ByteSource, ctx: ReadingContext, depth: number): Promise<Found> {
  const list = await entries(src, ctx.limits.maxHeldBytes);
  // No central directory (cut short, or only a local header at the start): nothing more to read than the raw bytes.
  if (!list) return undefined;
  if (list === 'large')
    return { hold: `has a zip directory larger than the ${ctx.limits.maxHeldBytes} bytes a scan holds in memory` };
  for (const e of list) {
    if (e.encrypted || (e.method !== 0 && e.method !== 8)) continue;
    const over = spendObject(ctx);
    if (over) return over;
    const local = await src.read(e.localOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) continue;
    const start = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const end = Math.min(src.size, start + e.compressedSize);
    const sink = new ContentSink(ctx, depth);
    if (e.method === 8) await inflateStream(src, start, end, 'raw', (piece) => sink.push(piece));
    else
      for (let pos = start; pos < end;) {
        const piece = await src.read(pos, Math.min(ctx.chunkBytes, end - pos));
        if (piece.length === 0 || !sink.push(piece)) break;
        pos += piece.length;
      }
    const found = await sink.end();
    if (found) return found;
  }
  return undefined;
}
