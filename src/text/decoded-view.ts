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

/** Storage of a builder: the view's code units and the raw span of each. */
interface Scratch {
  units: Uint16Array;
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * Storage kept between builds. A view of hostile text holds about one character per raw character, and growing
 * fresh arrays to that size by doubling allocated about three times what the view keeps, which cost more than
 * the decoding itself: a builder takes storage from here and gives it back on `build`, keeping an exact copy of
 * the spans. Builders may nest (a part built inside a larger view), hence a few; the largest storage kept is
 * bounded (MAX_KEPT units, 10 bytes each).
 */
const pool: Scratch[] = [];
const MAX_POOLED = 2;
const MAX_KEPT = 1 << 20;

const fresh = (size: number): Scratch => ({
  units: new Uint16Array(size),
  starts: new Int32Array(size),
  ends: new Int32Array(size),
});

/** Collects view characters with their raw spans; `build` returns undefined when nothing was added, and ends the builder. */
export class DecodedViewBuilder {
  private s: Scratch | undefined = pool.pop() ?? fresh(256);
  private n = 0;

  get length(): number {
    return this.n;
  }

  /**
   * Room for `more` characters after those added, taken at once: a caller that knows a bound (a run of hex bytes
   * decodes to at most one unit per byte) spares the chain of doublings, each a fresh copy, for a megabyte of hostile
   * text.
   */
  reserve(more: number): void {
    const s = this.storage();
    if (this.n + more > s.units.length) this.grow(s, this.n + more);
  }

  private grow(s: Scratch, atLeast = s.units.length * 2): void {
    const next = fresh(Math.max(atLeast, s.units.length * 2));
    next.units.set(s.units);
    next.starts.set(s.starts);
    next.ends.set(s.ends);
    this.s = next;
  }

  private storage(): Scratch {
    if (!this.s) throw new Error('DecodedViewBuilder: used after build');
    return this.s;
  }

  /** One view character (a UTF-16 unit) standing for raw[start, end). */
  add(unit: number, start: number, end: number): void {
    let s = this.storage();
    if (this.n === s.units.length) {
      this.grow(s);
      s = this.s as Scratch;
    }
    s.units[this.n] = unit;
    s.starts[this.n] = start;
    s.ends[this.n] = end;
    this.n++;
  }

  /** Takes back everything added after the first `length` characters. */
  truncate(length: number): void {
    this.n = Math.min(this.n, length);
  }

  /** Ends a part: the next character cannot continue a match of this one. */
  breakPart(at: number): void {
    if (this.n > 0 && this.storage().units[this.n - 1] !== 0) this.add(0, at, at);
  }

  build(): DecodedView | undefined {
    const s = this.storage();
    this.s = undefined;
    const n = this.n;
    const text = n === 0 ? '' : UTF16.decode(s.units.subarray(0, n));
    const starts = n === 0 ? undefined : s.starts.slice(0, n);
    const ends = n === 0 ? undefined : s.ends.slice(0, n);
    if (pool.length < MAX_POOLED && s.units.length <= MAX_KEPT) pool.push(s);
    if (!starts || !ends) return undefined;
    return {
      text,
      toRaw(start: number, end: number): [number, number] {
        const a = starts[Math.min(start, starts.length - 1)] as number;
        const e = ends[Math.min(Math.max(end, start + 1), ends.length) - 1] as number;
        return [a, Math.max(a, e)];
      },
    };
  }
}
