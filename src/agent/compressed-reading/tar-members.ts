/**
 * The members of a tar stream (POSIX ustar and GNU: 512-byte headers, each member's data padded to 512), split as
 * the stream goes, so a compressed file stored in a tar (a repo's packs in a backup .tar.gz) can be read as itself.
 * The tar's own bytes are scanned as text as before; this only finds where each regular member's data lies.
 */

export interface MemberSink {
  start(): void;
  data(bytes: Buffer): void;
  end(): void;
}

const BLOCK = 512;

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

  constructor(private readonly sink: MemberSink) {}

  push(piece: Buffer): void {
    let p = 0;
    while (p < piece.length && !this.broken) {
      if (this.left > 0) {
        const n = Math.min(this.left, piece.length - p);
        if (this.regular) this.sink.data(piece.subarray(p, p + n));
        this.left -= n;
        p += n;
        if (this.left === 0 && this.regular) this.sink.end();
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
      this.regular = type === 0x30 || type === 0 || type === 0x37;
      this.left = size;
      this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (this.regular) {
        this.sink.start();
        if (size === 0) this.sink.end();
      }
    }
  }
}
