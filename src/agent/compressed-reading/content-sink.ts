/**
 * Where inflated content goes: scanned as text with the leak index, counted against the walk's byte budget, and,
 * when it begins as compressed data itself (a gzip, zip or git pack inside), kept to be read one level further.
 * Deeper than that it counts as holding a value: each level multiplies what a few bytes can inflate to, and no
 * everyday file nests that far.
 */
import { formatOf } from './formats.js';
import { type Found, pastBudget, type ReadingContext, yieldNow } from './reading-context.js';
import { TextScan } from './text-scan.js';

/** Levels of compression read inside a file's own: 1 (a .tar.gz inside a .zip, a .zip inside a pack). */
const MAX_NESTED = 1;
/** Bytes of the start looked at for a format: a git loose object's header comes first. */
const HEAD_BYTES = 48;
const GIT_OBJECT_HEADER = /^(?:blob|tree|commit|tag) \d+\0/;

export class ContentSink {
  private readonly text: TextScan;
  /** Pieces before the start was looked at; undefined once it was. */
  private pending: Buffer[] | undefined = [];
  private pendingBytes = 0;
  private kept: Buffer[] | undefined;
  private keptBytes = 0;
  private skip = 0;
  private found: Found;

  constructor(
    private readonly ctx: ReadingContext,
    private readonly depth: number,
    /** A git loose object: its header is not part of the content. */
    private readonly gitObject = false,
  ) {
    this.text = new TextScan(ctx.scanner);
  }

  /** Passes a piece on; false once something was found (no more is needed). */
  push(piece: Buffer): boolean {
    if (this.found) return false;
    this.ctx.budget.left -= piece.length;
    if (this.ctx.budget.left < 0) {
      this.found = pastBudget(this.ctx);
      return false;
    }
    for (let i = 0; i < piece.length; i += this.ctx.chunkBytes) {
      const secret = this.text.push(piece.subarray(i, i + this.ctx.chunkBytes));
      if (secret) {
        this.found = { secret };
        return false;
      }
    }
    if (this.pending) {
      this.pending.push(piece);
      this.pendingBytes += piece.length;
      if (this.pendingBytes >= HEAD_BYTES) this.decide();
    } else if (this.kept) this.keep(piece);
    return !this.found;
  }

  /** Passes a large buffer on in pieces, letting other work run between them. */
  async pushAll(content: Buffer): Promise<boolean> {
    const step = Math.max(this.ctx.chunkBytes, 256 * 1024);
    for (let i = 0; i < content.length; i += step) {
      if (!this.push(content.subarray(i, i + step))) return false;
      if (i + step < content.length) await yieldNow();
    }
    return true;
  }

  /** The content ended: the rest is scanned, and content kept as compressed is read. */
  async end(): Promise<Found> {
    if (this.found) return this.found;
    const secret = this.text.end();
    if (secret) return { secret };
    if (this.pending) this.decide();
    if (this.found || !this.kept) return this.found;
    const content = Buffer.concat(this.kept).subarray(this.skip);
    this.kept = undefined;
    return this.ctx.nested(content, this.depth + 1);
  }

  private decide() {
    const pieces = this.pending ?? [];
    this.pending = undefined;
    const head = Buffer.concat(pieces).subarray(0, HEAD_BYTES);
    if (this.gitObject) {
      const h = GIT_OBJECT_HEADER.exec(head.toString('latin1'));
      if (h) this.skip = h[0].length;
    }
    const format = formatOf(head.subarray(this.skip), false);
    if (!format) return;
    if (this.depth >= MAX_NESTED) {
      this.found = {
        hold: `holds ${format} data compressed inside more than ${MAX_NESTED + 1} levels, deeper than a scan reads`,
      };
      return;
    }
    this.kept = [];
    for (const p of pieces) this.keep(p);
  }

  private keep(piece: Buffer) {
    if (!this.kept) return;
    this.kept.push(piece);
    this.keptBytes += piece.length;
    if (this.keptBytes > this.ctx.limits.maxHeldBytes) {
      this.kept = undefined;
      this.found = {
        hold: `holds compressed data inside compressed data larger than the ${this.ctx.limits.maxHeldBytes} bytes a scan holds in memory`,
      };
    }
  }
}
