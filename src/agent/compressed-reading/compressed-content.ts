/**
 * A file's content as an exec run could read it inflated: a git loose object or other zlib stream, gzip (a .tar.gz
 * is text once inflated), a zip's entries, a git pack's rebuilt objects. The raw bytes were scanned already; this
 * scans what they inflate to, with the same leak index, within the walk's budgets.
 *
 * A stream that does not inflate (corrupt, cut short) is read as far as it goes and does not by itself count as
 * holding a value. The walk runs before every exec run, so bytes a run wrote can only hold a value that was readable
 * in the workspace before that run, where that walk found it and tainted that session; what such a run leaves for a
 * later session could as well be encrypted, which no walk reads either (README: not found). Counting every broken
 * archive, or every text file that happens to begin like a zlib header, as holding a value would taint sessions for
 * nothing. What the walk cannot bound (past a budget or cap, a delta whose base is missing) does count as holding.
 */
import type { ByteSource } from './byte-source.js';
import { ContentSink } from './content-sink.js';
import { formatOf } from './formats.js';
import { readPack } from './git-pack.js';
import { type Found, type ReadingContext, spendObject } from './reading-context.js';
import { isTar } from './tar-members.js';
import { hasZipEnd, readZip } from './zip-entries.js';
import { inflateStream, isGzip } from './zlib-stream.js';

export async function readCompressed(
  src: ByteSource,
  ctx: ReadingContext,
  level: number,
  /** The file's path (a pack's index is beside it); none for content nested in another file. */
  path?: string,
): Promise<Found> {
  const head = await src.read(0, TAR_HEAD);
  // Nested content was kept because it began as gzip, zip or a pack; the file itself may also be a zlib stream.
  const format = formatOf(head, level === 0);
  if (format === 'git pack') return readPack(src, ctx, level, path);
  if (format === 'zip') return readZip(src, ctx, level);
  if (level === 0 && isTar(head)) return readTar(src, ctx);
  // A zip with bytes before it (a self-extractor) is known by its end.
  if (format === undefined && level === 0 && (await hasZipEnd(src))) return readZip(src, ctx, level);
  if (format !== 'gzip' && format !== 'zlib') return undefined;
  const over = spendObject(ctx);
  if (over) return over;
  const sink = new ContentSink(ctx, level, { gitObject: format === 'zlib' });
  if (format === 'gzip') await inflateMembers(src, (piece) => sink.push(piece));
  else await inflateStream(src, 0, src.size, format, (piece) => sink.push(piece));
  return sink.end();
}

/** Most bytes a gzip member's header is read for (its optional name and comment included). */
const GZIP_HEADER_READ = 64 * 1024;

/** Length of the gzip member header at the start of `b` (RFC 1952: fixed part, extra, name, comment, CRC), or undefined. */
export function gzipHeaderLength(b: Buffer): number | undefined {
  if (!isGzip(b) || b.length < 10) return undefined;
  const flags = b[3] as number;
  let at = 10;
  if (flags & 4) at += 2 + b.readUInt16LE(at);
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    const zero = b.indexOf(0, at);
    if (zero < 0) return undefined;
    at = zero + 1;
  }
  if (flags & 2) at += 2;
  return at <= b.length ? at : undefined;
}

/**
 * The members of a gzip file one after another, as gunzip reads them: each member's deflate data to its own end, so
 * bytes after the last member (trailing garbage, which gunzip ignores) cannot make Node's gunzip throw away what the
 * member inflated to (R22: a value followed by garbage was not found). A header that cannot be parsed is left to
 * Node's gunzip.
 */
async function inflateMembers(src: ByteSource, onData: (piece: Buffer) => boolean): Promise<void> {
  for (let pos = 0; pos < src.size;) {
    const header = gzipHeaderLength(await src.read(pos, Math.min(GZIP_HEADER_READ, src.size - pos)));
    if (header === undefined) {
      if (pos === 0) await inflateStream(src, 0, src.size, 'gzip', onData);
      return;
    }
    const r = await inflateStream(src, pos + header, src.size, 'raw', onData);
    if (r.kind !== 'end') return;
    // The member's CRC-32 and size follow its deflate data.
    pos += header + r.consumed + 8;
  }
}

/** Bytes a file's start needs to say what it is: a tar's magic ends at 262. */
export const TAR_HEAD = 264;

/** A tar file: its bytes were scanned raw; its members that are compressed are read. */
async function readTar(src: ByteSource, ctx: ReadingContext): Promise<Found> {
  const sink = new ContentSink(ctx, 0, { text: false });
  for (let pos = 0; pos < src.size;) {
    const piece = await src.read(pos, ctx.chunkBytes);
    if (piece.length === 0 || !sink.push(piece)) break;
    pos += piece.length;
  }
  return sink.end();
}
