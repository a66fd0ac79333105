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
  BLACK_FLAG,
  VS15,
  VS16,
  ZWJ,
  isAsciiTag,
  isBidiControl,
  isEmojiModifier,
  flagTagRunLength,
  isHan,
  isInvisible,
  isKeycapBase,
  isLineBreak,
  isPictographic,
  isWhitespace,
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
const KEYCAP = 0x20e3;

const isRegionalIndicator = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;
const isZeroWidth = (cp: number) => (cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || cp === 0xfeff || cp === 0x180e;

function countStripped(counts: StripCounts, cp: number): void {
  if (isBidiControl(cp)) counts.bidi++;
  else if (isZeroWidth(cp)) counts.zeroWidth++;
  else if (cp >= 0xe0000 && cp <= 0xe007f) counts.tags++;
  else if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) counts.variationSelectors++;
  else counts.other++;
}

const UTF16 = new TextDecoder('utf-16le');

/**
 * Per-BMP-code-unit class for canonicalise(), built on first non-ASCII input: KEEP (kept as is, no
 * emoji role), a strip class naming its counter, or SLOW (surrogates, ZWJ, VS15/VS16, pictographs,
 * keycap: the context-dependent cases handled by the full logic).
 */
const KEEP = 0;
const SLOW = 1;
const STRIP_ZERO_WIDTH = 2;
const STRIP_BIDI = 3;
const STRIP_SELECTOR = 4;
const STRIP_OTHER = 5;
let canonClass: Uint8Array | undefined;

function buildCanonClass(): Uint8Array {
  const t = new Uint8Array(0x10000);
  for (let cp = 0; cp < 0x10000; cp++) {
    if (
      (cp >= 0xd800 && cp <= 0xdfff) ||
      cp === ZWJ ||
      cp === VS15 ||
      cp === VS16 ||
      cp === KEYCAP ||
      isPictographic(cp)
    )
      t[cp] = SLOW;
    else if (!isInvisible(cp)) t[cp] = KEEP;
    else if (isBidiControl(cp)) t[cp] = STRIP_BIDI;
    else if (isZeroWidth(cp)) t[cp] = STRIP_ZERO_WIDTH;
    else if (cp >= 0xfe00 && cp <= 0xfe0f) t[cp] = STRIP_SELECTOR;
    else t[cp] = STRIP_OTHER;
  }
  return t;
}

export function canonicalise(raw: string): Canonical {
  const counts: StripCounts = { zeroWidth: 0, bidi: 0, tags: 0, variationSelectors: 0, other: 0 };
  if (PLAIN_ASCII.test(raw)) return { text: raw, stripped: { ...counts, total: 0 } };
  const cls = (canonClass ??= buildCanonClass());
  // Common case (accented, CJK, homoglyph text): nothing to strip or protect, so the text is its own NFKC input.
  let plain = 0;
  while (plain < raw.length && cls[raw.charCodeAt(plain)] === KEEP) plain++;
  if (plain === raw.length) return { text: raw.normalize('NFKC'), stripped: { ...counts, total: 0 } };
  // Kept code units of the current NFKC run are collected in a typed buffer: no per-character strings.
  const buf = new Uint16Array(raw.length);
  for (let k = 0; k < plain; k++) buf[k] = raw.charCodeAt(k);
  let bn = plain;
  let out = '';
  let prev = plain > 0 ? raw.charCodeAt(plain - 1) : -1; // last kept code point
  let prevWasSelector = false;
  const n = raw.length;
  for (let i = plain; i < n;) {
    const unit = raw.charCodeAt(i);
    const k = cls[unit];
    if (k === KEEP) {
      buf[bn++] = unit;
      prev = unit;
      prevWasSelector = false;
      i++;
      continue;
    }
    if (unit === 0xdb40 && i + 1 < n) {
      // U+E0000-E007F (tags): outside a flag run (handled at the black flag) they are always stripped.
      const low = raw.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdc7f) {
        counts.tags++;
        i += 2;
        continue;
      }
    }
    if (k !== SLOW) {
      if (k === STRIP_ZERO_WIDTH) counts.zeroWidth++;
      else if (k === STRIP_BIDI) counts.bidi++;
      else if (k === STRIP_SELECTOR) counts.variationSelectors++;
      else counts.other++;
      i++;
      continue;
    }
    const cp = raw.codePointAt(i) ?? 0;
    const size = cp > 0xffff ? 2 : 1;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      buf[bn++] = 0xfffd; // lone surrogate
      prev = 0xfffd;
      prevWasSelector = false;
      i += 1;
      continue;
    }
    const next = i + size < n ? (raw.codePointAt(i + size) ?? -1) : -1;
    if (cp === BLACK_FLAG) {
      const run = flagTagRunLength(raw, i + size);
      if (bn > 0) out += UTF16.decode(buf.subarray(0, bn)).normalize('NFKC');
      bn = 0;
      out += raw.slice(i, i + size + run);
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
      protectedChar =
        isPictographic(cp) || isEmojiModifier(cp) || isRegionalIndicator(cp) || (cp === KEYCAP && isKeycapBase(prev));
    }
    if (kept) {
      if (protectedChar) {
        // Emoji parts bypass NFKC so that sequences stay byte-identical.
        if (bn > 0) out += UTF16.decode(buf.subarray(0, bn)).normalize('NFKC');
        bn = 0;
        out += raw.slice(i, i + size);
      } else {
        buf[bn++] = unit;
        if (size === 2) buf[bn++] = raw.charCodeAt(i + 1);
      }
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

/**
 * Lazily filled per-BMP-code-unit result of the detection-view fold: 0 = not computed yet, DROP,
 * MULTI (folds to several units: slow path), or the single folded unit + UNIT_BASE. Surrogates always
 * take the slow path.
 */
const VIEW_DROP = 1;
const VIEW_MULTI = 2;
const UNIT_BASE = 16;
const viewFold = new Int32Array(0x10000);

function viewFoldOf(cp: number): number {
  let f: string;
  if (isWhitespace(cp)) f = isLineBreak(cp) ? '\n' : ' ';
  else if (isInvisible(cp)) f = '';
  else f = foldChar(cp);
  return f.length === 0 ? VIEW_DROP : f.length === 1 ? f.charCodeAt(0) + UNIT_BASE : VIEW_MULTI;
}

/**
 * Growable view buffers: view code units and, for each, the raw [start, end) it came from. While every
 * unit k so far came from raw [k, k + 1) (no drop, no expansion, no surrogate pair: homoglyph and accented
 * text) the offset arrays are not written; they are built the first time a unit breaks that.
 */
class ViewBuffer {
  units: Uint16Array;
  starts: Int32Array | undefined;
  ends: Int32Array | undefined;
  n = 0;
  constructor(size: number) {
    this.units = new Uint16Array(size);
  }
  put(unit: number, from: number, to: number): void {
    if (this.n === this.units.length) this.grow();
    const n = this.n;
    this.units[n] = unit;
    if (this.starts === undefined && from === n && to === n + 1) {
      this.n = n + 1;
      return;
    }
    const starts = this.starts ?? this.offsetsSoFar();
    starts[n] = from;
    (this.ends as Int32Array)[n] = to;
    this.n = n + 1;
  }
  /** Builds the identity offsets of the units so far and returns the starts array. */
  private offsetsSoFar(): Int32Array {
    const starts = new Int32Array(this.units.length);
    const ends = new Int32Array(this.units.length);
    for (let k = 0; k < this.n; k++) {
      starts[k] = k;
      ends[k] = k + 1;
    }
    this.starts = starts;
    this.ends = ends;
    return starts;
  }
  private grow(): void {
    const size = this.units.length * 2 + 16;
    const u = new Uint16Array(size);
    u.set(this.units);
    this.units = u;
    if (this.starts === undefined || this.ends === undefined) return;
    const s = new Int32Array(size);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(size);
    e.set(this.ends);
    this.ends = e;
  }
}
/** A MappedView whose unit k came from raw [k, k + 1), without the arrays: same answers for every argument. */
class UnitMappedView implements DetectionView {
  constructor(
    readonly text: string,
    readonly decodedTags: number,
    private readonly rawLength: number,
  ) {}
  toOriginal(start: number, end: number): [number, number] {
    const len = this.text.length;
    if (len === 0) return [0, 0];
    const isUnit = (k: number) => Number.isInteger(k) && k >= 0 && k < len;
    const s = start >= len ? this.rawLength : isUnit(start) ? start + 0 : 0; // + 0: never -0
    const last = Math.min(end, len) - 1;
    const e = end <= 0 ? s : isUnit(last) ? last + 1 : this.rawLength;
    return [s, Math.max(s, e)];
  }
}

export function detectionView(raw: string): DetectionView {
  if (PLAIN_ASCII.test(raw)) return new IdentityView(raw.toLowerCase());
  const out = new ViewBuffer(raw.length + 16);
  let decodedTags = 0;
  const len = raw.length;
  for (let i = 0; i < len;) {
    const unit = raw.charCodeAt(i);
    if (unit >= 0x20 && unit < 0x7f) {
      out.put(unit >= 0x41 && unit <= 0x5a ? unit + 32 : unit, i, i + 1);
      i++;
      continue;
    }
    if (unit < 0xd800 || unit > 0xdfff) {
      let v = viewFold[unit] as number;
      if (v === 0) viewFold[unit] = v = viewFoldOf(unit);
      if (v >= UNIT_BASE) out.put(v - UNIT_BASE, i, i + 1);
      else if (v === VIEW_MULTI) {
        const f = foldChar(unit);
        for (let k = 0; k < f.length; k++) out.put(f.charCodeAt(k), i, i + 1);
      }
      i++;
      continue;
    }
    if (unit === 0xdb40 && i + 1 < len) {
      const low = raw.charCodeAt(i + 1);
      if (low >= 0xdc20 && low <= 0xdc7e) {
        // ASCII tag character: decoded into the view (the common smuggling case, kept off the generic path).
        decodedTags++;
        const c = low - 0xdc00;
        out.put(c >= 0x41 && c <= 0x5a ? c + 32 : c, i, i + 2);
        i += 2;
        continue;
      }
    }
    const cp = raw.codePointAt(i) ?? 0;
    const size = cp > 0xffff ? 2 : 1;
    if (isAsciiTag(cp)) {
      decodedTags++;
      const c = cp - 0xe0000;
      out.put(c >= 0x41 && c <= 0x5a ? c + 32 : c, i, i + size);
    } else if (isWhitespace(cp)) {
      out.put(isLineBreak(cp) ? 0x0a : 0x20, i, i + size);
    } else if (!isInvisible(cp)) {
      const f = foldChar(cp);
      for (let k = 0; k < f.length; k++) out.put(f.charCodeAt(k), i, i + size);
    }
    i += size;
  }
  const n = out.n;
  const text = UTF16.decode(out.units.subarray(0, n));
  if (out.starts === undefined || out.ends === undefined) return new UnitMappedView(text, decodedTags, raw.length);
  return new MappedView(text, out.starts.subarray(0, n), out.ends.subarray(0, n), decodedTags, raw.length);
}
