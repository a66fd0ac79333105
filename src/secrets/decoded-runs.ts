/**
 * Base64 and hex runs of a text, decoded once: the leak index holds base64 and hex of a value as written, but not of
 * the value reversed, rot13'd, case-changed or cut in halves before it was encoded. Matched in this copy, the
 * character forms (which know those transforms and the windows) find them. A run is a maximal stretch of base64
 * characters (`=` ends it) of at least MIN_RUN; one of hex digits only, of even length, is read as hex, any other
 * as base64 (standard or URL alphabet) from its first character. Each decoded byte stands for the raw characters of
 * its base64 quad or hex pair. Runs are decoded from their start only: base64 glued to text before it (no separator)
 * is read at that alignment.
 *
 * A run is decoded by Node's own decoders and only its printable stretches are copied, each as one slice; a view
 * character's raw span is worked out from the stretch it lies in (a quad or pair of its run) when asked, not stored
 * per character: a megabyte of `eyJ-` decodes to 750 KB of printable text, and writing three arrays per byte of it
 * cost more than the scan of the view.
 */
import type { DecodedView } from '../text/index.js';

/** Shortest run decoded: 12 bytes of base64 (a window is 12 characters), 8 of hex. */
export const MIN_RUN = 16;

/** Per UTF-16 code unit: 1 for a base64 digit of either alphabet, 0 for anything else. */
const B64 = new Uint8Array(65536);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-/_';
for (let i = 0; i < ALPHABET.length; i++) B64[ALPHABET.charCodeAt(i)] = 1;

/** Per UTF-16 code unit: 1 for a hex digit. */
const HEX = new Uint8Array(65536);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const printable = (b: number) => b >= 0x20 && b < 0x7f;

/**
 * The kept stretches of the decoded runs, in view order, and the view text they make. Segment s stands for the
 * decoded bytes [first[s], first[s] + count[s]) of the run raw[runStart[s], runEnd[s]), read as hex or base64; it
 * is followed by a break (NUL) when `broken[s]`.
 */
class Stretches {
  readonly pieces: string[] = [];
  readonly viewStart: number[] = [];
  readonly count: number[] = [];
  readonly first: number[] = [];
  readonly runStart: number[] = [];
  readonly runEnd: number[] = [];
  readonly hex: boolean[] = [];
  readonly broken: boolean[] = [];
  /** Bytes per view character: 1, or 2 for UTF-16 text (the character's byte, then a zero). */
  readonly stride: number[] = [];
  length = 0;

  add(bytes: Buffer, from: number, to: number, runStart: number, runEnd: number, hex: boolean, broken: boolean): void {
    this.pieces.push(bytes.toString('latin1', from, to));
    this.push(to - from, from, runStart, runEnd, hex, broken, 1);
  }

  /** `chars` characters of UTF-16 text whose first byte is bytes[from]: every other byte. */
  addWide(bytes: Buffer, from: number, chars: number, runStart: number, runEnd: number, hex: boolean): void {
    let piece = '';
    for (let c = 0; c < chars; c++) piece += String.fromCharCode(bytes[from + 2 * c] as number);
    this.pieces.push(piece);
    this.push(chars, from, runStart, runEnd, hex, true, 2);
  }

  private push(
    count: number,
    from: number,
    runStart: number,
    runEnd: number,
    hex: boolean,
    broken: boolean,
    stride: number,
  ): void {
    if (broken) this.pieces.push('\0');
    this.viewStart.push(this.length);
    this.count.push(count);
    this.first.push(from);
    this.runStart.push(runStart);
    this.runEnd.push(runEnd);
    this.hex.push(hex);
    this.broken.push(broken);
    this.stride.push(stride);
    this.length += count + (broken ? 1 : 0);
  }

  view(): DecodedView | undefined {
    if (this.length === 0) return undefined;
    const text = this.pieces.join('');
    const length = this.length;
    return {
      text,
      toRaw: (start: number, end: number): [number, number] => {
        const a = this.span(Math.min(start, length - 1))[0];
        const e = this.span(Math.min(Math.max(end, start + 1), length) - 1)[1];
        return [a, Math.max(a, e)];
      },
    };
  }

  /** Raw span of view character i: its byte's quad or pair; a break stands at the end of the byte before it. */
  private span(i: number): [number, number] {
    let lo = 0;
    let hi = this.viewStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.viewStart[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    const off = i - (this.viewStart[lo] as number);
    const count = this.count[lo] as number;
    const byte = (this.first[lo] as number) + (this.stride[lo] as number) * Math.min(off, count - 1);
    const runStart = this.runStart[lo] as number;
    let s: number;
    let e: number;
    if (this.hex[lo]) {
      s = runStart + 2 * byte;
      e = s + 2;
    } else {
      s = runStart + 4 * Math.floor(byte / 3);
      e = Math.min(s + 4, this.runEnd[lo] as number);
    }
    return off < count ? [s, e] : [e, e];
  }
}

/**
 * Decodes text[start, end) and adds its stretches of printable ASCII of at least `minKept` bytes to `out`, each
 * followed by a break; with `close` false, a stretch that reaches the end of the run is kept however short, with no
 * break (what follows may lengthen it). Every indexed character form is printable text, so the rest (random
 * binary, most of any base64 that is no encoded text) is never copied or scanned.
 */
function decodeRun(
  text: string,
  start: number,
  end: number,
  out: Stretches,
  minKept: number,
  close = true,
  wide?: Stretches,
): void {
  let hex = (end - start) % 2 === 0;
  for (let i = start; hex && i < end; i++) hex = HEX[text.charCodeAt(i)] === 1;
  // Node's base64 decoder reads both alphabets and drops a lone last digit, as a quad of one digit yields no byte.
  const bytes = Buffer.from(text.slice(start, end), hex ? 'hex' : 'base64');
  const n = bytes.length;
  let k = 0;
  while (k < n) {
    if (!printable(bytes[k] as number)) {
      k++;
      continue;
    }
    let j = k + 1;
    while (j < n && printable(bytes[j] as number)) j++;
    const open = !close && j === n;
    if (open || j - k >= minKept) out.add(bytes, k, j, start, end, hex, !open);
    k = j;
  }
  if (wide) wideStretches(bytes, start, end, hex, wide, minKept);
}

/**
 * UTF-16 text in the decoded bytes (PowerShell 5's `Out-File`, `.reg` exports, then base64 or hex): stretches of
 * printable characters each followed by a zero byte (little-endian; big-endian is the same read one byte later, its
 * last character without the zero), of at least `minKept` characters. A printable byte that ends a stretch is its
 * last character: in big-endian text the byte after it is the high byte of the next character, which is not zero
 * past U+00FF (`…N` then `—` or `中`); in little-endian text it is one spurious character at the end.
 */
function wideStretches(bytes: Buffer, start: number, end: number, hex: boolean, out: Stretches, minKept: number): void {
  const n = bytes.length;
  let k = 0;
  while (k + 1 < n) {
    if (!printable(bytes[k] as number) || bytes[k + 1] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j + 1 < n && printable(bytes[j] as number) && bytes[j + 1] === 0) j += 2;
    let chars = (j - k) / 2;
    if (j < n && printable(bytes[j] as number)) chars++;
    if (chars >= minKept) out.addWide(bytes, k, chars, start, end, hex);
    k = Math.max(j, k + 1);
  }
}

/**
 * For a stream: the run that reaches the end of `text`, however short it is yet, decoded from the last quad
 * boundary (counted from the run's start) at or before `from`; undefined when the text does not end in one.
 */
export function openDecodedRun(text: string, from: number): DecodedView | undefined {
  const n = text.length;
  let start = n;
  while (start > 0 && B64[text.charCodeAt(start - 1)] === 1) start--;
  if (start === n) return undefined;
  const out = new Stretches();
  decodeRun(text, start + Math.max(0, Math.floor((from - start) / 4) * 4), n, out, 1, false);
  return out.view();
}

/**
 * The printable stretches of at least `minKept` bytes (the caller's shortest form) of the decoded runs of `text`,
 * each followed by a break; undefined when there is none.
 */
export function decodedRunsView(text: string, minKept = 1): DecodedView | undefined {
  return decodedRunsViews(text, minKept).bytes;
}

/**
 * The decoded runs read two ways in one decoding: `bytes` as decodedRunsView; `wide` the stretches of UTF-16 text of
 * at least `minKept` characters, each followed by a break; either undefined when it has nothing.
 */
export function decodedRunsViews(
  text: string,
  minKept = 1,
): { bytes: DecodedView | undefined; wide: DecodedView | undefined } {
  const b64 = B64;
  const n = text.length;
  const out = new Stretches();
  const wide = new Stretches();
  // Every run of MIN_RUN or more holds one of the probed positions (at most MIN_RUN apart, the next probe MIN_RUN
  // past the last break): text of words and short tokens is mostly skipped, not walked.
  let lastEnd = 0;
  let i = MIN_RUN - 1;
  while (i < n) {
    if (b64[text.charCodeAt(i)] === 0) {
      i += MIN_RUN;
      continue;
    }
    let start = i;
    while (start > lastEnd && b64[text.charCodeAt(start - 1)] === 1) start--;
    let end = i + 1;
    while (end < n && b64[text.charCodeAt(end)] === 1) end++;
    // A run decodes to fewer bytes than it has characters: one shorter than `minKept` holds no stretch to keep.
    if (end - start >= MIN_RUN && end - start >= minKept)
      decodeRun(text, start, end, out, Math.max(1, minKept), true, wide);
    lastEnd = end;
    i = end + MIN_RUN;
  }
  return { bytes: out.view(), wide: wide.view() };
}
