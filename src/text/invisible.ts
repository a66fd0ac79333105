/**
 * Character classes of L04: what is invisible (stripped), what is whitespace (folded), and the few
 * invisible code points that are legitimate inside emoji sequences (ZWJ, VS15/VS16, flag tags).
 * Ranges follow Unicode 17 Default_Ignorable_Code_Point, Bidi_Control, Cf and noncharacters.
 */

/** Default-ignorable code points and other invisible format characters, as [start, end] ranges. */
const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x0008],
  [0x000b, 0x000c],
  [0x000e, 0x001f],
  [0x007f, 0x0084],
  [0x0086, 0x009f],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfffb],
  [0xfdd0, 0xfdef],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
];

const invisibleTable = new Uint8Array(0x10000);
for (const [a, b] of INVISIBLE_RANGES) for (let c = a; c <= Math.min(b, 0xffff); c++) invisibleTable[c] = 1;

export function isInvisible(cp: number): boolean {
  if (cp < 0x10000) return invisibleTable[cp] === 1;
  if ((cp & 0xfffe) === 0xfffe) return true; // noncharacters U+xFFFE/xFFFF in every plane
  return (cp >= 0x1bca0 && cp <= 0x1bca3) || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0000 && cp <= 0xe0fff);
}

/** Bidi controls: the Trojan Source set (embeddings, overrides, isolates, marks). */
export function isBidiControl(cp: number): boolean {
  return (
    cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)
  );
}

export const ZWJ = 0x200d;
export const VS15 = 0xfe0e;
export const VS16 = 0xfe0f;
export const CANCEL_TAG = 0xe007f;
export const BLACK_FLAG = 0x1f3f4;

/** Tag characters that encode printable ASCII (U+E0020–U+E007E). */
export function isAsciiTag(cp: number): boolean {
  return cp >= 0xe0020 && cp <= 0xe007e;
}

/** Tags allowed in a subdivision flag: tag digits and tag lowercase letters. */
export function isFlagTag(cp: number): boolean {
  return (cp >= 0xe0030 && cp <= 0xe0039) || (cp >= 0xe0061 && cp <= 0xe007a);
}

const MAX_FLAG_TAGS = 6;

/**
 * Length in UTF-16 units of a valid subdivision-flag tag run starting at `i` (2 to 6 tag digits or lower-case tag
 * letters, then the cancel tag), or 0. Only such a run belongs to a black flag before it; any other tag is text.
 */
export function flagTagRunLength(text: string, i: number): number {
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

/** Line breaks that are folded to "\n"; every other White_Space becomes " ". */
export function isLineBreak(cp: number): boolean {
  return cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
}

export function isWhitespace(cp: number): boolean {
  return (
    cp === 0x20 ||
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

const EXT_PICT = /\p{Extended_Pictographic}/u;
const EMOJI_MOD = /\p{Emoji_Modifier}/u;
const HAN = /\p{Script=Han}/u;
/** BMP table built on first use: 1 = Extended_Pictographic. Astral code points use a small cache. */
let pictTable: Uint8Array | undefined;
const astralPict = new Map<number, boolean>();

function buildPictTable(): Uint8Array {
  const t = new Uint8Array(0x10000);
  for (let cp = 0xa9; cp < 0x10000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (EXT_PICT.test(String.fromCharCode(cp))) t[cp] = 1;
  }
  return t;
}

export function isPictographic(cp: number): boolean {
  if (cp < 0xa9) return false;
  if (cp < 0x10000) {
    pictTable ??= buildPictTable();
    return pictTable[cp] === 1;
  }
  let v = astralPict.get(cp);
  if (v === undefined) {
    v = EXT_PICT.test(String.fromCodePoint(cp));
    if (astralPict.size < 10_000) astralPict.set(cp, v);
  }
  return v;
}

export function isEmojiModifier(cp: number): boolean {
  return cp >= 0x1f3fb && cp <= 0x1f3ff && EMOJI_MOD.test(String.fromCodePoint(cp));
}

export function isKeycapBase(cp: number): boolean {
  return cp === 0x23 || cp === 0x2a || (cp >= 0x30 && cp <= 0x39);
}

export function isHan(cp: number): boolean {
  return cp >= 0x2e80 && HAN.test(String.fromCodePoint(cp));
}
