/**
 * A zip archive's entries, read stored or inflated (deflate) into the sink, as every common reader could find them:
 *
 * - through its central directory (APPNOTE: end of central directory record, zip64 locator and record, central file
 *   headers), read to the directory's end whatever entry count the end record gives (Python's zipfile reads an
 *   entry past a lowered count);
 * - with bytes put before the archive (a self-extractor's stub) corrected for, as `unzip` does: the directory ends
 *   where the end record begins, and every offset moves by the same amount;
 * - and by its local headers in file order, as streaming readers (Java's ZipInputStream, bsdtar) find entries: an
 *   entry that no central header names is read too.
 *
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
  ZIP_CENTRAL_BYTES,
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
  zipLocalHeader,
  type ZipLocalHeader,
} from '../../text/index.js';

interface ZipEntry {
  readonly method: number;
  readonly encrypted: boolean;
  readonly compressedSize: number;
  readonly localOffset: number;
}

interface Directory {
  readonly entries: ZipEntry[];
  /** Bytes before the archive: added to every offset the archive gives. */
  readonly shift: number;
}

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));
const LOCAL_SIGNATURE = Buffer.from('PK\x03\x04', 'latin1');

/** The end record's directory, zip64's when it has one, and where the record holding it begins in the file. */
async function directoryRecord(src: ByteSource): Promise<{ dir: ZipDirectory; recordAt: number } | undefined> {
  const tailStart = Math.max(0, src.size - ZIP_END_BYTES - ZIP_MAX_COMMENT);
  const tail = await src.read(tailStart, src.size - tailStart);
  const at = findZipEnd(tail);
  if (at < 0) return undefined;
  const end = zipEnd(tail, at);
  if (!end.zip64) return { dir: end, recordAt: tailStart + at };
  const locatorAt = at - ZIP64_LOCATOR_BYTES;
  const declared = zip64EndAt(tail, locatorAt);
  if (declared === undefined) return { dir: end, recordAt: tailStart + at };
  // The locator's offset is moved by prepended bytes too: the record then sits just before the locator.
  for (const z64At of [declared, tailStart + locatorAt - ZIP64_END_BYTES]) {
    const z64 = z64At >= 0 ? zip64End(await src.read(z64At, ZIP64_END_BYTES), 0) : undefined;
    if (z64) return { dir: z64, recordAt: z64At };
  }
  return { dir: end, recordAt: tailStart + at };
}

/** Whether the file ends as a zip does (an end record in its last bytes), whatever is at its start. */
export async function hasZipEnd(src: ByteSource): Promise<boolean> {
  const tailStart = Math.max(0, src.size - ZIP_END_BYTES - ZIP_MAX_COMMENT);
  return src.size >= ZIP_END_BYTES && findZipEnd(await src.read(tailStart, src.size - tailStart)) >= 0;
}

/** The central headers from `cd`'s start to its end. */
function centralEntries(cd: Buffer): ZipEntry[] {
  const out: ZipEntry[] = [];
  for (let p = 0; p < cd.length;) {
    const h = zipCentralHeader(cd, p);
    if (!h) break;
    let compressedSize = h.packed;
    let localOffset = h.localAt;
    // zip64 extended information: the 8-byte sizes and offset that did not fit, in this order.
    const extra = cd.subarray(p + ZIP_CENTRAL_BYTES + h.nameLen, p + ZIP_CENTRAL_BYTES + h.nameLen + h.extraLen);
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

/**
 * The central directory's entries; undefined when there is none to be found, 'large' when it is larger than
 * `maxBytes` (it is read whole).
 */
async function directory(src: ByteSource, maxBytes: number): Promise<Directory | 'large' | undefined> {
  const record = await directoryRecord(src);
  if (!record) return undefined;
  const { cdSize, cdAt } = record.dir;
  // A directory cannot be larger than what comes before its record: such an end record is bytes that only look like
  // one (a text file may end so), or a zip64 record not found.
  if (cdSize > record.recordAt) return undefined;
  if (cdSize > maxBytes) return 'large';
  // Where the directory really is (it ends where its record begins), against where the archive says it is.
  const actual = record.recordAt - cdSize;
  for (const shift of actual !== cdAt && actual >= 0 ? [actual - cdAt, 0] : [0]) {
    if (cdAt + shift < 0 || cdAt + shift + cdSize > src.size) continue;
    const cd = await src.read(cdAt + shift, cdSize);
    if (cdSize > 0 && !zipCentralHeader(cd, 0)) continue;
    return { entries: centralEntries(cd), shift };
  }
  return undefined;
}

/** Local entries a directory does not name that one file may make the walk read; past it the file is held. */
const MAX_UNNAMED_ENTRIES = 1_000;

interface LocalAt {
  readonly at: number;
  readonly header: ZipLocalHeader | undefined;
}

/** Every local header signature in the file, in order, with its header parsed from the piece already read. */
async function localHeaders(src: ByteSource, ctx: ReadingContext): Promise<LocalAt[]> {
  const out: LocalAt[] = [];
  const overlap = ZIP_LOCAL_BYTES - 1;
  let last = -1;
  for (let pos = 0; pos < src.size;) {
    const piece = await src.read(pos, ctx.chunkBytes);
    if (piece.length === 0) break;
    for (let i = piece.indexOf(LOCAL_SIGNATURE); i >= 0; i = piece.indexOf(LOCAL_SIGNATURE, i + 1)) {
      if (pos + i <= last) continue;
      // A header cut by the piece's end is seen whole in the next piece, which starts before it.
      if (i + ZIP_LOCAL_BYTES > piece.length && pos + piece.length < src.size) break;
      last = pos + i;
      out.push({ at: last, header: zipLocalHeader(piece, i, last) });
    }
    if (pos + piece.length >= src.size) break;
    pos += Math.max(1, piece.length - overlap);
  }
  return out;
}

/** Reads one entry's data (stored: `size` bytes, or up to `end` when unknown; deflated: to its stream's end). */
async function readEntry(
  src: ByteSource,
  ctx: ReadingContext,
  depth: number,
  method: number,
  start: number,
  end: number,
): Promise<Found> {
  const sink = new ContentSink(ctx, depth);
  if (method === 8) await inflateStream(src, start, end, 'raw', (piece) => sink.push(piece));
  else
    for (let pos = start; pos < end;) {
      const piece = await src.read(pos, Math.min(ctx.chunkBytes, end - pos));
      if (piece.length === 0 || !sink.push(piece)) break;
      pos += piece.length;
    }
  return sink.end();
}

const readable = (method: number, flags: number) => (flags & 1) === 0 && (method === 0 || method === 8);

/** Whether a central entry and its local header say the same (a streaming reader goes by the local one). */
function agree(e: ZipEntry, local: ZipLocalHeader): boolean {
  return (
    local.method === e.method &&
    (local.flags & 1) === (e.encrypted ? 1 : 0) &&
    (local.packed === e.compressedSize ||
      ((local.flags & 8) !== 0 && local.packed === 0) ||
      local.packed === ZIP_U32_MAX)
  );
}

/** Reads every stored or deflated entry of the zip in `src` into a sink of its own. */
export async function readZip(src: ByteSource, ctx: ReadingContext, depth: number): Promise<Found> {
  const dir = await directory(src, ctx.limits.maxHeldBytes);
  if (dir === 'large')
    return { hold: `has a zip directory larger than the ${ctx.limits.maxHeldBytes} bytes a scan holds in memory` };
  const shift = dir?.shift ?? 0;
  // Local headers read as the directory says, and the stored data they span.
  const named = new Set<number>();
  const spans: Array<[number, number]> = [];
  for (const e of dir?.entries ?? []) {
    const at = e.localOffset + shift;
    const local = zipLocalHeader(await src.read(at, ZIP_LOCAL_BYTES), 0, at);
    if (!local) continue;
    if (agree(e, local)) {
      named.add(at);
      // Stored data both headers size alike: headers inside it are a stored archive's own (read when it is).
      // Deflate data is not skipped: its end is the stream's, which a size in the directory need not be.
      if (e.method === 0 && local.packed === e.compressedSize) spans.push([local.dataAt, local.dataAt + local.packed]);
    }
    if (e.encrypted || !readable(e.method, 0)) continue;
    const over = spendObject(ctx);
    if (over) return over;
    // Deflate data is read to its stream's end, whatever size the directory gives.
    const end = e.method === 8 ? src.size : Math.min(src.size, local.dataAt + e.compressedSize);
    const found = await readEntry(src, ctx, depth, e.method, local.dataAt, end);
    if (found) return found;
  }
  // Entries only a streaming reader finds: local headers no agreeing central header names, outside named data.
  const all = await localHeaders(src, ctx);
  spans.sort((a, b) => a[0] - b[0]);
  let unnamed = 0;
  // Headers come in file order: one pointer walks the spans sorted by start, keeping the furthest end reached.
  let span = 0;
  let coveredTo = -1;
  for (const [i, { at, header: local }] of all.entries()) {
    while (span < spans.length && (spans[span] as [number, number])[0] <= at)
      coveredTo = Math.max(coveredTo, (spans[span++] as [number, number])[1]);
    if (named.has(at) || at < coveredTo) continue;
    if (!local || !readable(local.method, local.flags)) continue;
    if (++unnamed > MAX_UNNAMED_ENTRIES)
      return { hold: `holds more than ${MAX_UNNAMED_ENTRIES} zip entries that no central directory names` };
    const over = spendObject(ctx);
    if (over) return over;
    // A size given after the data (flag bit 3) is not known here: stored data then runs to the next header.
    const known = (local.flags & 8) === 0 || local.packed > 0;
    const end = Math.min(src.size, known ? local.dataAt + local.packed : (all[i + 1]?.at ?? src.size));
    const found = await readEntry(src, ctx, depth, local.method, local.dataAt, local.method === 8 ? src.size : end);
    if (found) return found;
  }
  return undefined;
}
