/**
 * The view the output guard's detectors read: canonicalised, then detected. Per character: NFKC,
 * invisible format characters removed, ASCII tag characters (U+E0020–E007E) decoded to the ASCII they
 * stand for (invisible to a reader, readable by a client; only the tags of a subdivision flag are dropped: 2 to 6
 * tag digits or letters then the cancel tag, right after U+1F3F4),
 * letter and digit homoglyphs folded to ASCII with their case kept, and escapes decoded: `%XX`, and the
 * escapes of JSON, JavaScript and Python string literals (`\n`, `\"`, `\\`, `\/`, `\xXX`, `\uXXXX`) of
 * printable ASCII, tab, CR and LF, and HTML character references (`&#47;`, `&#x2F;`, `&quot;`, `&amp;`).
 * So a PEM key inside a JSON string (a cloud service-account file, its newlines written `\n`) reads as
 * the key it is. The case is kept: secret formats and entropy are case-sensitive, so the lower-cased
 * detection view of L04 does not suit them. Each view offset maps
 * back to the raw text, so a secret split by zero-width characters, written in full-width forms, Cyrillic
 * look-alikes or escapes is redacted in the raw text it came from.
 */
import { flagTagRunLength, skeletonKeepCase } from '../text/index.js';

const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u;
const PLAIN = /^[\t\n\r\x20-\x7e]*$/;
/** An escape the view decodes (one escape is one view character). */
const ESCAPE =
  /%(?:[2-7][0-9a-fA-F]|0[9aAdD])|\\(?:u00[0-7][0-9a-fA-F]|x[0-7][0-9a-fA-F]|[nrt"'\\/])|&(?:#[0-9]{1,3}|#[xX][0-9a-fA-F]{1,2}|quot|amp|lt|gt|apos);/;
const BLACK_FLAG = 0x1f3f4;

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

/** Printable ASCII, tab, LF and CR: what an escape may decode to. */
const decodable = (v: number): boolean => (v >= 0x20 && v < 0x7f) || v === 0x09 || v === 0x0a || v === 0x0d;

const NAMED: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', "'": "'", '\\': '\\', '/': '/' };

/** HTML character references: a secret pasted into a page or a template reads `&#x2F;` for `/`, `&quot;` for `"`. */
const HTML_NAMED: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
const HTML_REF = /&(?:#([0-9]{1,3})|#[xX]([0-9a-fA-F]{1,2})|(quot|amp|lt|gt|apos));/y;

function htmlReferenceAt(raw: string, i: number): [string, number] | undefined {
  HTML_REF.lastIndex = i;
  const m = HTML_REF.exec(raw);
  if (!m) return undefined;
  if (m[3]) return [HTML_NAMED[m[3]] as string, m[0].length];
  const v = m[1] !== undefined ? parseInt(m[1], 10) : parseInt(m[2] ?? '', 16);
  return decodable(v) ? [String.fromCharCode(v), m[0].length] : undefined;
}

/** The character an escape at `i` stands for, and the escape's length. */
function escapeAt(raw: string, i: number): [string, number] | undefined {
  const c = raw.charCodeAt(i);
  if (c === 0x26) return htmlReferenceAt(raw, i);
  if (c === 0x25) {
    const v = hexAt(raw, i + 1, 2);
    return decodable(v) ? [String.fromCharCode(v), 3] : undefined;
  }
  if (c !== 0x5c) return undefined;
  const kind = raw[i + 1] ?? '';
  if (kind === 'u' || kind === 'x') {
    const n = kind === 'u' ? 4 : 2;
    const v = hexAt(raw, i + 2, n);
    return decodable(v) ? [String.fromCharCode(v), n + 2] : undefined;
  }
  const named = NAMED[kind];
  return named === undefined ? undefined : [named, 2];
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

/** True when every character is its own view (ASCII, or BMP text that NFKC and folding leave alone: most scripts). */
function selfViewed(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const u = raw.charCodeAt(i);
    if (u < 0x80) continue;
    if (u >= 0xd800 && u <= 0xdfff) return false;
    const v = viewOf(u);
    if (v.length !== 1 || v.charCodeAt(0) !== u) return false;
  }
  return true;
}

export function secretView(raw: string): SecretView {
  if (!ESCAPE.test(raw) && (PLAIN.test(raw) || selfViewed(raw))) return new IdentityView(raw);
  // Runs of plain ASCII are copied as slices; only the maps are written per character.
  const parts: string[] = [];
  let starts = new Int32Array(raw.length + 16);
  let ends = new Int32Array(raw.length + 16);
  let n = 0;
  let run = 0;
  const room = (k: number) => {
    if (n + k <= starts.length) return;
    const size = Math.max(starts.length * 2, n + k);
    const s2 = new Int32Array(size);
    const e2 = new Int32Array(size);
    s2.set(starts.subarray(0, n));
    e2.set(ends.subarray(0, n));
    starts = s2;
    ends = e2;
  };
  const flush = (to: number) => {
    if (to > run) parts.push(raw.slice(run, to));
  };
  const put = (v: string, from: number, to: number) => {
    room(v.length);
    parts.push(v);
    for (let k = 0; k < v.length; k++, n++) {
      starts[n] = from;
      ends[n] = to;
    }
  };
  let i = 0;
  while (i < raw.length) {
    const unit = raw.charCodeAt(i);
    if (unit < 0x80 && unit !== 0x25 && unit !== 0x5c && unit !== 0x26) {
      room(1);
      starts[n] = i;
      ends[n] = i + 1;
      n++;
      i++;
      continue;
    }
    flush(i);
    const cp = raw.codePointAt(i) ?? 0;
    const esc = cp === 0x25 || cp === 0x5c || cp === 0x26 ? escapeAt(raw, i) : undefined;
    let size = cp > 0xffff ? 2 : 1;
    if (esc) {
      put(esc[0], i, i + esc[1]);
      size = esc[1];
    } else if (cp >= 0xe0000 && cp <= 0xe007f) {
      if (cp >= 0xe0020 && cp <= 0xe007e) put(String.fromCharCode(cp - 0xe0000), i, i + size);
    } else {
      const v = viewOf(cp);
      if (v.length > 0) put(v, i, i + size);
      // A subdivision flag's tags are part of the emoji, not text; any other tag after a flag is decoded.
      if (cp === BLACK_FLAG) size += flagTagRunLength(raw, i + size);
    }
    i += size;
    run = i;
  }
  flush(raw.length);
  return new MappedView(parts.join(''), starts.subarray(0, n), ends.subarray(0, n), raw.length);
}
