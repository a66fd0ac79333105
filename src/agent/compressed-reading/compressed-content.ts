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
import { inflateStream } from './zlib-stream.js';

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
  await inflateStream(src, 0, src.size, format, (piece) => sink.push(piece));
  return sink.end();
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
