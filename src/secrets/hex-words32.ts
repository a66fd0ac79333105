/**
 * Hex in little-endian 32-bit words (`od -X`, `od -t x4`, `xxd -e`): each word prints its four bytes last to first,
 * so a value's hex is scrambled in the dump, differently for each of the four byte alignments it may start at.
 * Rather than index four more forms per value, runs of such words are rewritten once into byte order (each word's
 * byte pairs reversed, lower case) and the index's plain hex forms are matched in that copy, wherever the value
 * starts. A run is two or more words of exactly 8 hex digits apart from each other by a little whitespace; at a line
 * break it goes on over an offset column (`0000020`, `00000010:`) and over the text column of the line before
 * (`xxd -e` prints one after two spaces). `xxd -e` prints the last word of a value whose length is no multiple of four
 * short and right-aligned (`    3272`): read as its low bytes, it ends the run.
 */
import type { DecodedView } from '../text/index.js';

/** Whitespace between two words of one line. */
const MAX_SPACES = 3;
/** A text column after the words (two spaces, then the line's bytes as text) is skipped up to this long. */
const MAX_TEXT_COLUMN = 40;
/** Raw characters one break between two words of a run can take: a text column, a line break, an offset column. */
export const MAX_WORD_GAP = 2 + MAX_TEXT_COLUMN + 1 + MAX_SPACES + 9 + MAX_SPACES;

const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[0-9a-fA-F]/.test(ch)) HEX[c] = 1;
}
const isHex = (c: number) => c < 128 && HEX[c] === 1;
const isBlank = (c: number) => c === 0x20 || c === 0x09;
const isWordChar = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);

/** Length of the hex token at i (0 when none starts there or it is glued to a word character before it). */
function hexToken(text: string, i: number): number {
  if (i > 0 && isWordChar(text.charCodeAt(i - 1))) return 0;
  let j = i;
  while (j < text.length && isHex(text.charCodeAt(j))) j++;
  return j < text.length && isWordChar(text.charCodeAt(j)) ? 0 : j - i;
}

/** After a line break at `i`: where the line's first word starts, past an offset column; -1 when no word follows. */
function afterOffset(text: string, i: number): number {
  let k = i;
  while (k < text.length && k - i < MAX_SPACES && isBlank(text.charCodeAt(k))) k++;
  const len = hexToken(text, k);
  if (len === 0) return -1;
  let e = k + len;
  const colon = text.charCodeAt(e) === 0x3a;
  // An offset: 6 or 7 digits (od), or up to 8 with a colon (xxd); a word of 8 digits without one is a word.
  if ((colon && len >= 6 && len <= 8) || (!colon && (len === 6 || len === 7))) {
    if (colon) e++;
    let s = e;
    while (s < text.length && s - e < MAX_SPACES && isBlank(text.charCodeAt(s))) s++;
    return s > e && hexToken(text, s) === 8 ? s : -1;
  }
  return len === 8 ? k : -1;
}

/**
 * Where a right-aligned short last word (2, 4 or 6 digits, its missing digits printed as blanks after the one blank
 * between words) starts after the word ending at `end`, or -1.
 */
function shortWord(text: string, end: number): number {
  let i = end;
  while (i < text.length && i - end < 7 && isBlank(text.charCodeAt(i))) i++;
  const len = hexToken(text, i);
  return len >= 2 && len <= 6 && len % 2 === 0 && i - end - 1 === 8 - len ? i : -1;
}

/**
 * Where the next word of a run starts after the word ending at `end`, or -1: a few blanks, or (possibly after a
 * text column) a line break and an offset column.
 */
function nextWord(text: string, end: number): number {
  let i = end;
  while (i < text.length && i - end < MAX_SPACES && isBlank(text.charCodeAt(i))) i++;
  if (i > end && hexToken(text, i) === 8) return i;
  // A text column: two or more blanks, then text up to the line break.
  if (i - end >= 2 && text.charCodeAt(i) !== 0x0a) {
    const nl = text.indexOf('\n', i);
    if (nl < 0 || nl - i > MAX_TEXT_COLUMN) return -1;
    i = nl;
  }
  if (text.charCodeAt(i) === 0x0d) i++;
  if (text.charCodeAt(i) !== 0x0a) return -1;
  return afterOffset(text, i + 1);
}

/**
 * A token of exactly 8 hex digits, no letter or digit on either side: where a run may start. The regex engine finds
 * these far faster than a walk over every token of a hostile text (a dump in other word sizes, colon-separated hex).
 */
const WORD = /(?<![0-9A-Za-z])[0-9a-fA-F]{8}(?![0-9A-Za-z])/g;

/**
 * The runs of `text` rewritten into byte order (NUL after each run); undefined when there is none. With `open` (a
 * stream's tail) only the last run, when it may still go on (what follows it could still become a break), however
 * few words it has, and with no NUL after it.
 */
export function wordSwapped32View(text: string, open = false): DecodedView | undefined {
  const minWords = open ? 1 : 2;
  const runs: number[][] = [];
  const word = WORD;
  word.lastIndex = 0;
  /** Per run, the digits of its last word (8, or fewer for a short last word). */
  const lastDigits: number[] = [];
  for (let m = word.exec(text); m; m = word.exec(text)) {
    const i = m.index;
    const words = [i];
    let at = nextWord(text, i + 8);
    while (at >= 0) {
      words.push(at);
      at = nextWord(text, at + 8);
    }
    const short = shortWord(text, (words[words.length - 1] as number) + 8);
    if (short >= 0) words.push(short);
    const last = short >= 0 ? hexToken(text, short) : 8;
    if (words.length >= minWords) {
      runs.push(words);
      lastDigits.push(last);
    }
    word.lastIndex = (words[words.length - 1] as number) + last;
  }
  if (open) {
    const last = runs[runs.length - 1];
    if (!last || text.length - ((last[last.length - 1] as number) + 8) > MAX_WORD_GAP + 8) return undefined;
    runs.splice(0, runs.length - 1);
    lastDigits.splice(0, lastDigits.length - 1);
  }
  if (runs.length === 0) return undefined;
  let size = 0;
  for (const r of runs) size += r.length * 8 + 1;
  let units = new Uint16Array(size);
  /** Per view character, the raw start of the word it came from (a break: where its run ended). */
  const wordOf = new Int32Array(size);
  /** Per view character, the raw end of its word. */
  const endOf = new Int32Array(size);
  let v = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k] as number[];
    const lastLen = lastDigits[k] as number;
    for (let x = 0; x < r.length; x++) {
      const w = r[x] as number;
      const len = x === r.length - 1 ? lastLen : 8;
      for (let b = len / 2 - 1; b >= 0; b--)
        for (let d = 0; d < 2; d++) {
          const c = text.charCodeAt(w + 2 * b + d);
          units[v] = c >= 0x41 && c <= 0x46 ? c | 0x20 : c;
          endOf[v] = w + len;
          wordOf[v++] = w;
        }
    }
    if (open) break;
    units[v] = 0;
    wordOf[v++] = (r[r.length - 1] as number) + lastLen;
  }
  units = units.subarray(0, v);
  return {
    text: new TextDecoder('utf-16le').decode(units),
    // A word's digits come out of order: a span covers the whole words its characters came from.
    toRaw(start: number, end: number): [number, number] {
      const s = wordOf[Math.min(start, v - 1)] as number;
      const last = Math.min(Math.max(end, start + 1), v) - 1;
      return [s, units[last] === 0 ? (wordOf[last] as number) : (endOf[last] as number)];
    },
  };
}
