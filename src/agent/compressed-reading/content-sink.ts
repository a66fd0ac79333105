/**
 * Where inflated content goes: scanned as text with the leak index, counted against the walk's byte budget, and,
 * when it begins as compressed data itself (a gzip, zip or git pack inside) or is a tar whose members do, what is
 * compressed is kept to be read one level further. Deeper than that it counts as holding a value: each level
 * multiplies what a few bytes can inflate to, and no everyday file nests that far.
 */
import { formatOf } from './formats.js';
import { type Found, pastBudget, type ReadingContext, yieldNow } from './reading-context.js';
import { isTar, TarMembers } from './tar-members.js';
import { TextScan } from './text-scan.js';

/** Levels of compression read inside a file's own: 1 (a .tar.gz inside a .zip, a .zip inside a pack). */
const MAX_NESTED = 1;
/** Bytes of the start looked at for a format: a git loose object's header comes first, a tar's magic at 257. */
const HEAD_BYTES = 320;
const GIT_OBJECT_HEADER = /^(?:blob|tree|commit|tag) \d+\0/;

export interface SinkOptions {
  /** A git loose object: its header is not part of the content. */
  readonly gitObject?: boolean;
  /** Scan the content as text (a raw tar file's bytes were scanned already). */
  readonly text?: boolean;
}

/** One stream's start looked at; the stream kept when it begins as compressed data, split when it is a tar. */
class Capture {
  private pending: Buffer[] | undefined = [];
  private pendingBytes = 0;
  private kept: Buffer[] | undefined;
  private members: TarMembers | undefined;
  private member: Capture | undefined;

  constructor(
    private readonly sink: ContentSink,
    private readonly gitObject: boolean,
    private readonly tar: boolean,
  ) {}

  push(piece: Buffer): void {
    if (this.pending) {
      this.pending.push(piece);
      this.pendingBytes += piece.length;
      if (this.pendingBytes >= HEAD_BYTES) this.decide();
    } else if (this.kept) this.keep(piece);
    else this.members?.push(piece);
  }

  /** The stream ended: its content, when it was kept as compressed. */
  end(): Buffer | undefined {
    if (this.pending) this.decide();
    return this.kept ? Buffer.concat(this.kept) : undefined;
  }

  private decide() {
    const pending = this.pending ?? [];
    // Most streams come in one piece: not copied.
    const all = pending.length === 1 && pending[0] ? pending[0] : Buffer.concat(pending);
    this.pending = undefined;
    const h = this.gitObject ? GIT_OBJECT_HEADER.exec(all.subarray(0, HEAD_BYTES).toString('latin1')) : null;
    const content = all.subarray(h ? h[0].length : 0);
    const format = formatOf(content, false);
    if (format) {
      if (!this.sink.mayNest(format)) return;
      this.kept = [];
      this.keep(content);
    } else if (this.tar && isTar(content)) {
      this.members = new TarMembers({
        start: () => (this.member = new Capture(this.sink, false, false)),
        data: (bytes) => this.member?.push(bytes),
        end: () => {
          const kept = this.member?.end();
          if (kept) this.sink.queue(kept);
          this.member = undefined;
        },
      });
      this.members.push(content);
    }
  }

  private keep(piece: Buffer) {
    if (!this.kept) return;
    if (this.sink.hold(piece.length)) this.kept.push(piece);
    else this.kept = undefined;
  }
}

export class ContentSink {
  private readonly text: TextScan | undefined;
  private readonly whole: Capture;
  /** Compressed content found inside, read once this content ended. */
  private readonly nested: Buffer[] = [];
  private heldBytes = 0;
  private found: Found;

  constructor(
    private readonly ctx: ReadingContext,
    private readonly depth: number,
    options: SinkOptions = {},
  ) {
    this.text = options.text === false ? undefined : new TextScan(ctx.scanner);
    this.whole = new Capture(this, options.gitObject === true, true);
  }

  /** Passes a piece on; false once something was found (no more is needed). */
  push(piece: Buffer): boolean {
    if (this.found) return false;
    this.ctx.budget.left -= piece.length;
    if (this.ctx.budget.left < 0) {
      this.found = pastBudget(this.ctx);
      return false;
    }
    if (this.text)
      for (let i = 0; i < piece.length; i += this.ctx.chunkBytes) {
        const secret = this.text.push(piece.subarray(i, i + this.ctx.chunkBytes));
        if (secret) {
          this.found = { secret };
          return false;
        }
      }
    this.whole.push(piece);
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

  /** The content ended: the rest is scanned, and what was kept as compressed is read. */
  async end(): Promise<Found> {
    if (this.found) return this.found;
    const secret = this.text?.end();
    if (secret) return { secret };
    const kept = this.whole.end();
    if (this.found) return this.found;
    if (kept) this.nested.push(kept);
    for (let c = this.nested.shift(); c; c = this.nested.shift()) {
      const found = await this.ctx.nested(c, this.depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  /** Whether content in `format` found here may be read further; when not, the sink holds. */
  mayNest(format: string): boolean {
    if (this.depth < MAX_NESTED) return true;
    this.found ??= {
      hold: `holds ${format} data compressed inside more than ${MAX_NESTED + 1} levels, deeper than a scan reads`,
    };
    return false;
  }

  /** Counts `bytes` more kept in memory; past the cap the sink holds. */
  hold(bytes: number): boolean {
    this.heldBytes += bytes;
    if (this.heldBytes <= this.ctx.limits.maxHeldBytes) return true;
    this.found ??= {
      hold: `holds compressed data inside compressed data larger than the ${this.ctx.limits.maxHeldBytes} bytes a scan holds in memory`,
    };
    return false;
  }

  queue(content: Buffer): void {
    this.nested.push(content);
  }
}
