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
import {
  findZipEnd,
  ZIP_END_BYTES,
  ZIP_LOCAL_BYTES,
  ZIP_MAX_COMMENT,
  ZIP_U32_MAX,
  ZIP64_END_BYTES,
  ZIP64_LOCATOR_BYTES,
  zip64End,
  zip64EndAt,
  zipCentralHeader,
  type ZipDirectory,
  zipEnd,
  zipLocalDataAt,
} from '../../text/index.js';

interface ZipEntry {
  readonly method: number;
  readonly encrypted: boolean;
  readonly compressedSize: number;
  readonly localOffset: number;
}

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/**
 * The central directory's entries; undefined when there is none to be found (not a whole zip), 'large' when it is
 * larger than `maxBytes` (it is read whole).
 */
async function entries(src: ByteSource, maxBytes: number): Promise<ZipEntry[] | 'large' | undefined> {
  const tailStart = Math.max(0, src.size - ZIP_END_BYTES - ZIP_MAX_COMMENT);
  const tail = await src.read(tailStart, src.size - tailStart);
  const at = findZipEnd(tail);
  if (at < 0) return undefined;
  const end = zipEnd(tail, at);
  let dir: ZipDirectory = end;
  if (end.zip64) {
    const z64At = zip64EndAt(tail, at - ZIP64_LOCATOR_BYTES);
    const z64 = z64At === undefined ? undefined : zip64End(await src.read(z64At, ZIP64_END_BYTES), 0);
    if (z64) dir = z64;
  }
  const { count, cdSize, cdAt } = dir;
  if (cdAt + cdSize > src.size) return undefined;
  if (cdSize > maxBytes) return 'large';
  const cd = await src.read(cdAt, cdSize);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    const h = zipCentralHeader(cd, p);
    if (!h) break;
    let compressedSize = h.packed;
    let localOffset = h.localAt;
    // zip64 extended information: the 8-byte sizes and offset that did not fit, in this order.
    const extra = cd.subarray(p + 46 + h.nameLen, p + 46 + h.nameLen + h.extraLen);
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
        if (h.size === ZIP_U32_MAX) next();
        if (compressedSize === ZIP_U32_MAX) compressedSize = next() ?? compressedSize;
        if (localOffset === ZIP_U32_MAX) localOffset = next() ?? localOffset;
      }
      e += 4 + len;
    }
    out.push({ method: h.method, encrypted: (h.flags & 1) === 1, compressedSize, localOffset });
    p = h.next;
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
    const start = zipLocalDataAt(await src.read(e.localOffset, ZIP_LOCAL_BYTES), e.localOffset);
    if (start === undefined) continue;
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
