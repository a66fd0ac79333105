/**
 * Aho-Corasick multi-pattern matcher: finds every occurrence of any of N literal patterns in one
 * pass over the text, in time linear in the text length plus the number of matches, whatever N is.
 *
 * Works on UTF-16 code units. When the automaton is small enough it is compiled into a dense
 * transition table over the patterns' own alphabet (one array read per input character); larger
 * sets fall back to sparse transitions with failure links, which are still linear (amortised).
 */

export interface MultiMatch {
  /** Index of the pattern in the array given to the constructor. */
  readonly pattern: number;
  readonly start: number;
  readonly end: number;
}

export interface MultiMatcherOptions {
  /** Upper bound of the dense table in entries (4 bytes each). Default 4M entries = 16 MB. */
  readonly maxDenseEntries?: number;
  /** ASCII letters match in either case (the patterns' own case does not matter). */
  readonly asciiCaseInsensitive?: boolean;
}

const DEFAULT_MAX_DENSE = 4 * 1024 * 1024;

/** q-grams of the skip table: four classes, hashed into QGRAM_BUCKETS (a collision only shortens a shift). */
const QGRAM = 4;
const QGRAM_BUCKETS = 1 << 16;
/** Shortest pattern for which skipping pays (a window end then moves up to SKIP_MIN - QGRAM + 1 at a time). */
const SKIP_MIN = 8;

function qgramHash(a: number, b: number, c: number, d: number): number {
  const h = Math.imul(Math.imul(Math.imul(a, 0x9e3779b1) ^ b, 0x85ebca77) ^ c, 0xc2b2ae3d) ^ d;
  return (h ^ (h >>> 16)) & (QGRAM_BUCKETS - 1);
}

/**
 * `text` with ASCII capitals lower-cased and nothing else changed: the key under which `asciiCaseInsensitive`
 * patterns are equal. (`toLowerCase` also folds other scripts, which the matcher does not: `Ḗ` would never match.)
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export class MultiMatcher {
  readonly patternCount: number;
  private readonly lengths: Int32Array;
  /** Char code → alphabet class (0 = a character no pattern contains). */
  private readonly classOf: Uint16Array;
  private readonly alphabet: number;
  /**
   * Dense transitions by row: row + class → the next node's row (node * alphabet), written as ~row when some
   * pattern ends at that node, so one read per character both steps and says whether to stop; undefined when
   * sparse mode is used.
   */
  private readonly dense: Int32Array | undefined;
  /** The node each dense row stands for (rows are in breadth-first order). */
  private readonly nodeOfRow: Int32Array = new Int32Array(0);
  private readonly children: Array<Map<number, number>>;
  private readonly fail: Int32Array;
  /** Pattern ids ending exactly at each node (not via suffixes). */
  private readonly own: Array<number[] | undefined>;
  /** Nearest proper suffix node that has own outputs, or -1. */
  private readonly dictLink: Int32Array;
  /** 1 for a node where some pattern ends (its own or through a suffix): the only nodes the scan stops at. */
  private readonly emits: Uint8Array;
  /** Length of the pattern prefix each node spells. */
  private readonly depth: Int32Array;

  private readonly patterns: readonly string[];

  constructor(patterns: readonly string[], options: MultiMatcherOptions = {}) {
    this.patternCount = patterns.length;
    this.patterns = [...patterns];
    this.lengths = new Int32Array(patterns.length);
    this.classOf = new Uint16Array(65536);
    let alphabet = 1;
    const fold = options.asciiCaseInsensitive === true;
    for (const p of patterns) {
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (this.classOf[c] !== 0) continue;
        const cls = alphabet++;
        this.classOf[c] = cls;
        if (fold && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) this.classOf[c ^ 0x20] = cls;
      }
    }
    this.alphabet = alphabet;

    // Trie over alphabet classes.
    const children: Array<Map<number, number>> = [new Map()];
    const own: Array<number[] | undefined> = [undefined];
    const depth: number[] = [0];
    patterns.forEach((p, id) => {
      if (p.length === 0) throw new RangeError(`MultiMatcher: pattern ${id} is empty`);
      this.lengths[id] = p.length;
      let node = 0;
      for (let i = 0; i < p.length; i++) {
        const cls = this.classOf[p.charCodeAt(i)] as number;
        const kids = children[node] as Map<number, number>;
        let next = kids.get(cls);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          own.push(undefined);
          depth.push(i + 1);
          kids.set(cls, next);
        }
        node = next;
      }
      (own[node] ??= []).push(id);
    });
    const n = children.length;
    this.children = children;
    this.own = own;
    this.depth = Int32Array.from(depth);
    this.fail = new Int32Array(n);
    this.dictLink = new Int32Array(n).fill(-1);

    // Breadth-first failure and dictionary links.
    const order: number[] = [];
    for (const child of (children[0] as Map<number, number>).values()) {
      this.fail[child] = 0;
      order.push(child);
    }
    for (let qi = 0; qi < order.length; qi++) {
      const u = order[qi] as number;
      for (const [cls, v] of children[u] as Map<number, number>) {
        let f = this.fail[u] as number;
        while (f !== 0 && !(children[f] as Map<number, number>).has(cls)) f = this.fail[f] as number;
        const target = (children[f] as Map<number, number>).get(cls);
        this.fail[v] = target !== undefined && target !== v ? target : 0;
        const fv = this.fail[v] as number;
        this.dictLink[v] = own[fv] ? fv : (this.dictLink[fv] as number);
        order.push(v);
      }
    }

    this.emits = new Uint8Array(n);
    for (let v = 0; v < n; v++) this.emits[v] = own[v] || (this.dictLink[v] as number) !== -1 ? 1 : 0;

    const max = options.maxDenseEntries ?? DEFAULT_MAX_DENSE;
    if (n * alphabet <= max) {
      const dense = new Int32Array(n * alphabet);
      // Root row: its children, else itself (0, already zero).
      for (const [cls, v] of children[0] as Map<number, number>) dense[cls] = v;
      for (const u of order) {
        const row = u * alphabet;
        const failRow = (this.fail[u] as number) * alphabet;
        for (let cls = 1; cls < alphabet; cls++) dense[row + cls] = dense[failRow + cls] as number;
        for (const [cls, v] of children[u] as Map<number, number>) dense[row + cls] = v;
        dense[row] = 0;
      }
      // Rows are laid out breadth first: the shallow nodes a scan of text that begins no pattern keeps returning to
      // (text in the patterns' own alphabet: random base64 against base64 forms) share a few hundred kilobytes of
      // the table rather than being spread over all of it, one cache miss per character.
      const nodeOfRow = Int32Array.from([0, ...order]);
      const rowOf = new Int32Array(n);
      for (let r = 0; r < n; r++) rowOf[nodeOfRow[r] as number] = r;
      const laid = new Int32Array(n * alphabet);
      for (let r = 0; r < n; r++) {
        const from = (nodeOfRow[r] as number) * alphabet;
        for (let cls = 0; cls < alphabet; cls++) {
          const v = dense[from + cls] as number;
          const at = (rowOf[v] as number) * alphabet;
          laid[r * alphabet + cls] = this.emits[v] === 1 ? ~at : at;
        }
      }
      this.dense = laid;
      this.nodeOfRow = nodeOfRow;
    }
  }

  /** True when the dense table is used (exposed for benchmarks and tests). */
  get isDense(): boolean {
    return this.dense !== undefined;
  }

  /**
   * Calls `onMatch(pattern, start, end)` for every occurrence, in order of `end`.
   * Return `false` from the callback to stop early.
   *
   * Returns the length of the longest suffix of `text` that begins some pattern (a pattern that may be
   * completed by text appended later; 0 when none), or -1 when the callback stopped the scan.
   */
  forEachMatch(text: string, onMatch: (pattern: number, start: number, end: number) => boolean | void): number {
    if (this.patternCount === 0) return 0;
    const classOf = this.classOf;
    const dense = this.dense;
    const alphabet = this.alphabet;
    const nodeOfRow = this.nodeOfRow;
    const n = text.length;
    if (dense) {
      let row = 0;
      for (let i = 0; i < n; i++) {
        row = dense[row + (classOf[text.charCodeAt(i)] as number)] as number;
        if (row >= 0) continue;
        row = ~row;
        if (!this.emit(nodeOfRow[row / alphabet] as number, i + 1, onMatch)) return -1;
      }
      return this.depth[nodeOfRow[row / alphabet] as number] as number;
    }
    const emits = this.emits;
    let node = 0;
    for (let i = 0; i < n; i++) {
      const cls = classOf[text.charCodeAt(i)] as number;
      node = cls === 0 ? 0 : this.step(node, cls);
      if (emits[node] === 0) continue;
      if (!this.emit(node, i + 1, onMatch)) return -1;
    }
    return this.depth[node] as number;
  }

  /**
   * The occurrences forEachMatch reports, in the same order, found by skipping first: a table of the q-grams (of
   * alphabet classes) in the first `shortest` characters of every pattern tells how far the end of a window of that
   * many characters may move without passing over the start of an occurrence (Wu and Manber's shift), and the
   * automaton runs only over the stretches where one may start, from its root. Over text that begins no pattern
   * (prose against random-looking values) it reads one q-gram every several characters instead of stepping through
   * a table of megabytes at every one. Falls back to forEachMatch when the shortest pattern is too short to skip.
   * Unlike forEachMatch it returns nothing (no open tail is computed).
   */
  forEachMatchSkipping(text: string, onMatch: (pattern: number, start: number, end: number) => boolean | void): void {
    const skip = (this.skipTable ??= this.buildSkip());
    if (!skip) {
      this.forEachMatch(text, onMatch);
      return;
    }
    const { shift, shortest, longest } = skip;
    const classOf = this.classOf;
    const n = text.length;
    let from = -1;
    let to = -1;
    for (let p = shortest - 1; p < n;) {
      const h = qgramHash(
        classOf[text.charCodeAt(p - 3)] as number,
        classOf[text.charCodeAt(p - 2)] as number,
        classOf[text.charCodeAt(p - 1)] as number,
        classOf[text.charCodeAt(p)] as number,
      );
      const k = shift[h] as number;
      if (k !== 0) {
        p += k;
        continue;
      }
      const start = p - shortest + 1;
      if (start > to) {
        if (to >= 0 && !this.matchRange(text, from, to, onMatch)) return;
        from = start;
      }
      to = Math.min(n, Math.max(to, start + longest));
      p++;
    }
    if (to >= 0) this.matchRange(text, from, to, onMatch);
  }

  private skipTable: { shift: Uint8Array; shortest: number; longest: number } | null | undefined;

  /** The shift table (see forEachMatchSkipping), or null when a pattern is shorter than SKIP_MIN. */
  private buildSkip(): { shift: Uint8Array; shortest: number; longest: number } | null {
    let shortest = Number.MAX_SAFE_INTEGER;
    let longest = 0;
    for (const l of this.lengths) {
      shortest = Math.min(shortest, l);
      longest = Math.max(longest, l);
    }
    if (this.patternCount === 0 || shortest < SKIP_MIN) return null;
    // A window end may move past every q-gram that ends no q-gram of a pattern's first `shortest` characters.
    const shift = new Uint8Array(QGRAM_BUCKETS).fill(Math.min(255, shortest - QGRAM + 1));
    for (const p of this.patterns) {
      const c = (i: number) => this.classOf[p.charCodeAt(i)] as number;
      for (let j = QGRAM; j <= shortest; j++) {
        const h = qgramHash(c(j - 4), c(j - 3), c(j - 2), c(j - 1));
        shift[h] = Math.min(shift[h] as number, shortest - j);
      }
    }
    return { shift, shortest, longest };
  }

  /** The automaton from its root over text[from, to): every occurrence inside it, by end; false when stopped. */
  private matchRange(
    text: string,
    from: number,
    to: number,
    onMatch: (pattern: number, start: number, end: number) => boolean | void,
  ): boolean {
    const classOf = this.classOf;
    const dense = this.dense;
    if (dense) {
      const alphabet = this.alphabet;
      const nodeOfRow = this.nodeOfRow;
      let row = 0;
      for (let i = from; i < to; i++) {
        row = dense[row + (classOf[text.charCodeAt(i)] as number)] as number;
        if (row >= 0) continue;
        row = ~row;
        if (!this.emit(nodeOfRow[row / alphabet] as number, i + 1, onMatch)) return false;
      }
      return true;
    }
    const emits = this.emits;
    let node = 0;
    for (let i = from; i < to; i++) {
      const cls = classOf[text.charCodeAt(i)] as number;
      node = cls === 0 ? 0 : this.step(node, cls);
      if (emits[node] === 0) continue;
      if (!this.emit(node, i + 1, onMatch)) return false;
    }
    return true;
  }

  /**
   * Calls `onMatch` for every pattern ending at `end` in `node` (its own and through suffixes); false when stopped.
   * Indexed loops here and in the scans: a for-of allocates an iterator and a result per step until V8 optimises
   * the loop, and a hostile text's first scan makes a hit every few characters (hundreds of MB on the first 1 MB).
   */
  private emit(
    node: number,
    end: number,
    onMatch: (pattern: number, start: number, end: number) => boolean | void,
  ): boolean {
    let out = this.own[node] ? node : (this.dictLink[node] as number);
    while (out !== -1) {
      const ids = this.own[out] as number[];
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k] as number;
        if (onMatch(id, end - (this.lengths[id] as number), end) === false) return false;
      }
      out = this.dictLink[out] as number;
    }
    return true;
  }

  /**
   * Which patterns occur in the key of text[from, to): each code unit c read as keyOf[c], dropped where that is 0 or
   * c is beyond the table (so a pattern may span dropped characters). The key is read on the fly, not built.
   * Calls `onMatch(pattern, end)` per occurrence, `end` the raw index after its last character; return `false` to stop.
   */
  forEachKeyMatch(
    text: string,
    keyOf: Uint16Array,
    onMatch: (pattern: number, end: number) => boolean | void,
    from = 0,
    to = text.length,
  ): void {
    if (this.patternCount === 0) return;
    const emits = this.emits;
    const dense = this.dense;
    const alphabet = this.alphabet;
    const n = Math.min(to, text.length);
    if (dense) {
      // Per code unit of the table: the alphabet class of its key, or -1 when it is dropped.
      const keyClass = this.keyClasses(keyOf);
      let row = 0;
      for (let i = from; i < n; i++) {
        const cls = keyClass[text.charCodeAt(i)] as number;
        if (cls < 0) continue;
        row = dense[row + cls] as number;
        if (row >= 0) continue;
        row = ~row;
        const node = this.nodeOfRow[row / alphabet] as number;
        let out = this.own[node] ? node : (this.dictLink[node] as number);
        while (out !== -1) {
          const ids = this.own[out] as number[];
          for (let k = 0; k < ids.length; k++) if (onMatch(ids[k] as number, i + 1) === false) return;
          out = this.dictLink[out] as number;
        }
      }
      return;
    }
    const classOf = this.classOf;
    const size = keyOf.length;
    let node = 0;
    for (let i = from; i < n; i++) {
      const c = text.charCodeAt(i);
      const k = c < size ? (keyOf[c] as number) : 0;
      if (k === 0) continue;
      const cls = classOf[k] as number;
      if (cls === 0) node = 0;
      else node = this.step(node, cls);
      if (emits[node] === 0) continue;
      let out = this.own[node] ? node : (this.dictLink[node] as number);
      while (out !== -1) {
        const ids = this.own[out] as number[];
        for (let k = 0; k < ids.length; k++) if (onMatch(ids[k] as number, i + 1) === false) return;
        out = this.dictLink[out] as number;
      }
    }
  }

  /** Composed key tables by key table (a few fixed tables per matcher: the canary's, the leak index's passes). */
  private readonly keyTables = new Map<Uint16Array, Int16Array>();

  /**
   * keyOf composed with the alphabet classes, for every UTF-16 code unit (-1 where the key drops the unit, and
   * beyond the table); kept per table (keyOf must not change after it was first given). Only used with the dense
   * table, whose alphabet is far below 2^15.
   */
  private keyClasses(keyOf: Uint16Array): Int16Array {
    const known = this.keyTables.get(keyOf);
    if (known) return known;
    const classes = new Int16Array(65536).fill(-1);
    for (let c = 0; c < keyOf.length && c < 65536; c++) {
      const k = keyOf[c] as number;
      if (k !== 0) classes[c] = this.classOf[k] as number;
    }
    this.keyTables.set(keyOf, classes);
    return classes;
  }

  /** Every occurrence, overlapping ones included, up to `limit`. */
  matchAll(text: string, limit = Number.POSITIVE_INFINITY): MultiMatch[] {
    const out: MultiMatch[] = [];
    this.forEachMatch(text, (pattern, start, end) => {
      out.push({ pattern, start, end });
      return out.length < limit;
    });
    return out;
  }

  hasMatch(text: string): boolean {
    let found = false;
    this.forEachMatch(text, () => {
      found = true;
      return false;
    });
    return found;
  }

  private step(node: number, cls: number): number {
    let u = node;
    for (;;) {
      const next = (this.children[u] as Map<number, number>).get(cls);
      if (next !== undefined) return next;
      if (u === 0) return 0;
      u = this.fail[u] as number;
    }
  }
}

export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Replaces the union of `spans` in `text`: overlapping or touching-inside spans merge into one, and
 * each merged span becomes `marker(firstSpanOfTheMerge)`.
 */
export function replaceSpans<S extends Span>(text: string, spans: readonly S[], marker: (span: S) => string): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as S;
    let end = first.end;
    let j = i + 1;
    while (j < sorted.length && (sorted[j] as S).start < end) {
      end = Math.max(end, (sorted[j] as S).end);
      j++;
    }
    out += text.slice(cursor, first.start) + marker(first);
    cursor = end;
    i = j;
  }
  return out + text.slice(cursor);
}
