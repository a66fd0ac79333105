/**
 * Features of the input classifier: lower-case word unigrams and bigrams of the (typo-corrected)
 * detection view, hashed into 2^18 buckets. No strings are stored, only bucket weights.
 */
export const FEATURE_BITS = 18;
const MASK = (1 << FEATURE_BITS) - 1;
const WORD = /[\p{L}\p{N}']{1,40}/gu;
export const MAX_FEATURE_TOKENS = 4000;

function hash(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & MASK;
}

/** Distinct hashed feature indexes of a text (bias excluded). */
export function featuresOf(view: string): number[] {
  const out = new Set<number>();
  let prev = '';
  let n = 0;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(view); m && n < MAX_FEATURE_TOKENS; m = WORD.exec(view), n++) {
    const w = m[0];
    out.add(hash(w, 0x811c9dc5));
    if (prev) out.add(hash(`${prev} ${w}`, 0x2f6b3c1d));
    prev = w;
  }
  return [...out];
}
