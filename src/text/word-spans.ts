/**
 * Words as the detectors read them: a letter or digit, then letters, digits and combining marks (Unicode
 * categories L, N, M by code point), found by a walk with a table per code unit rather than a regex. The table is
 * filled as code units are first seen. A regex's first runs are interpreted: over a megabyte of hostile text
 * decoded into one word (hex of `EAA…` is one word of Hangul) that cost 30 ms each time.
 */

const UNKNOWN = 0;
const LETTER = 1;
const MARK = 2;
const OTHER = 3;

const IS_LETTER = /^[\p{L}\p{N}]$/u;
const IS_MARK = /^\p{M}$/u;

const classify = (ch: string): number => (IS_LETTER.test(ch) ? LETTER : IS_MARK.test(ch) ? MARK : OTHER);

/** Per BMP code unit outside the surrogates: its class, UNKNOWN until first seen. */
const BMP = new Uint8Array(65536);
for (let c = 0; c < 128; c++) BMP[c] = classify(String.fromCharCode(c));
/** Classes of astral code points seen so far (bounded: a hostile text can bring many). */
const ASTRAL = new Map<number, number>();
const MAX_ASTRAL = 4096;

/** Class and length (1 or 2 code units) of the code point at i. */
function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) {
    let k = BMP[c] as number;
    if (k === UNKNOWN) BMP[c] = k = classify(String.fromCharCode(c));
    return k;
  }
  const lo = text.charCodeAt(i + 1);
  // A lone surrogate is no letter.
  if (c > 0xdbff || !(lo >= 0xdc00 && lo <= 0xdfff)) return OTHER;
  const cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
  let k = ASTRAL.get(cp);
  if (k === undefined) {
    k = classify(String.fromCodePoint(cp));
    if (ASTRAL.size < MAX_ASTRAL) ASTRAL.set(cp, k);
  }
  return k;
}

const widthAt = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
};

/** Calls `onWord(start, end)` for every word of `text`, in order (what /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*\/gu matches). */
export function forEachWord(text: string, onWord: (start: number, end: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (classAt(text, i) !== LETTER) {
      i += widthAt(text, i);
      continue;
    }
    const start = i;
    i += widthAt(text, i);
    while (i < n) {
      const k = classAt(text, i);
      if (k !== LETTER && k !== MARK) break;
      i += widthAt(text, i);
    }
    onWord(start, i);
  }
}
