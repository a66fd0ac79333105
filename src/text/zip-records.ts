/**
 * The fixed-layout records of a zip archive (PKWARE APPNOTE 4.3): the end of central directory record, the zip64
 * locator and end record, central file headers and local file headers, decoded from a buffer at an offset. Every
 * zip reader of the project (skill archives, the provenance walk) reads its records here; what it trusts of them,
 * and what it refuses, is its own.
 */

export const ZIP_END = 0x06054b50;
export const ZIP64_LOCATOR = 0x07064b50;
export const ZIP64_END = 0x06064b50;
export const ZIP_CENTRAL = 0x02014b50;
export const ZIP_LOCAL = 0x04034b50;
/** The value a 32-bit field holds when the real one is in the zip64 extra field. */
export const ZIP_U32_MAX = 0xffffffff;
/** Fixed sizes of the end record, the zip64 locator and end record, a central and a local header. */
export const ZIP_END_BYTES = 22;
export const ZIP64_LOCATOR_BYTES = 20;
export const ZIP64_END_BYTES = 56;
export const ZIP_CENTRAL_BYTES = 46;
export const ZIP_LOCAL_BYTES = 30;
/** The end record sits in the last 22 bytes, or before a comment of at most this many. */
export const ZIP_MAX_COMMENT = 0xffff;

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/** Offset of the end record in `tail` (the file's last bytes), searching back from the end; -1 when none. */
export function findZipEnd(tail: Buffer): number {
  for (let i = tail.length - ZIP_END_BYTES; i >= Math.max(0, tail.length - ZIP_END_BYTES - ZIP_MAX_COMMENT); i--)
    if (tail.readUInt32LE(i) === ZIP_END) return i;
  return -1;
}

export interface ZipDirectory {
  readonly count: number;
  readonly cdSize: number;
  /** Offset of the central directory in the file. */
  readonly cdAt: number;
}

/** The end record at `at`: the central directory it names, and whether it spans several disks. */
export function zipEnd(b: Buffer, at: number): ZipDirectory & { readonly multiDisk: boolean; readonly zip64: boolean } {
  const count = b.readUInt16LE(at + 10);
  const cdSize = b.readUInt32LE(at + 12);
  const cdAt = b.readUInt32LE(at + 16);
  return {
    count,
    cdSize,
    cdAt,
    multiDisk: b.readUInt16LE(at + 4) !== 0 || b.readUInt16LE(at + 6) !== 0,
    zip64: count === 0xffff || cdSize === ZIP_U32_MAX || cdAt === ZIP_U32_MAX,
  };
}

/** Where the zip64 end record is, from the locator in `b` at `at` (just before the end record); undefined: none. */
export function zip64EndAt(b: Buffer, at: number): number | undefined {
  if (at < 0 || at + ZIP64_LOCATOR_BYTES > b.length || b.readUInt32LE(at) !== ZIP64_LOCATOR) return undefined;
  return u64(b, at + 8);
}

/** The zip64 end record at `at` of `b`; undefined when it is not one. */
export function zip64End(b: Buffer, at: number): ZipDirectory | undefined {
  if (at < 0 || at + ZIP64_END_BYTES > b.length || b.readUInt32LE(at) !== ZIP64_END) return undefined;
  return { count: u64(b, at + 32), cdSize: u64(b, at + 40), cdAt: u64(b, at + 48) };
}

export interface ZipCentralHeader {
  /** The system that made the entry (3: Unix, whose file type is in the high bits of `external`). */
  readonly madeBy: number;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly packed: number;
  readonly size: number;
  readonly nameLen: number;
  readonly extraLen: number;
  readonly external: number;
  readonly localAt: number;
  /** Offset of the next central header. */
  readonly next: number;
}

/** The central file header at `at` of `b`; undefined when it is not one or does not fit. */
export function zipCentralHeader(b: Buffer, at: number): ZipCentralHeader | undefined {
  if (at + ZIP_CENTRAL_BYTES > b.length || b.readUInt32LE(at) !== ZIP_CENTRAL) return undefined;
  const nameLen = b.readUInt16LE(at + 28);
  const extraLen = b.readUInt16LE(at + 30);
  return {
    madeBy: b.readUInt16LE(at + 4) >> 8,
    flags: b.readUInt16LE(at + 8),
    method: b.readUInt16LE(at + 10),
    crc: b.readUInt32LE(at + 16),
    packed: b.readUInt32LE(at + 20),
    size: b.readUInt32LE(at + 24),
    nameLen,
    extraLen,
    external: b.readUInt32LE(at + 38),
    localAt: b.readUInt32LE(at + 42),
    next: at + ZIP_CENTRAL_BYTES + nameLen + extraLen + b.readUInt16LE(at + 32),
  };
}

/** Where an entry's data starts, from its local header (`local`: at least its 30 fixed bytes); undefined: not one. */
export function zipLocalDataAt(local: Buffer, localAt: number): number | undefined {
  if (local.length < ZIP_LOCAL_BYTES || local.readUInt32LE(0) !== ZIP_LOCAL) return undefined;
  return localAt + ZIP_LOCAL_BYTES + local.readUInt16LE(26) + local.readUInt16LE(28);
}

export interface ZipLocalHeader {
  readonly flags: number;
  readonly method: number;
  /** Compressed size; 0 with flag bit 3 when a data descriptor after the data gives it. */
  readonly packed: number;
  /** Where the entry's data starts. */
  readonly dataAt: number;
}

/** The local file header at `at` of `b` (at least its 30 fixed bytes), whose file offset is `localAt`. */
export function zipLocalHeader(b: Buffer, at: number, localAt: number): ZipLocalHeader | undefined {
  if (at + ZIP_LOCAL_BYTES > b.length || b.readUInt32LE(at) !== ZIP_LOCAL) return undefined;
  return {
    flags: b.readUInt16LE(at + 6),
    method: b.readUInt16LE(at + 8),
    packed: b.readUInt32LE(at + 18),
    dataAt: localAt + ZIP_LOCAL_BYTES + b.readUInt16LE(at + 26) + b.readUInt16LE(at + 28),
  };
}
