/**
 * Base64 and hex runs of a text, decoded once: the leak index holds base64 and hex of a value as written, but not of
 * the value reversed, rot13'd, case-changed or cut in halves before it was encoded. Matched in this copy, the
 * character forms (which know those transforms and the windows) find them. A run is a maximal stretch of base64
 * characters (`=` ends it) of at least MIN_RUN; one of hex digits only, of even length, is read as hex, any other
 * as base64 (standard or URL alphabet) from its first character. Each decoded byte stands for the raw characters of
 * its base64 quad or hex pair. Runs are decoded from their start only: base64 glued to text before it (no separator)
 * is read at that alignment.
 */
import { DecodedViewBuilder, type DecodedView } from '../text/index.js';

/** Shortest run decoded: 12 bytes of base64 (a window is 12 characters), 8 of hex. */
export const MIN_RUN = 16;

/** Per UTF-16 code unit: base64 digit value (both alphabets), -1 for anything else. */
const B64 = new Int8Array(65536).fill(-1);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
for (let i = 0; i < ALPHABET.length; i++) B64[ALPHABET.charCodeAt(i)] = i;
B64[0x2b] = 62;
B64[0x2d] = 62;
B64[0x2f] = 63;
B64[0x5f] = 63;

const hexValue = (c: number) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;

/** Per byte value: 1 for printable ASCII. */
const PRINTABLE = new Uint8Array(256);
for (let b = 0x20; b < 0x7f; b++) PRINTABLE[b] = 1;

/**
 * Whether text[start, end) decodes (as decodeRun reads it) to `minKept` printable bytes in a row. Nothing is stored:
 * most runs of a hostile text (random base64, a hex dump's digits) decode to binary and are never copied.
 */
function printableStretch(text: string, start: number, end: number, hex: boolean, minKept: number): boolean {
  const b64 = B64;
  const printable = PRINTABLE;
  let row = 0;
  if (hex) {
    for (let i = start; i + 1 < end; i += 2) {
      row = printable[hexValue(text.charCodeAt(i)) * 16 + hexValue(text.charCodeAt(i + 1))] === 1 ? row + 1 : 0;
      if (row >= minKept) return true;
    }
    return false;
  }
  for (let q = start; q + 1 < end; q += 4) {
    const count = Math.min(4, end - q);
    let bits = 0;
    for (let i = q; i < q + count; i++) bits = (bits << 6) | (b64[text.charCodeAt(i)] as number);
    bits <<= 6 * (4 - count);
    for (let b = 0; b < count - 1; b++) {
      row = printable[(bits >> (16 - 8 * b)) & 0xff] === 1 ? row + 1 : 0;
      if (row >= minKept) return true;
    }
  }
  return false;
}

/**
 * Decodes text[start, end) and adds its stretches of printable ASCII of at least `minKept` bytes to `out`, each
 * followed by a break (the last one only when `close`). Every indexed character form is printable text, so the
 * rest (random binary, most of any base64 that is no encoded text) is never copied or scanned.
 */
function decodeRun(
  text: string,
  start: number,
  end: number,
  out: DecodedViewBuilder,
  minKept: number,
  close = true,
): void {
  let hex = (end - start) % 2 === 0;
  for (let i = start; hex && i < end; i++) hex = hexValue(text.charCodeAt(i)) >= 0;
  if (close && !printableStretch(text, start, end, hex, minKept)) return;
  // Written straight into `out`, a stretch too short taken back when it ends: copying every byte of a run through a
  // buffer of its own first cost a second write per byte (a megabyte of `eyJ-` decodes to 750 KB of printable text).
  let mark = out.length;
  let lastEnd = start;
  const byte = (value: number, from: number, to: number) => {
    if (value >= 0x20 && value < 0x7f) {
      out.add(value, from, to);
      lastEnd = to;
      return;
    }
    endStretch();
  };
  const endStretch = () => {
    if (out.length - mark < minKept) out.truncate(mark);
    else if (out.length > mark) out.breakPart(lastEnd);
    mark = out.length;
  };
  if (hex) {
    for (let i = start; i + 1 < end; i += 2)
      byte(hexValue(text.charCodeAt(i)) * 16 + hexValue(text.charCodeAt(i + 1)), i, i + 2);
  } else {
    for (let q = start; q + 1 < end; q += 4) {
      const quadEnd = Math.min(q + 4, end);
      let bits = 0;
      let count = 0;
      for (let i = q; i < quadEnd; i++) {
        bits = (bits << 6) | (B64[text.charCodeAt(i)] as number);
        count++;
      }
      // 4 digits: 3 bytes; 3: 2; 2: 1.
      bits <<= 6 * (4 - count);
      for (let b = 0; b < count - 1; b++) byte((bits >> (16 - 8 * b)) & 0xff, q, quadEnd);
    }
  }
  // A stretch reaching the end of an open run is kept however short, with no break: what follows may lengthen it.
  if (close) endStretch();
}

/**
 * For a stream: the run that reaches the end of `text`, however short it is yet, decoded from the last quad
 * boundary (counted from the run's start) at or before `from`; undefined when the text does not end in one.
 */
export function openDecodedRun(text: string, from: number): DecodedView | undefined {
  const n = text.length;
  let start = n;
  while (start > 0 && (B64[text.charCodeAt(start - 1)] as number) >= 0) start--;
  if (start === n) return undefined;
  const out = new DecodedViewBuilder();
  decodeRun(text, start + Math.max(0, Math.floor((from - start) / 4) * 4), n, out, 1, false);
  return out.build();
}

/**
 * The printable stretches of at least `minKept` bytes (the caller's shortest form) of the decoded runs of `text`,
 * each followed by a break; undefined when there is none.
 */
export function decodedRunsView(text: string, minKept = 1): DecodedView | undefined {
  const b64 = B64;
  const n = text.length;
  const out = new DecodedViewBuilder();
  // Every run of MIN_RUN or more holds one of the probed positions (at most MIN_RUN apart, the next probe MIN_RUN
  // past the last break): text of words and short tokens is mostly skipped, not walked.
  let lastEnd = 0;
  let i = MIN_RUN - 1;
  while (i < n) {
    if ((b64[text.charCodeAt(i)] as number) < 0) {
      i += MIN_RUN;
      continue;
    }
    let start = i;
    while (start > lastEnd && (b64[text.charCodeAt(start - 1)] as number) >= 0) start--;
    let end = i + 1;
    while (end < n && (b64[text.charCodeAt(end)] as number) >= 0) end++;
    if (end - start >= MIN_RUN) decodeRun(text, start, end, out, minKept);
    lastEnd = end;
    i = end + MIN_RUN;
  }
  return out.build();
}
