/**
 * A value written as character codes: decimal lists (`115, 107, 45`, the arguments of String.fromCharCode, a
 * byte array), `0x73 0x6b`, `\u0073`, `\x73`, `&#115;`, `&#x6b;`, `U+0073`, percent-encoding `%73` and `%u0073`. A run of at least MIN_CHAR_CODE_RUN
 * codes (octal escapes `\163` too), each at most MAX_CODE_GAP non-alphanumeric characters after the one before, is decoded into the
 * characters it stands for (code points 32–65535, no surrogates); everything else stays out of the view. One walk
 * over the text, no regex; text without such a run costs that walk only.
 */
import { DecodedViewBuilder, type DecodedView } from './decoded-view.js';

export const MIN_CHAR_CODE_RUN = 6;
/** Non-alphanumeric characters other than whitespace allowed between two codes (`,`, `], [`). */
const MAX_CODE_PUNCT = 3;
/** Whitespace allowed between two codes besides them: a line break and the next line's indentation. */
const MAX_CODE_SPACE = 10;
/** Most raw characters between two codes of one run (what a hit's span is bounded by). */
export const MAX_CODE_GAP = MAX_CODE_PUNCT + MAX_CODE_SPACE;
/** Longest code token read (`&#65535;`). */
export const MAX_CODE_TOKEN = 8;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isAlnum = (c: number) => isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);

/**
 * The scanners below return a position and leave a value here: one code is read per character of a hostile list of
 * codes, and a tuple per read (two with the digits) was most of the view's cost.
 */
let readValue = 0;

/** Digits of `radix` at text[i…], at most `max` of them: their count, the value in readValue. */
function digits(text: string, i: number, max: number, hex: boolean): number {
  let v = 0;
  let k = 0;
  while (k < max && i + k < text.length) {
    const c = text.charCodeAt(i + k);
    if (hex ? !isHex(c) : !isDigit(c)) break;
    v = v * (hex ? 16 : 10) + (isDigit(c) ? c - 0x30 : (c | 0x20) - 0x57);
    k++;
  }
  readValue = v;
  return k;
}

/** An octal escape's digits at text[i…], at most three and at most 0o377: their count, the value in readValue. */
function octal(text: string, i: number): number {
  let v = 0;
  let k = 0;
  while (k < 3) {
    const d = text.charCodeAt(i + k) - 0x30;
    if (!(d >= 0 && d <= 7) || v * 8 + d > 0o377) break;
    v = v * 8 + d;
    k++;
  }
  readValue = v;
  return k;
}

/**
 * Whether text[from, to) may stand between two codes of one run. Up to MAX_CODE_PUNCT characters (`, `) always may;
 * a longer gap may hold whitespace besides, so a list broken over indented lines stays one run.
 */
function gapFits(text: string, from: number, to: number): boolean {
  if (to - from <= MAX_CODE_PUNCT) return true;
  if (to - from > MAX_CODE_GAP) return false;
  let punct = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (!(c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) && ++punct > MAX_CODE_PUNCT) return false;
  }
  return to - from - punct <= MAX_CODE_SPACE;
}

const usable = (v: number) => v >= 0x20 && v !== 0x7f && v <= 0xffff && (v < 0xd800 || v > 0xdfff);

/** Where the code written at text[i] ends, its value in readValue; -1 when no code token starts there. */
function codeAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const next = text.charCodeAt(i + 1);
  if (c === 0x26 && next === 0x23) {
    // &#115; or &#x73;
    const hex = (text.charCodeAt(i + 2) | 0x20) === 0x78;
    const from = i + (hex ? 3 : 2);
    const k = digits(text, from, hex ? 4 : 5, hex);
    if (k === 0 || text.charCodeAt(from + k) !== 0x3b) return -1;
    return usable(readValue) ? from + k + 1 : -1;
  }
  if (c === 0x25) {
    // %73 (every character percent-encoded, not only the reserved ones) or the old JavaScript %u0073
    const n = (next | 0x20) === 0x75 ? 4 : 2;
    const k = digits(text, i + (n === 4 ? 2 : 1), n, true);
    return k === n && usable(readValue) ? i + (n === 4 ? 2 : 1) + n : -1;
  }
  if (c === 0x5c && (next === 0x75 || next === 0x78)) {
    // \u0073 or \x73
    const n = next === 0x75 ? 4 : 2;
    const k = digits(text, i + 2, n, true);
    return k === n && usable(readValue) ? i + 2 + n : -1;
  }
  if (c === 0x5c && next >= 0x30 && next <= 0x37) {
    // \163 or \55: an octal escape (C, shell printf, Python bytes), two or three digits up to \377
    const k = octal(text, i + 1);
    return k >= 2 && usable(readValue) ? i + 1 + k : -1;
  }
  if ((c === 0x55 || c === 0x75) && next === 0x2b && !isAlnum(text.charCodeAt(i - 1))) {
    // U+0073
    const k = digits(text, i + 2, 4, true);
    return k === 4 && usable(readValue) && !isAlnum(text.charCodeAt(i + 6)) ? i + 6 : -1;
  }
  if (!isDigit(c) || isAlnum(text.charCodeAt(i - 1))) return -1;
  if (c === 0x30 && (next | 0x20) === 0x78) {
    // 0x73
    const k = digits(text, i + 2, 4, true);
    return k >= 2 && usable(readValue) && !isAlnum(text.charCodeAt(i + 2 + k)) ? i + 2 + k : -1;
  }
  // A decimal code, read here rather than by `digits`: the most frequent token of a hostile list.
  let v = 0;
  let k = 0;
  for (; k < 5; k++) {
    const d = text.charCodeAt(i + k) - 0x30;
    if (!(d >= 0 && d <= 9)) break;
    v = v * 10 + d;
  }
  readValue = v;
  return k >= 2 && usable(v) && !isAlnum(text.charCodeAt(i + k)) ? i + k : -1;
}

/** Could a code token start at text[i]? (The first character of every form codeAt reads.) */
const mayStart = (c: number) => isDigit(c) || c === 0x26 || c === 0x5c || c === 0x55 || c === 0x75 || c === 0x25;

/** Per UTF-16 code unit: 1 = letter or digit, 2 = the first character of a prefixed code (`&`, `\\`, `%`, `U`, `u`: a letter too). */
const ALNUM = new Uint8Array(65536);
for (let c = 0; c < 128; c++) if (isAlnum(c)) ALNUM[c] = 1;
const PREFIX = new Uint8Array(65536);
for (const c of [0x26, 0x5c, 0x55, 0x75, 0x25]) PREFIX[c] = 1;

/** Where the walk below may read a code: a prefix, a `0`, or another digit with no letter or digit before it. */
const CANDIDATE = /[&\\%Uu0]|(?<![0-9A-Za-z])[1-9]/g;

/** Ends the run of `count` codes: kept (with a break after it in `out`) when long enough, else taken back out of `out`. */
function endRun(
  found: number[],
  out: DecodedViewBuilder | undefined,
  count: number,
  start: number,
  end: number,
  mark: number,
): void {
  if (count >= MIN_CHAR_CODE_RUN) {
    found.push(start, end);
    out?.breakPart(end);
  } else out?.truncate(mark);
}

/**
 * [start, end) of every run of at least MIN_CHAR_CODE_RUN codes, and with `out` their codes decoded into it as they
 * are read (a run that stays too short is taken back out): each code is read once. Most text has digits only inside
 * longer numbers or words, or alone: a digit glued to a letter or digit before it is skipped at once, and a run is
 * only tracked as a start index, a count and where its last code ended.
 */
function runs(text: string, from: number, open = false, out?: DecodedViewBuilder): number[] {
  const found: number[] = [];
  const alnum = ALNUM;
  const prefix = PREFIX;
  let runStart = -1;
  let count = 0;
  let lastEnd = -1;
  let mark = 0;
  let i = from;
  const n = text.length;
  const next = CANDIDATE;
  while (i < n) {
    if (count === 0) {
      // Outside a run nothing happens until a code may start: the regex engine finds that place.
      next.lastIndex = i;
      if (!next.test(text)) break;
      i = next.lastIndex - 1;
    }
    const c = text.charCodeAt(i);
    // Not a digit a code may start with (a digit glued to a word or number before it, `0` aside) and no prefix.
    const a = alnum[c] as number;
    const digit = c >= 0x30 && c <= 0x39;
    if ((prefix[c] as number) === 0 && (!digit || (c !== 0x30 && (alnum[text.charCodeAt(i - 1)] as number) === 1))) {
      if (count > 0 && (a === 1 || !gapFits(text, lastEnd, i + 1))) {
        endRun(found, out, count, runStart, lastEnd, mark);
        count = 0;
      }
      i++;
      continue;
    }
    const codeEnd = codeAt(text, i);
    // In open mode a code at the end may be one cut short (`45` of `457`), and what does not read as one yet
    // may become one: the run is still under way there.
    if (open && (codeEnd >= 0 ? codeEnd >= n : count > 0 && i >= n - MAX_CODE_TOKEN)) break;
    if (codeEnd < 0) {
      if (count > 0 && (a === 1 || !gapFits(text, lastEnd, i + 1))) {
        endRun(found, out, count, runStart, lastEnd, mark);
        count = 0;
      }
      i++;
      continue;
    }
    if (count > 0 && !gapFits(text, lastEnd, i)) {
      endRun(found, out, count, runStart, lastEnd, mark);
      count = 0;
    }
    if (count === 0) {
      runStart = i;
      mark = out ? out.length : 0;
    }
    count++;
    out?.add(readValue, i, codeEnd);
    lastEnd = codeEnd;
    i = codeEnd;
  }
  // In open mode only the run under way at the end counts.
  if (open) return count > 0 && n - lastEnd <= MAX_CODE_GAP + MAX_CODE_TOKEN ? [runStart, lastEnd] : [];
  if (count > 0) endRun(found, out, count, runStart, lastEnd, mark);
  return found;
}

/**
 * Where a run may start: three decimal codes of printable characters in a row (30–99999, or zero-padded to three
 * or more digits; dates and times have numbers below 30), not glued to a word or number before them (the walk skips those too), or a prefixed code
 * (`%XX` only when another follows within a code gap: a lone `%20` is ordinary URL encoding). Most text has neither, and the regex engine finds that several times
 * faster than the walk, which then starts there.
 */
const CODE = '(?:[3-9]\\d|[1-9]\\d{2,4}|0\\d{2,4})';
const GAP = `[^0-9A-Za-z]{1,${MAX_CODE_GAP}}`;
const RUN_HINT = new RegExp(
  `(?<![0-9A-Za-z])${CODE}${GAP}${CODE}${GAP}${CODE}|\\\\[uUxX][0-9a-fA-F]{2}|\\\\[0-7]{2}|&#|0[xX][0-9a-fA-F]{2}|[Uu]\\+[0-9A-Fa-f]{4}|%[0-9a-fA-F]{2}[^0-9A-Za-z]{0,${MAX_CODE_GAP}}%[0-9a-fA-F]{2}|%[uU][0-9a-fA-F]{4}`,
);

/** The decoded runs of character codes in `text`, or undefined when there is none. */
export function charCodeView(text: string): DecodedView | undefined {
  // The output scan asks twice for the same text (leak index, canary); a view is immutable, so the last is reused.
  if (lastView !== undefined && lastView.text === text) return lastView.view;
  const view = buildCharCodeView(text);
  lastView = text.length <= MEMO_MAX ? { text, view } : undefined;
  return view;
}

/** The last text asked for and its view (texts up to MEMO_MAX code units; a longer one is not kept alive). */
let lastView: { readonly text: string; readonly view: DecodedView | undefined } | undefined;
const MEMO_MAX = 1 << 20;

function buildCharCodeView(text: string): DecodedView | undefined {
  const hint = RUN_HINT.exec(text);
  if (!hint) return undefined;
  const out = new DecodedViewBuilder();
  runs(text, hint.index, false, out);
  return out.build();
}

/** True when s[from…] is at most `max` characters that all pass `ok` (an optional `;` after them with `semi`). */
function restIs(s: string, from: number, max: number, ok: (c: number) => boolean, semi = false): boolean {
  let end = s.length;
  if (semi && end > from && s.charCodeAt(end - 1) === 0x3b) end--;
  if (end - from > max) return false;
  for (let k = from; k < end; k++) if (!ok(s.charCodeAt(k))) return false;
  return true;
}

/**
 * Whether `s` (the end of a stream's text) is a code token or the start of one (`&`, `&#1`, `&#81;`, `\x7`,
 * `U+00`, `0x`, a digit): later text may complete it, lengthen it (`11` of `118`) or follow it with more codes,
 * so a match of the decoded run may begin there whatever the view says yet.
 */
function openCode(s: string): boolean {
  const c = s.charCodeAt(0);
  const next = s.charCodeAt(1);
  if (s.length === 1 && (c === 0x26 || c === 0x5c || c === 0x55 || c === 0x75 || c === 0x25)) return true;
  if (c === 0x25) return (next | 0x20) === 0x75 ? restIs(s, 2, 4, isHex) : restIs(s, 1, 2, isHex);
  if (c === 0x26) {
    if (next !== 0x23) return false;
    const hex = (s.charCodeAt(2) | 0x20) === 0x78;
    return hex ? restIs(s, 3, 4, isHex, true) : restIs(s, 2, 5, isDigit, true);
  }
  if (c === 0x5c)
    return next === 0x75
      ? restIs(s, 2, 4, isHex)
      : next === 0x78
        ? restIs(s, 2, 2, isHex)
        : restIs(s, 1, 3, (d) => d >= 0x30 && d <= 0x37);
  if (c === 0x55 || c === 0x75) return next === 0x2b && restIs(s, 2, 4, isHex);
  if (c === 0x30 && (next | 0x20) === 0x78) return restIs(s, 2, 4, isHex);
  return isDigit(c) && restIs(s, 0, 5, isDigit);
}

/**
 * For a stream: where a code token (or what may still become one) that reaches the end of `text` starts, or
 * text.length when none does. Held from there, the first code of a run is never released before the codes after
 * it show whether the run spells a secret.
 */
export function pendingCharCode(text: string): number {
  const n = text.length;
  for (let i = Math.max(0, n - MAX_CODE_TOKEN); i < n; i++) {
    const c = text.charCodeAt(i);
    if (!mayStart(c)) continue;
    // Decimal codes, `0x` and `U+` must not be glued to a word or number before them (as codeAt reads them).
    if (c !== 0x26 && c !== 0x5c && c !== 0x25 && isAlnum(text.charCodeAt(i - 1))) continue;
    if (openCode(text.slice(i))) return i;
  }
  return n;
}

/** Letters that no code token holds (hex digits, `u`, `U`, `x` and `X` may be inside one). */
const ENDS_RUN = new Uint8Array(65536);
for (let c = 0; c < 128; c++)
  if (isAlnum(c) && !isHex(c) && (c | 0x20) !== 0x75 && (c | 0x20) !== 0x78) ENDS_RUN[c] = 1;

/**
 * A place from which the walk of `runs` reads the same runs to the end as from the start of `text`: just after the
 * last letter no code token can hold, short of the last MAX_CODE_TOKEN characters. The walk meets that letter
 * outside every code, so any run under way ends there and none begins until after it; from there on the walk
 * depends on the text alone. A stream asks at every scan, and walking from the start read all of what it held.
 */
export function codeWalkStart(text: string): number {
  const ends = ENDS_RUN;
  // Not among the last MAX_CODE_TOKEN characters, where the walk may stop early in a run it holds as open.
  for (let i = text.length - MAX_CODE_TOKEN - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if ((ends[c] as number) === 1) return i + 1;
    if ((ALNUM[c] as number) === 1 && !isDigit(c) && outsideCode(text, i, c)) return i + 1;
  }
  return 0;
}

/**
 * For a hex letter, `u`, `U`, `x` or `X` at text[i]: true when no code token holds it. Inside one such a letter
 * follows `#`, a backslash, `%`, `+`, `0x`, `u` or another hex digit, or is the `U` of `U+`.
 */
function outsideCode(text: string, i: number, c: number): boolean {
  if ((c | 0x20) === 0x75 && text.charCodeAt(i + 1) === 0x2b) return false;
  const p = text.charCodeAt(i - 1);
  return !(
    isHex(p) ||
    (p | 0x20) === 0x78 ||
    (p | 0x20) === 0x75 ||
    p === 0x23 ||
    p === 0x5c ||
    p === 0x2b ||
    p === 0x25
  );
}

/**
 * For a stream: the run of character codes still under way at the end of `text` (however few codes it has yet,
 * and a code cut short at the end left out), decoded and with no break after it; undefined when there is none.
 * The walk starts at `from` (0 reads the same, at the cost of the whole text).
 */
export function openCharCodeTail(text: string, from = codeWalkStart(text)): DecodedView | undefined {
  const [start, end] = runs(text, from, true);
  if (start === undefined || end === undefined) return undefined;
  const out = new DecodedViewBuilder();
  let i = start;
  while (i < end) {
    const codeEnd = codeAt(text, i);
    if (codeEnd >= 0) {
      out.add(readValue, i, codeEnd);
      i = codeEnd;
    } else i++;
  }
  return out.build();
}
