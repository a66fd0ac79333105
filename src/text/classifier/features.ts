/**
 * Features of the input classifier: word unigrams and bigrams of the (typo-corrected, lower-case)
 * detection view, hashed into 2^18 buckets in one pass without building substrings. Words are runs of
 * ASCII letters/digits/apostrophes and of non-ASCII characters other than spaces and punctuation.
 * No strings are stored, only bucket weights.
 */
export const FEATURE_BITS = 18;
const MASK = (1 << FEATURE_BITS) - 1;
export const MAX_FEATURE_TOKENS = 4000;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function isWordUnit(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x27 || (c >= 0x41 && c <= 0x5a);
  return !(
    c <= 0xbf ||
    (c >= 0x2000 && c <= 0x206f) ||
    (c >= 0x3000 && c <= 0x303f) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff0f)
  );
}

/** Distinct hashed feature indexes of a text (bias excluded). */
export function featuresOf(view: string): number[] {
  const out = new Set<number>();
  let h = FNV_OFFSET;
  let inWord = false;
  let prev = -1;
  let tokens = 0;
  for (let i = 0; i <= view.length && tokens < MAX_FEATURE_TOKENS; i++) {
    const c = i < view.length ? view.charCodeAt(i) : 0x20;
    if (isWordUnit(c)) {
      h = Math.imul(h ^ c, FNV_PRIME);
      inWord = true;
      continue;
    }
    if (!inWord) continue;
    const word = h >>> 0;
    out.add(word & MASK);
    if (prev >= 0) out.add(((Math.imul(prev ^ 0x2f6b3c1d, 0x9e3779b1) ^ word) >>> 0) & MASK);
    prev = word;
    h = FNV_OFFSET;
    inWord = false;
    tokens++;
  }
  return [...out];
}
