/**
 * L04 canonicaliser. Two outputs:
 *  - `canonicalise(text)`: what the model sees. NFKC, every invisible class stripped (zero-width,
 *    bidi controls, soft hyphen, BOM, word joiner, tags, other default-ignorables, C0/C1 controls
 *    except tab and line breaks), while emoji sequences — ZWJ sequences, VS15/VS16 presentation
 *    selectors, keycaps and subdivision flags (black flag + tag letters + cancel tag) — stay byte-identical.
 *  - `detectionView(text)`: what detectors see. Additionally folds compatibility forms, diacritics,
 *    confusables (homoglyph → skeleton), case and whitespace kinds; decodes ASCII tag characters so a
 *    payload smuggled in tags becomes visible to detectors; and maps every view offset back to the raw text.
 */
import {
  BLACK_FLAG, CANCEL_TAG, VS15, VS16, ZWJ, isAsciiTag, isBidiControl, isEmojiModifier, isFlagTag, isHan,
  isInvisible, isKeycapBase, isLineBreak, isPictographic, isWhitespace,
} from './invisible.js';
import { foldChar } from './fold.js';

export interface StripCounts {
  zeroWidth: number;
  bidi: number;
  tags: number;
  variationSelectors: number;
  other: number;
}

export interface Canonical {
  readonly text: string;
  readonly stripped: Readonly<StripCounts> & { readonly total: number };
}

const PLAIN_ASCII = /^[\t\n\r\x20-\x7e]*$/;
const MAX_FLAG_TAGS = 6;
const KEYCAP = 0x20e3;

const isRegionalIndicator = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;
const isZeroWidth = (cp: number) => (cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || cp === 0xfeff || cp === 0x180e;

/** Length of a valid subdivision-flag tag run starting at `i` (tags then cancel tag), or 0. */
function flagTagRunLength(text: string, i: number): number {
  let j = i;
  let n = 0;
  while (j < text.length) {
    const cp = text.codePointAt(j) ?? 0;
    if (cp === CANCEL_TAG) return n >= 2 && n <= MAX_FLAG_TAGS ? j + 2 - i : 0;
    if (!isFlagTag(cp) || ++n > MAX_FLAG_TAGS) return 0;
    j += 2;
  }
  return 0;
}

function countStripped(counts: StripCounts, cp: number): void {
  if (isBidiControl(cp)) counts.bidi++;
  else if (isZeroWidth(cp)) counts.zeroWidth++;
  else if (cp >= 0xe0000 && cp <= 0xe007f) counts.tags++;
  else if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) counts.variationSelectors++;
  else counts.other++;
}

const UTF16 = new TextDecoder('utf-16le');

export function canonicalise(raw: string): Canonical {
  const counts: StripCounts = { zeroWidth: 0, bidi: 0, tags: 0, variationSelectors: 0, other: 0 };
  if (PLAIN_ASCII.test(raw)) return { text: raw, stripped: { ...counts, total: 0 } };
  // Kept code units of the current NFKC run are collected in a typed buffer: no per-character strings.
  const buf = new Uint16Array(raw.length);
  let bn = 0;
  let out = '';
  let prev = -1; // last kept code point
  let prevWasSelector = false;
  const copy = (from: number, to: number) => {
    for (let k = from; k < to; k++) buf[bn++] = raw.charCodeAt(k);
  };
  const emitProtected = (from: number, to: number) => {
    if (bn > 0) out += UTF16.decode(buf.subarray(0, bn)).normalize('NFKC');
    bn = 0;
    out += raw.slice(from, to);
  };
  for (let i = 0; i < raw.length; ) {
    const cp = raw.codePointAt(i) ?? 0;
    if ((cp >= 0x20 && cp < 0x7f) || cp === 0x0a || cp === 0x0d || cp === 0x09) {
      let j = i + 1;
      while (j < raw.length) {
        const c = raw.charCodeAt(j);
        if (!((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09)) break;
        j++;
      }
      copy(i, j);
      prev = raw.charCodeAt(j - 1);
      prevWasSelector = false;
      i = j;
      continue;
    }
    const size = cp > 0xffff ? 2 : 1;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      buf[bn++] = 0xfffd; // lone surrogate
      prev = 0xfffd;
      prevWasSelector = false;
      i += 1;
      continue;
    }
    const next = i + size < raw.length ? (raw.codePointAt(i + size) ?? -1) : -1;
    if (cp === BLACK_FLAG) {
      const run = flagTagRunLength(raw, i + size);
      emitProtected(i, i + size + run);
      prev = cp;
      prevWasSelector = false;
      i += size + run;
      continue;
    }
    let kept = false;
    let protectedChar = false;
    if (cp === ZWJ) {
      kept = (isPictographic(prev) || isEmojiModifier(prev)) && isPictographic(next);
      protectedChar = kept;
    } else if (cp === VS15 || cp === VS16) {
      kept = !prevWasSelector && (isPictographic(prev) || (isKeycapBase(prev) && next === KEYCAP));
      protectedChar = kept;
    } else if (cp >= 0xe0100 && cp <= 0xe01ef) {
      kept = !prevWasSelector && isHan(prev);
      protectedChar = kept;
    } else if (!isInvisible(cp)) {
      kept = true;
      protectedChar = isPictographic(cp) || isEmojiModifier(cp) || isRegionalIndicator(cp) || (cp === KEYCAP && isKeycapBase(prev));
    }
    if (kept) {
      if (protectedChar) emitProtected(i, i + size);
      else copy(i, i + size);
      prevWasSelector = cp === VS15 || cp === VS16 || (cp >= 0xe0100 && cp <= 0xe01ef);
      if (!prevWasSelector) prev = cp;
    } else {
      countStripped(counts, cp);
    }
    i += size;
  }
  if (bn > 0) out += UTF16.decode(buf.subarray(0, bn)).normalize('NFKC');
  const total = counts.zeroWidth + counts.bidi + counts.tags + counts.variationSelectors + counts.other;
  return { text: out, stripped: { ...counts, total } };
}

/** The detection view of a text and the map from view offsets back to raw offsets. */
export interface DetectionView {
  readonly text: string;
  /** Raw [start, end) of the view span [start, end). */
  toOriginal(start: number, end: number): [number, number];
  /** Number of ASCII tag characters decoded into the view (a smuggling signal). */
  readonly decodedTags: number;
}

class IdentityView implements DetectionView {
  readonly decodedTags = 0;
  constructor(readonly text: string) {}
  toOriginal(start: number, end: number): [number, number] {
    return [start, end];
  }
}

class MappedView implements DetectionView {
  constructor(
    readonly text: string,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    readonly decodedTags: number,
    private readonly rawLength: number,
  ) {}
  toOriginal(start: number, end: number): [number, number] {
    if (this.text.length === 0) return [0, 0];
    const s = start >= this.text.length ? this.rawLength : (this.starts[start] ?? 0);
    const e = end <= 0 ? s : (this.ends[Math.min(end, this.text.length) - 1] ?? this.rawLength);
    return [s, Math.max(s, e)];
  }
}


export function detectionView(raw: string): DetectionView {
  if (PLAIN_ASCII.test(raw)) return new IdentityView(raw.toLowerCase());
  // View code units, and for each the raw [start, end) it came from, in growable typed arrays.
  let units = new Uint16Array(raw.length + 16);
  let starts = new Int32Array(raw.length + 16);
  let ends = new Int32Array(raw.length + 16);
  let n = 0;
  let decodedTags = 0;
  const reserve = (extra: number) => {
    if (n + extra <= units.length) return;
    const size = Math.max(units.length * 2, n + extra + 16);
    const u = new Uint16Array(size);
    u.set(units);
    units = u;
    const s = new Int32Array(size);
    s.set(starts);
    starts = s;
    const e = new Int32Array(size);
    e.set(ends);
    ends = e;
  };
  const put = (unit: number, from: number, to: number) => {
    units[n] = unit;
    starts[n] = from;
    ends[n] = to;
    n++;
  };
  for (let i = 0; i < raw.length; ) {
    const cp = raw.charCodeAt(i) < 0xd800 ? raw.charCodeAt(i) : (raw.codePointAt(i) ?? 0);
    if (cp >= 0x20 && cp < 0x7f) {
      reserve(1);
      put(cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp, i, i + 1);
      i++;
      continue;
    }
    const size = cp > 0xffff ? 2 : 1;
    if (isAsciiTag(cp)) {
      decodedTags++;
      const c = cp - 0xe0000;
      reserve(1);
      put(c >= 0x41 && c <= 0x5a ? c + 32 : c, i, i + size);
    } else if (isWhitespace(cp)) {
      reserve(1);
      put(isLineBreak(cp) ? 0x0a : 0x20, i, i + size);
    } else if (!isInvisible(cp)) {
      const f = foldChar(cp);
      reserve(f.length);
      for (let k = 0; k < f.length; k++) put(f.charCodeAt(k), i, i + size);
    }
    i += size;
  }
  const text = UTF16.decode(units.subarray(0, n));
  return new MappedView(text, starts.subarray(0, n), ends.subarray(0, n), decodedTags, raw.length);
}
