/**
 * Per-character folding for the detection view: compatibility decomposition, diacritics removed,
 * homoglyphs mapped to their Latin/digit skeleton (Unicode confusables, see data/confusables.json),
 * lower case. Results are cached per code point.
 */
import confusables from './data/confusables.json' with { type: 'json' };

const CONFUSABLES = new Map<string, string>(Object.entries(confusables as Record<string, string>));
const MARKS = /\p{M}/gu;
/** BMP folds are memoised in a flat array; astral ones in a bounded map. */
const bmp: Array<string | undefined> = new Array<string | undefined>(0x10000);
const astral = new Map<number, string>();
const MAX_ASTRAL = 20_000;

function computeFold(cp: number): string {
  const original = String.fromCodePoint(cp);
  const lower = original.toLowerCase();
  const direct = CONFUSABLES.get(original);
  // The Unicode skeleton of capital I is "l": a capital look-alike with that skeleton is an I.
  if (direct !== undefined) return direct === 'l' && original !== lower ? 'i' : direct.toLowerCase();
  const decomposed = lower.normalize('NFKD').replace(MARKS, '');
  let out = '';
  for (const ch of decomposed) {
    out += ch.charCodeAt(0) < 0x80 ? ch : (CONFUSABLES.get(ch)?.toLowerCase() ?? ch);
  }
  return out.toLowerCase();
}

export function foldChar(cp: number): string {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : String.fromCharCode(cp);
  if (cp < 0x10000) {
    let v = bmp[cp];
    if (v === undefined) {
      v = computeFold(cp);
      bmp[cp] = v;
    }
    return v;
  }
  let v = astral.get(cp);
  if (v === undefined) {
    v = computeFold(cp);
    if (astral.size < MAX_ASTRAL) astral.set(cp, v);
  }
  return v;
}

/**
 * Case-keeping homoglyph fold of one code point for the secret view: a letter or digit look-alike from
 * another script (Cyrillic С, Greek ο, …) becomes the ASCII letter or digit it imitates, in its own case;
 * anything else is returned unchanged. Unlike foldChar there is no lower-casing and no diacritic removal,
 * so case-sensitive secrets keep their shape. ASCII is never changed.
 */
export function skeletonKeepCase(ch: string): string {
  if (ch.length === 0 || ch.charCodeAt(0) < 0x80) return ch;
  const lower = ch.toLowerCase();
  const upper = lower !== ch;
  let s = CONFUSABLES.get(ch);
  if (s === undefined && upper) s = CONFUSABLES.get(lower)?.toUpperCase();
  if (s === undefined || !/^[A-Za-z0-9]$/.test(s)) return ch;
  // The Unicode skeleton of capital I is "l": a capital look-alike with that skeleton is an I.
  return (s === 'l' || s === 'L') && upper ? 'I' : s;
}
