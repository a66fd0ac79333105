/**
 * A copy of parts of a text rewritten into the form a literal matcher can find (separators dropped, character
 * codes decoded), with the way back: every view character knows the raw span it came from. Separate parts are
 * joined by NUL, which no indexed form contains, so a match never spans two parts.
 */
export interface DecodedView {
  readonly text: string;
  /** Raw [start, end) of the view span [start, end). */
  toRaw(start: number, end: number): [number, number];
}

const UTF16 = new TextDecoder('utf-16le');

/** Collects view characters with their raw spans; `build` returns undefined when nothing was added. */
export class DecodedViewBuilder {
  private units = new Uint16Array(256);
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private n = 0;

  get length(): number {
    return this.n;
  }

  private grow(): void {
    const size = this.n * 2;
    const u = new Uint16Array(size);
    const s = new Int32Array(size);
    const e = new Int32Array(size);
    u.set(this.units);
    s.set(this.starts);
    e.set(this.ends);
    this.units = u;
    this.starts = s;
    this.ends = e;
  }

  /** One view character (a UTF-16 unit) standing for raw[start, end). */
  add(unit: number, start: number, end: number): void {
    if (this.n === this.units.length) this.grow();
    this.units[this.n] = unit;
    this.starts[this.n] = start;
    this.ends[this.n] = end;
    this.n++;
  }

  /** Takes back everything added after the first `length` characters. */
  truncate(length: number): void {
    this.n = Math.min(this.n, length);
  }

  /** Ends a part: the next character cannot continue a match of this one. */
  breakPart(at: number): void {
    if (this.n > 0 && this.units[this.n - 1] !== 0) this.add(0, at, at);
  }

  build(): DecodedView | undefined {
    if (this.n === 0) return undefined;
    const text = UTF16.decode(this.units.subarray(0, this.n));
    const starts = this.starts.subarray(0, this.n);
    const ends = this.ends.subarray(0, this.n);
    return {
      text,
      toRaw(start: number, end: number): [number, number] {
        const s = starts[Math.min(start, starts.length - 1)] as number;
        const e = ends[Math.min(Math.max(end, start + 1), ends.length) - 1] as number;
        return [s, Math.max(s, e)];
      },
    };
  }
}
