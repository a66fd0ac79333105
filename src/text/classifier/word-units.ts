/** What the L01 classifier counts as a word and how it hashes one (shared by features.ts and concepts.ts). */

export const WORD_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** A word unit: ASCII letters/digits/apostrophe, or a non-ASCII character other than spaces and punctuation. */
export function isWordUnit(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x27 || (c >= 0x41 && c <= 0x5a);
  return !(
    c <= 0xbf ||
    (c >= 0x2000 && c <= 0x206f) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff0f)
  );
}

/** Folds a word unit as the feature pass reads it (digits as 0, ASCII upper case as lower case). */
export function foldUnit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return 0x30;
  if (c >= 0x41 && c <= 0x5a) return c + 32;
  return c;
}

/** Adds one word unit to a running word hash (FNV-1a over folded units). */
export function hashWordUnit(h: number, c: number): number {
  return Math.imul(h ^ foldUnit(c), FNV_PRIME);
}
