/**
 * A zip reader: the central directory is the list of entries (the local headers are only used to find the data),
 * stored and deflated entries only, every CRC-32 verified. Encrypted entries, zip64, links (Unix mode in the external
 * attributes) and declared sizes that disagree with what an entry inflates to refuse the whole archive. Inflating is
 * capped at the declared size (itself under the budget), so a bomb stops at the cap instead of filling memory.
 */
import { inflateRawSync } from 'node:zlib';
import { type BulwarkError, describeCause, ok, type Result } from '../../../core/index.js';
import { type ArchiveBudget, type ArchiveEntry, archiveError, entryPath, refusedKind } from './entry.js';
import {
  findZipEnd,
  ZIP_CENTRAL_BYTES,
  ZIP_LOCAL_BYTES,
  ZIP_U32_MAX,
  ZIP64_END_BYTES,
  ZIP64_LOCATOR_BYTES,
  zip64End,
  zip64EndAt,
  zipCentralHeader,
  type ZipDirectory,
  zipEnd,
  zipLocalDataAt,
} from '../../../text/index.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const S_IFMT = 0o170000;
const UNIX_KINDS: Readonly<Record<number, string>> = {
  0o120000: 'a symbolic link',
  0o020000: 'a character device',
  0o060000: 'a block device',
  0o010000: 'a FIFO',
  0o140000: 'a socket',
};

/** What a zip walk asks of its caller, entry by entry; the first error stops the walk and refuses the archive. */
export interface ZipVisitor {
  /** Counts an entry (its checked path) before anything about it is trusted. */
  entry(path: string): Result<void, BulwarkError>;
  /** A file's declared size, before it is inflated (it must then inflate to exactly that). */
  bytes(path: string, size: number): Result<void, BulwarkError>;
  /** A verified file; `bytes` is not kept by the walk, so a visitor that drops it keeps memory flat. */
  file(path: string, bytes: Uint8Array): Result<void, BulwarkError>;
  dir?(path: string): void;
  /** Read the zip64 end record (more than 65535 entries; OSV exports). Entries must still be under 4 GB. */
  readonly zip64?: boolean;
}

/** Entry count and central directory of a zip64 archive, from the locator just before the end record. */
function zip64Directory(zip: Buffer, end: number): ZipDirectory | undefined {
  const loc = end - ZIP64_LOCATOR_BYTES;
  const at = zip64EndAt(zip, loc);
  // The zip64 end record lies before its locator.
  return at !== undefined && at >= 0 && at + ZIP64_END_BYTES <= loc ? zip64End(zip, at) : undefined;
}

export function readZip(zip: Buffer, budget: ArchiveBudget): Result<ArchiveEntry[], BulwarkError> {
  const entries: ArchiveEntry[] = [];
  const walked = walkZip(zip, {
    entry: (p) => budget.entry(p),
    bytes: (p, n) => budget.bytes(p, n),
    file: (p, bytes) => {
      entries.push({ path: p, kind: 'file', bytes });
      return ok(undefined);
    },
    dir: (p) => entries.push({ path: p, kind: 'dir', bytes: new Uint8Array() }),
  });
  return walked.ok ? ok(entries) : walked;
}

/** Every entry of `zip` in central-directory order, checked (paths, kinds, sizes, CRC) before `visit` sees it. */
export function walkZip(zip: Buffer, visit: ZipVisitor): Result<void, BulwarkError> {
  const end = findZipEnd(zip);
  if (end < 0) return archiveError('corrupt', 'no end of central directory: not a zip file, or truncated');
  const record = zipEnd(zip, end);
  let { count, cdSize, cdAt } = record;
  if (record.zip64) {
    const z64 = visit.zip64 ? zip64Directory(zip, end) : undefined;
    if (!z64)
      return archiveError('zip64', 'zip64 archives are not read (a skill is far below 4 GB): pack it as a plain zip');
    ({ count, cdSize, cdAt } = z64);
  }
  if (record.multiDisk)
    return archiveError('multi_disk', 'multi-part zip archives are not read: pack the skill as one file');
  if (cdAt + cdSize > end) return archiveError('corrupt', 'the central directory lies outside the file');
  let at = cdAt;
  for (let i = 0; i < count; i++) {
    const h = at + ZIP_CENTRAL_BYTES > end ? undefined : zipCentralHeader(zip, at);
    if (!h) return archiveError('corrupt', `central directory entry ${i} is damaged`);
    const { madeBy, flags, method, crc, packed, size, nameLen, external, localAt } = h;
    const rawName = zip.subarray(at + ZIP_CENTRAL_BYTES, at + ZIP_CENTRAL_BYTES + nameLen).toString('utf8');
    at = h.next;
    const path = entryPath(rawName);
    if (!path.ok) return path;
    const counted = visit.entry(path.value);
    if (!counted.ok) return counted;
    // Unix-made entries carry the file type in the high 16 bits (3 = Unix in "version made by").
    const unixKind = madeBy === 3 ? UNIX_KINDS[(external >>> 16) & S_IFMT] : undefined;
    if (unixKind !== undefined) return refusedKind(path.value || rawName, unixKind);
    if (flags & 1)
      return archiveError('encrypted', `${rawName} is encrypted: a skill that hides its content is not installed`);
    const isDir = rawName.endsWith('/');
    if (isDir) {
      if (path.value) visit.dir?.(path.value);
      continue;
    }
    if (!path.value) return archiveError('path', 'a file entry has an empty name');
    if (packed === ZIP_U32_MAX || size === ZIP_U32_MAX || localAt === ZIP_U32_MAX)
      return archiveError('zip64', `${path.value} is a zip64 entry (4 GB or more, or past 4 GB in the file): not read`);
    if (method !== 0 && method !== 8)
      return archiveError(
        'method',
        `${path.value} uses compression method ${method}: only stored and deflate are read`,
      );
    const fits = visit.bytes(path.value, size);
    if (!fits.ok) return fits;
    const dataAt =
      localAt + ZIP_LOCAL_BYTES > cdAt
        ? undefined
        : zipLocalDataAt(zip.subarray(localAt, localAt + ZIP_LOCAL_BYTES), localAt);
    if (dataAt === undefined) return archiveError('corrupt', `the local header of ${path.value} is damaged`);
    if (dataAt + packed > cdAt) return archiveError('corrupt', `the data of ${path.value} runs past its bounds`);
    const raw = zip.subarray(dataAt, dataAt + packed);
    let bytes: Buffer;
    if (method === 0) bytes = raw;
    else
      try {
        // One byte more than declared: an entry that inflates past its declared size is caught, not trusted.
        bytes = inflateRawSync(raw, { maxOutputLength: size + 1 });
      } catch (cause) {
        return archiveError('corrupt', `${path.value} does not inflate (${describeCause(cause)}) or exceeds the caps`);
      }
    if (bytes.length !== size)
      return archiveError('corrupt', `${path.value} unpacks to ${bytes.length} bytes but declares ${size}`);
    if (crc32(bytes) !== crc) return archiveError('corrupt', `${path.value} fails its CRC-32 check: damaged`);
    const seen = visit.file(path.value, new Uint8Array(bytes));
    if (!seen.ok) return seen;
  }
  return ok(undefined);
}
