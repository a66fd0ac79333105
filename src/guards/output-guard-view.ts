/**
 * The view the output guard's detectors read: canonicalised, then detected. Per character: NFKC,
 * invisible format characters removed, ASCII tag characters (U+E0020–E007E) decoded to the ASCII they
 * stand for (invisible to a reader, readable by a client; the tags of a subdivision flag are dropped),
 * letter and digit homoglyphs folded to ASCII with their case kept, and the escapes `%XX` and `\uXXXX`
 * of printable ASCII decoded. The case is kept: secret formats and entropy are case-sensitive, so the
 * lower-cased detection view of L04 does not suit them. Each view offset maps back to the raw text, so
 * a secret split by zero-width characters, written in full-width forms, Cyrillic look-alikes or
 * percent escapes is redacted in the raw text it came from.
 */
import { skeletonKeepCase } from '../text/fold.js';

const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u;
const PLAIN = /^[\t\n\r\x20-\x7e]*$/;
/** An escape the view decodes (printable ASCII only, so one escape is one view character). */
const ESCAPE = /%[2-7][0-9a-fA-F]|\\u00[2-7][0-9a-fA-F]/;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

export interface SecretView {
  readonly text: string;
  /** Raw [start, end) of the view span [start, end). */
  toRaw(start: number, end: number): [number, number];
}

class IdentityView implements SecretView {
  constructor(readonly text: string) {}
  toRaw(start: number, end: number): [number, number] {
    return [start, end];
  }
}

class MappedView implements SecretView {
  constructor(
    readonly text: string,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    private readonly rawLength: number,
  ) {}
  toRaw(start: number, end: number): [number, number] {
    if (start >= this.text.length) return [this.rawLength, this.rawLength];
    const s = this.starts[start] ?? this.rawLength;
    const e = end <= start ? s : (this.ends[Math.min(end, this.text.length) - 1] ?? this.rawLength);
    return [s, Math.max(s, e)];
  }
}

const hexAt = (raw: string, i: number, n: number): number => {
  const h = raw.slice(i, i + n);
  return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : -1;
};

/** The printable ASCII character a `%XX` or `\u00XX` escape at `i` stands for, and the escape's length. */
function escapeAt(raw: string, i: number): [string, number] | undefined {
  const c = raw.charCodeAt(i);
  if (c === 0x25) {
    const v = hexAt(raw, i + 1, 2);
    return v >= 0x20 && v < 0x7f ? [String.fromCharCode(v), 3] : undefined;
  }
  if (c === 0x5c && raw.charCodeAt(i + 1) === 0x75) {
    const v = hexAt(raw, i + 2, 4);
    return v >= 0x20 && v < 0x7f ? [String.fromCharCode(v), 6] : undefined;
  }
  return undefined;
}

/** What one code point becomes in the view ('' when dropped); BMP results are memoised. */
const bmpView: Array<string | undefined> = new Array<string | undefined>(0x10000);

function viewOf(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  const known = cp < 0x10000 ? bmpView[cp] : undefined;
  if (known !== undefined) return known;
  const ch = String.fromCodePoint(cp);
  let v = '';
  if (!INVISIBLE.test(ch)) {
    const n = ch.normalize('NFKC');
    v = n.length === 1 ? skeletonKeepCase(n) : n;
  }
  if (cp < 0x10000) bmpView[cp] = v;
  return v;
}

export function secretView(raw: string): SecretView {
  if (PLAIN.test(raw) && !ESCAPE.test(raw)) return new IdentityView(raw);
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const put = (n: string, from: number, to: number) => {
    text += n;
    for (let k = 0; k < n.length; k++) {
      starts.push(from);
      ends.push(to);
    }
  };
  let inFlag = false;
  for (let i = 0; i < raw.length;) {
    const cp = raw.codePointAt(i) ?? 0;
    if (cp === 0x25 || cp === 0x5c) {
      const esc = escapeAt(raw, i);
      if (esc) {
        put(esc[0], i, i + esc[1]);
        inFlag = false;
        i += esc[1];
        continue;
      }
    }
    const size = cp > 0xffff ? 2 : 1;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      if (cp === CANCEL_TAG) inFlag = false;
      else if (!inFlag && cp >= 0xe0020 && cp <= 0xe007e) put(String.fromCharCode(cp - 0xe0000), i, i + size);
      i += size;
      continue;
    }
    inFlag = cp === BLACK_FLAG;
    const n = viewOf(cp);
    if (n.length > 0) put(n, i, i + size);
    i += size;
  }
  return new MappedView(text, Int32Array.from(starts), Int32Array.from(ends), raw.length);
}
