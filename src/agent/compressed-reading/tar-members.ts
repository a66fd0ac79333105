/**
 * The members of a tar stream (POSIX ustar and GNU: 512-byte headers, each member's data padded to 512), split as
 * the stream goes, so a compressed file stored in a tar (a repo's packs in a backup .tar.gz) can be read as itself.
 * The tar's own bytes are scanned as text as before; this only finds where each regular member's data lies.
 *
 * Sparse members are read as the data they store, holes left out (what a reader that extracts them gets, but for
 * runs of zeros): GNU's type `S`, after its extension headers, and pax sparse format 1.0 (`GNU.sparse.major=1` in the
 * member's pax header), after the map of offsets and sizes its data begins with.
 */

export interface MemberSink {
  start(): void;
  data(bytes: Buffer): void;
  end(): void;
}

const BLOCK = 512;
/** Bytes of a pax header read for its sparse keys, and of a pax sparse map read at most (past it: not split). */
const MAX_PAX_HEADER = 64 * 1024;
const MAX_SPARSE_MAP = 1024 * 1024;

/** Bytes the pax 1.0 sparse map at the start of `data` takes (padded to a block), or undefined while incomplete. */
function sparseMapBytes(data: Buffer): number | 'bad' | undefined {
  const text = data.toString('latin1');
  let at = 0;
  let numbers = 0;
  let needed = 1;
  while (numbers < needed) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return data.length > MAX_SPARSE_MAP ? 'bad' : undefined;
    const line = text.slice(at, nl);
    if (!/^\d{1,18}$/.test(line)) return 'bad';
    if (numbers === 0) needed = 1 + 2 * Number(line);
    numbers++;
    at = nl + 1;
  }
  return Math.ceil(at / BLOCK) * BLOCK;
}

/** Whether `head` (at least 263 bytes) is a ustar or GNU tar header. */
export const isTar = (head: Uint8Array): boolean =>
  head.length >= 263 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar';

/** The member's size: octal digits, or GNU's base-256 for large ones; undefined when the field is neither. */
function sizeOf(h: Buffer): number | undefined {
  const field = h.subarray(124, 136);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let n = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : text === '' ? 0 : undefined;
}

/** The header's checksum: its bytes summed with the checksum field read as spaces. */
function checksumOk(h: Buffer): boolean {
  const stored = parseInt(
    h
      .toString('latin1', 148, 156)
      .replace(/[\0 ]+$/, '')
      .trim(),
    8,
  );
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return sum === stored;
}

export class TarMembers {
  private header: Buffer[] = [];
  private headerBytes = 0;
  private left = 0;
  private pad = 0;
  private regular = false;
  /** A header that is no header: the rest is not split (it was scanned as text all the same). */
  private broken = false;
  /** GNU sparse extension headers still to skip before the data. */
  private extending = false;
  /** A pax header's bytes (kept while it is one), and whether it made the next member pax sparse 1.0. */
  private pax: Buffer[] | undefined;
  private paxSparse = false;
  /** The pax sparse map being read at the start of the member's data, then the map's padding still to skip. */
  private map: Buffer[] | undefined;
  private mapPadding = 0;

  constructor(private readonly sink: MemberSink) {}

  push(piece: Buffer): void {
    let p = 0;
    while (p < piece.length && !this.broken) {
      if (this.left > 0) {
        const n = Math.min(this.left, piece.length - p);
        const bytes = piece.subarray(p, p + n);
        this.left -= n;
        p += n;
        if (this.map) this.readMap(bytes);
        else if (this.mapPadding > 0) {
          const skipped = Math.min(this.mapPadding, bytes.length);
          this.mapPadding -= skipped;
          if (skipped < bytes.length) this.sink.data(bytes.subarray(skipped));
        } else if (this.regular) this.sink.data(bytes);
        else if (this.pax && this.pax.reduce((t, b) => t + b.length, 0) < MAX_PAX_HEADER) this.pax.push(bytes);
        if (this.left === 0) this.memberEnded();
        continue;
      }
      if (this.pad > 0) {
        const n = Math.min(this.pad, piece.length - p);
        this.pad -= n;
        p += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerBytes, piece.length - p);
      this.header.push(piece.subarray(p, p + n));
      this.headerBytes += n;
      p += n;
      if (this.headerBytes < BLOCK) continue;
      const h = Buffer.concat(this.header);
      this.header = [];
      this.headerBytes = 0;
      if (this.extending) {
        // A GNU sparse extension block: 21 more map entries, and whether another block follows (byte 504).
        this.extending = h[504] !== 0;
        if (!this.extending) this.startData();
        continue;
      }
      // The end of the archive is two zero blocks; zero blocks are skipped.
      if (h.every((b) => b === 0)) continue;
      const size = sizeOf(h);
      if (size === undefined || !checksumOk(h)) {
        this.broken = true;
        break;
      }
      // Regular files ('0', NUL from old tars, '7' contiguous); links, directories and pax or GNU name records hold
      // no file content of their own.
      const type = h[156];
      const sparse = type === 0x53;
      this.regular = type === 0x30 || type === 0 || type === 0x37 || sparse;
      this.pax = type === 0x78 ? [] : undefined;
      this.left = size;
      this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
      // GNU sparse: extension headers (byte 482 says one follows) come before the data.
      this.extending = sparse && h[482] !== 0;
      if (!this.extending) this.startData();
    }
  }

  /** The current member's data begins (after its header, and a GNU sparse member's extension headers). */
  private startData(): void {
    const paxSparse = this.paxSparse;
    this.paxSparse = false;
    if (!this.regular) {
      if (this.left === 0) this.memberEnded();
      return;
    }
    this.sink.start();
    if (paxSparse) this.map = [];
    if (this.left === 0) this.memberEnded();
  }

  private memberEnded(): void {
    if (this.pax) {
      this.paxSparse = Buffer.concat(this.pax).toString('latin1').includes(' GNU.sparse.major=1\n');
      this.pax = undefined;
      return;
    }
    this.map = undefined;
    this.mapPadding = 0;
    if (this.regular) this.sink.end();
  }

  /** Bytes of a pax sparse map: once it is whole, what follows it in them is the member's data. */
  private readMap(bytes: Buffer): void {
    const map = this.map as Buffer[];
    map.push(bytes);
    const all = Buffer.concat(map);
    const used = sparseMapBytes(all);
    if (used === undefined) {
      this.map = [all];
      return;
    }
    this.map = undefined;
    // A map that does not parse: the data is passed on whole (it was scanned as text all the same).
    const rest = used === 'bad' ? all : all.subarray(Math.min(used, all.length));
    if (used !== 'bad') this.mapPadding = Math.max(0, used - all.length);
    if (rest.length > 0) this.sink.data(rest);
  }
}
