/**
 * L08.1: a known value's characters carried in order with others left out — half a key, every other character
 * (`sed 's/\(.\)./\1/g'`) — are no form the leak index can list, and a 20-character bare run is how platforms name
 * public resources, so the egress candidates do not hold it raw.
 *
 * The text is read as its letters and digits only, case folded, so a separator every few characters (`abc12/def34`)
 * or filler around the run does not hide it; the value is folded the same way. A window of that text whose
 * characters are a subsequence of a value (in order or reversed) is judged part of it when, for a random value of
 * the value's length and alphabet, some window of the text would be such a subsequence by luck less than once in
 * 2^30: union bound over the text's windows of C(value length, window length) / alphabet^window length. Half of a
 * 40-character key (20 characters) is about 2^-66 per window; hex needs about 24 of a 64-digit value's digits.
 */

/** No window shorter than this is judged, whatever the bound says. */
export const MIN_FRAGMENT = 12;
/** log2 of the chance some window of a text is a subsequence of one value by luck, at most. */
const MAX_LOG2_CHANCE = -30;
/** Greedy steps one scan may take over every value; a text that needs more is not judged (the caller holds it). */
export const MAX_FRAGMENT_STEPS = 8_000_000;

/** Letters and digits, case folded: 0-9 then a-z. */
const SYMBOLS = 36;
const NO_SYMBOL = 255;
const SYMBOL_OF = new Uint8Array(128).fill(NO_SYMBOL);
for (let c = 0; c < 10; c++) SYMBOL_OF[48 + c] = c;
for (let c = 0; c < 26; c++) {
  SYMBOL_OF[65 + c] = 10 + c;
  SYMBOL_OF[97 + c] = 10 + c;
}

/** The letters and digits of `text`, case folded, as symbols 0–35. */
export function foldedSymbols(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const s = c < 128 ? (SYMBOL_OF[c] as number) : NO_SYMBOL;
    if (s !== NO_SYMBOL) out[n++] = s;
  }
  return out.subarray(0, n);
}

/** log2 of C(n, k). */
function log2Choose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log2((n - k + i) / i);
  return s;
}

/** One direction of one value: where each symbol next occurs, for greedy subsequence matching. */
class Walk {
  /** next[p * SYMBOLS + s]: 1 + the first index ≥ p holding s, or 0 when none. */
  private readonly next: Uint16Array;
  /** linked[x * SYMBOLS + y]: some x comes before some y (a window holding `xy` can be a subsequence). */
  private readonly linked = new Uint8Array(SYMBOLS * SYMBOLS);
  /** Which symbols occur at all. */
  private readonly present = new Uint8Array(SYMBOLS);

  constructor(symbols: Uint8Array) {
    const m = symbols.length;
    this.next = new Uint16Array((m + 1) * SYMBOLS);
    const first = new Int32Array(SYMBOLS).fill(m);
    const last = new Int32Array(SYMBOLS).fill(-1);
    for (let p = m - 1; p >= 0; p--) {
      const s = symbols[p] as number;
      this.next.copyWithin(p * SYMBOLS, (p + 1) * SYMBOLS, (p + 2) * SYMBOLS);
      this.next[p * SYMBOLS + s] = p + 1;
      this.present[s] = 1;
      first[s] = p;
      if (last[s] === -1) last[s] = p;
    }
    for (let x = 0; x < SYMBOLS; x++)
      for (let y = 0; y < SYMBOLS; y++)
        this.linked[x * SYMBOLS + y] = (first[x] as number) < (last[y] as number) ? 1 : 0;
  }

  /** Whether text[k - 1] text[k] can stand next to each other in a window (text[k - 1] is present). */
  private joins(text: Uint8Array, k: number): boolean {
    const y = text[k] as number;
    return this.present[y] === 1 && this.linked[(text[k - 1] as number) * SYMBOLS + y] === 1;
  }

  /** How many symbols of `text` from `from` match in order, greedily, up to `most`. */
  private matched(text: Uint8Array, from: number, most: number): number {
    let p = 0;
    let t = from;
    const stop = Math.min(text.length, from + most);
    while (t < stop) {
      const q = this.next[p * SYMBOLS + (text[t] as number)] as number;
      if (q === 0) break;
      p = q;
      t++;
    }
    return t - from;
  }

  /**
   * The first window of `need` or more symbols that is a subsequence: its start and full length, or the steps
   * taken when none is (negative, so the caller can add them up). Windows are sought only inside stretches where
   * every symbol occurs in the value and every neighbour pair can stand in that order; a stretch shorter than
   * `need` is skipped from its end backwards, as a string search skips.
   */
  find(text: Uint8Array, need: number, most: number, maxSteps: number): { at: number; length: number } | number {
    const n = text.length;
    let steps = 0;
    let i = 0;
    while (i + need <= n && steps <= maxSteps) {
      let k = i + need - 1;
      steps++;
      if (this.present[text[k] as number] === 0) {
        i = k + 1;
        continue;
      }
      while (k > i && this.joins(text, k)) k--;
      steps += i + need - 1 - k;
      if (k > i) {
        i = k;
        continue;
      }
      let end = i + need;
      while (end < n && this.joins(text, end)) end++;
      for (let s = i; s + need <= end; s++) {
        const got = this.matched(text, s, need);
        steps += got + 1;
        if (got >= need) return { at: s, length: this.matched(text, s, most) };
        if (steps > maxSteps) return -steps;
      }
      i = end;
    }
    return -steps;
  }
}

interface Value {
  readonly name: string;
  readonly length: number;
  readonly alphabet: number;
  readonly forward: Walk;
  readonly reversed: Walk;
}

export interface FragmentHit {
  readonly name: string;
  /** Index in the folded symbols where the window starts, and its length. */
  readonly at: number;
  readonly length: number;
}

/** A hit, nothing, or `unjudged` when the scan ran out of steps before reading the whole text. */
export type FragmentScan = FragmentHit | 'unjudged' | undefined;

/**
 * The symbols a value is taken to be drawn from: the distinct ones it holds. A random base62 key of 40 holds about
 * 24 of the 36 folded symbols, a hex value 16, `0x` and hex 17; counting what the value could hold instead (36 for any
 * letter above f) would make the bound far too generous for a hex value with a prefix.
 */
function alphabetOf(symbols: Uint8Array): number {
  const seen = new Uint8Array(SYMBOLS);
  let n = 0;
  for (const s of symbols) if (seen[s] === 0) n += seen[s] = 1;
  return Math.max(2, n);
}

export class ValueFragments {
  private readonly values: Value[] = [];
  private readonly shortest = new Map<string, number>();

  add(name: string, value: string): void {
    const symbols = foldedSymbols(value);
    // Longer values (certificates, bundles) are left out: their positions would not fit the walk's table, and any
    // 12-character window of them is found by the leak index anyway.
    if (symbols.length < MIN_FRAGMENT || symbols.length > 0xfffe) return;
    this.values.push({
      name,
      length: symbols.length,
      alphabet: alphabetOf(symbols),
      forward: new Walk(symbols),
      reversed: new Walk(symbols.slice().reverse()),
    });
  }

  /**
   * The shortest window of a `windows`-window text judged part of a value of this length and alphabet. The union
   * bound counts every window, both directions and every value.
   */
  private shortestJudged(length: number, alphabet: number, windows: number): number {
    const scale = Math.ceil(Math.log2(Math.max(2, windows) * 2 * Math.max(1, this.values.length)));
    const key = `${length}:${alphabet}:${scale}`;
    let k = this.shortest.get(key);
    if (k === undefined) {
      const bits = Math.log2(alphabet);
      k = MIN_FRAGMENT;
      while (k <= length && log2Choose(length, k) - k * bits + scale > MAX_LOG2_CHANCE) k++;
      this.shortest.set(key, k);
    }
    return k;
  }

  /** The first window of `text` (folded symbols, see foldedSymbols) carrying a value's characters in order. */
  scan(text: Uint8Array, maxSteps = MAX_FRAGMENT_STEPS): FragmentScan {
    let steps = 0;
    for (const v of this.values) {
      const need = this.shortestJudged(v.length, v.alphabet, text.length);
      if (need > v.length || need > text.length) continue;
      for (const walk of [v.forward, v.reversed]) {
        const found = walk.find(text, need, v.length, maxSteps - steps);
        if (typeof found === 'object') return { name: v.name, ...found };
        steps -= found;
        if (steps > maxSteps) return 'unjudged';
      }
    }
    return undefined;
  }
}
