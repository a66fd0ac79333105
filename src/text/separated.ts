/**
 * A value written with separators between its pieces: `s k - a n t`, `'s','k'`, `AbCd-EfGh-IjKl-MnOp`,
 * `ab.cd.ef.gh`. A region of at least MIN_GROUPS short alphanumeric groups, each joined to the next by a short run
 * of separator characters, is copied without its separators; the leak index holds every value with its own
 * separators dropped as well, so the copy matches. Groups joined by other separators may hold up to 8 characters.
 * Whitespace alone joins groups of up to 2 characters (spelled-out writing), or of up to 11 when one of the two
 * looks random (letters and digits, or a capital after its first letter: `AbCd 3xQz`), so prose — short words
 * between spaces — does not count. Other separators join groups of up to 11 when one of the two looks random too:
 * a piece under the leak index's 12-character window carries no window of its own, so pieces of 9 to 11 characters
 * (`fold -w10`, `"…" + "…"` in code) must be joined to be found. A line break is whitespace: a value folded over
 * short lines is one region. Two groups are enough when they keep MIN_LONG_KEPT characters between them. One walk
 * over the text with a table lookup per character. ASCII symbols that are no separator (`& ! $ # @ = ? % ^ < >`) are
 * part of a group and kept in the copy (a password holds them); beyond ASCII, punctuation and symbols (`·`, `•`, `—`,
 * `→`) and surrogates (an emoji) separate like the ASCII separators.
 */
import { DecodedViewBuilder, type DecodedView } from './decoded-view.js';

/** Characters a separated form may put between the pieces of a value (and that are dropped from forms). */
export const SEPARATOR_CHARS = ' \t-_.,:;|/\\*+~\'"`()[]{}';
/** Longest run of separators between two groups (`", "` between quoted letters is 4, `","_","` 7). */
export const MAX_SEPARATOR_RUN = 7;
const MAX_GROUP = 8;
/** Longest group joined when it or its neighbour looks random (one under the leak index's window). */
const MAX_RANDOM_GROUP = 11;
const MAX_SPELLED_GROUP = 2;
const MIN_GROUPS = 4;
/** Fewer groups make a region when they keep this many characters (two pieces of a value cut in halves). */
const MIN_LONG_KEPT = 12;

/**
 * Per UTF-16 code unit: 1 = kept in a group (letter, digit, ASCII symbol), 2 = separator, 3 = whitespace separator,
 * 0 = anything else.
 */
const CLASS = new Uint8Array(65536);
/** Per ASCII code: 1 = digit, 2 = lower-case letter, 4 = capital, 8 = symbol. */
const KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  KIND[c] = /[0-9]/.test(ch) ? 1 : /[a-z]/.test(ch) ? 2 : /[A-Z]/.test(ch) ? 4 : 0;
  if (/[A-Za-z0-9]/.test(ch)) CLASS[c] = 1;
  else if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') CLASS[c] = 3;
  else if (SEPARATOR_CHARS.includes(ch)) CLASS[c] = 2;
  else if (c > 0x20 && c < 0x7f) {
    CLASS[c] = 1;
    KIND[c] = 8;
  }
}
const NON_ASCII_SEPARATOR = /[\p{P}\p{S}]/u;
for (let c = 128; c < 65536; c++)
  if ((c >= 0xd800 && c <= 0xdfff) || NON_ASCII_SEPARATOR.test(String.fromCharCode(c))) CLASS[c] = 2;
/**
 * Per UTF-16 code unit, for the group loop (one load per character instead of a range check and two): KIND for a
 * letter, digit or ASCII symbol, 0 for anything else (every code unit beyond ASCII included).
 */
const GROUP_KIND = new Uint8Array(65536);
GROUP_KIND.set(KIND);

/** Whether a UTF-16 code unit is one a separated form may put between the pieces of a value (and `stripSeparators` drops). */
export function isSeparatorUnit(c: number): boolean {
  const k = CLASS[c] as number;
  return k === 2 || k === 3;
}

/** `value` without separator characters (the form a separated copy is compared with). */
export function stripSeparators(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (CLASS[c] === 2 || CLASS[c] === 3) continue;
    out += value[i];
  }
  return out;
}

/** Whether a region of `groups` groups keeping `kept` letters and digits is worth copying. */
function enough(groups: number, kept: number, minKept: number): boolean {
  return kept >= minKept && (groups >= MIN_GROUPS || (groups >= 2 && kept >= MIN_LONG_KEPT));
}

/**
 * [start, end) of every region of separated writing in `text` that keeps at least `minKept` letters and digits
 * (a region shorter than every form the caller looks for cannot hold one). One walk; the state is a few
 * numbers held in locals (no closure: captured variables would live on the heap and cost a load and a store
 * per group), and a region is only remembered once it has MIN_GROUPS groups.
 */
function regions(text: string, open = false, minKept = 0): number[] {
  const out: number[] = [];
  const n = text.length;
  const cls = CLASS;
  const kindOf = KIND;
  const groupKind = GROUP_KIND;
  let regionStart = -1;
  let groups = 0;
  /** Letters and digits in the groups of the current region. */
  let kept = 0;
  let lastGroupEnd = -1;
  let prevLen = 0;
  let prevRandom = false;
  let sepStart = -1;
  let sepSpacesOnly = true;
  let sepBreak = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 0;
    let k = cls[c] as number;
    if (k === 1) {
      // A group is the whole run of letters and digits, read in one tight loop.
      const groupStart = i;
      // Kinds of the characters after the first: a capital among them is an inner capital.
      let inner = 0;
      let j = i + 1;
      for (; j < n; j++) {
        const kind = groupKind[text.charCodeAt(j)] as number;
        if (kind === 0) break;
        inner |= kind;
      }
      const kinds = (kindOf[c] as number) | inner;
      const innerCapital = (inner & 4) !== 0;
      i = j;
      const len = i - groupStart;
      // A symbol alone makes no group look random: prose ends words with `!` and `?`.
      const random = innerCapital || ((kinds & 1) !== 0 && (kinds & 6) !== 0);
      if (len > MAX_RANDOM_GROUP || (len > MAX_GROUP && !random)) {
        if (enough(groups, kept, minKept)) out.push(regionStart, lastGroupEnd);
        groups = 0;
      } else {
        const eitherRandom = random || prevRandom;
        // Over a line break only a random-looking piece joins: a JSON log's `"}\n{"` must not join its lines.
        const joinable =
          eitherRandom ||
          (sepSpacesOnly
            ? len <= MAX_SPELLED_GROUP && prevLen <= MAX_SPELLED_GROUP
            : !sepBreak && len <= MAX_GROUP && prevLen <= MAX_GROUP);
        const joins = groups > 0 && sepStart >= 0 && groupStart - sepStart <= MAX_SEPARATOR_RUN && joinable;
        if (!joins) {
          if (enough(groups, kept, minKept)) out.push(regionStart, lastGroupEnd);
          groups = 0;
          kept = 0;
          regionStart = groupStart;
        }
        groups++;
        kept += len;
        lastGroupEnd = i;
        prevLen = len;
        prevRandom = random;
      }
      sepStart = -1;
      const e = i < n ? text.charCodeAt(i) : 0;
      k = cls[e] as number;
    }
    if (k === 0) {
      // In open mode the end of the text is no break: the region there may still reach MIN_GROUPS.
      if (open && i >= n) {
        if (groups > 0) out.push(regionStart, n);
        return out;
      }
      if (enough(groups, kept, minKept)) out.push(regionStart, lastGroupEnd);
      groups = 0;
      continue;
    }
    if (sepStart < 0) {
      sepStart = i;
      sepSpacesOnly = k === 3;
      sepBreak = c === 0x0a || c === 0x0d;
    } else if (k === 2) sepSpacesOnly = false;
    else if (c === 0x0a || c === 0x0d) sepBreak = true;
  }
  if (enough(groups, kept, minKept)) out.push(regionStart, lastGroupEnd);
  return out;
}

const UTF16 = new TextDecoder('utf-16le');

/**
 * The regions of separated writing in `text`, separators dropped; undefined when there is none. Built in one
 * allocation (the regions' total length bounds it) with one raw index per view character: every kept character
 * stands for itself, so its raw span is [index, index + 1). Parts are joined by NUL. Regions keeping fewer than
 * `minKept` letters and digits are left out (the caller's shortest form).
 */
export function separatedView(text: string, minKept = 0): DecodedView | undefined {
  return separatedViewOf(text, separatedRegions(text, minKept));
}

/** [start, end) of every region of separated writing that keeps at least `minKept` letters and digits, flat. */
export function separatedRegions(text: string, minKept = 0): number[] {
  return regions(text, false, minKept);
}

/**
 * Per ASCII code unit, what a copy of a region keeps: the letter or digit itself, 0 for a separator it drops, 0xffff
 * for anything else (which ends a region; beyond ASCII a matcher's key drops the unit, which only finds more). Read as
 * a matcher's key over a region, it finds every match the region's copy can hold without building the copy.
 */
export const SEPARATED_KEY = new Uint16Array(128).fill(0xffff);
for (let c = 0; c < 128; c++) if (CLASS[c] !== 0) SEPARATED_KEY[c] = CLASS[c] === 1 ? c : 0;

/** The copy of `found` (separatedRegions of `text`), separators dropped; undefined when there is none. */
export function separatedViewOf(text: string, found: readonly number[]): DecodedView | undefined {
  if (found.length === 0) return undefined;
  let size = 0;
  for (let r = 0; r < found.length; r += 2) size += (found[r + 1] as number) - (found[r] as number) + 1;
  const units = new Uint16Array(size);
  const raw = new Int32Array(size);
  let n = 0;
  for (let r = 0; r < found.length; r += 2) {
    const end = found[r + 1] as number;
    for (let i = found[r] as number; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 128 && CLASS[c] === 1) {
        units[n] = c;
        raw[n++] = i;
      }
    }
    if (n > 0 && units[n - 1] !== 0) {
      units[n] = 0;
      raw[n++] = end;
    }
  }
  if (n === 0) return undefined;
  const last = n - 1;
  return {
    text: UTF16.decode(units.subarray(0, n)),
    toRaw(start: number, end: number): [number, number] {
      const s = raw[Math.min(start, last)] as number;
      const at = Math.min(Math.max(end, start + 1), n) - 1;
      // A NUL stands for the break at the end of its region: an empty span there.
      const e = units[at] === 0 ? (raw[at] as number) : (raw[at] as number) + 1;
      return [s, Math.max(s, e)];
    },
  };
}

/**
 * For a stream: the region of separated writing still under way at the end of `text` (however few groups it has
 * yet, since later text may bring the rest), separators dropped and with no break after it; undefined when
 * the text does not end in one.
 */
export function openSeparatedTail(text: string): DecodedView | undefined {
  const found = regions(text, true);
  if (found.length < 2 || found[found.length - 1] !== text.length) return undefined;
  const out = new DecodedViewBuilder();
  for (let i = found[found.length - 2] as number; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && CLASS[c] === 1) out.add(c, i, i + 1);
  }
  return out.build();
}
