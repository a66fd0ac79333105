/**
 * Features of the L01 classifier, hashed into 2^FEATURE_BITS buckets without building substrings:
 *  - lexical: word unigrams and bigrams and character 3/4/5-grams of the detection view (lower case, look-alikes
 *    and diacritics folded), digits read as 0 and every run of non-word characters as one space. Character
 *    n-grams carry across languages, inflections and spelling; words carry phrasing. Their total weight is
 *    divided by the square root of their number, so a long document does not add up many small weights.
 *  - shape: a few document-shape signals (structure.ts), the pattern families the scanner found, and the
 *    cross-language concepts of the text and the pairs of them found close together (concepts.ts), where they
 *    stand (addressing.ts), and the concepts and pattern families crossed with the document kind (structure.ts),
 *    as indicator features with full weight.
 * The same function serves training (scripts/l01/) and inference (model.ts): only bucket weights are stored.
 */
import { shapeKind, shapeSignals } from './structure.js';
import { AddressTracker } from './addressing.js';
import { isWordUnit } from './word-units.js';
import { ConceptCollector, conceptOfWords, unspacedConceptsAt } from './concepts.js';

export const FEATURE_BITS = 20;
const MASK = (1 << FEATURE_BITS) - 1;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 0x20;
const SEED_WORD = 0x1b873593;
const SEED_BIGRAM = 0x2f6b3c1d;
const SEED_CHAR = [0, 0, 0, 0x68e31da4, 0x3c6ef372, 0x7f4a7c15] as const;
const SEED_SHAPE = 0x5bd1e995;

/** Receives each distinct bucket once: `lexical` tells whether it is a scaled lexical feature. */
export type FeatureVisitor = (bucket: number, lexical: boolean) => void;

let stamp = new Uint32Array(1 << FEATURE_BITS);
let generation = 0;

function nextGeneration(): number {
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    stamp = new Uint32Array(1 << FEATURE_BITS);
    generation = 1;
  }
  return generation;
}

/** Hash of a short string, for the named shape features. */
export function bucketOf(name: string): number {
  let h = SEED_SHAPE;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), FNV_PRIME);
  return (h >>> 0) & MASK;
}

/**
 * Visits every distinct feature of `view[from, to)` plus the named `extra` shape features, and returns
 * the number of distinct lexical features (the scale of their weights is 1/sqrt of it).
 */
export function visitFeatures(
  view: string,
  from: number,
  to: number,
  extra: readonly string[],
  visit: FeatureVisitor,
): number {
  const gen = nextGeneration();
  let lexical = 0;
  const emit = (h: number, isLexical: boolean) => {
    const b = (h >>> 0) & MASK;
    if (stamp[b] === gen) return;
    stamp[b] = gen;
    if (isLexical) lexical++;
    visit(b, isLexical);
  };
  // Character stream: word units (digits as '0'), runs of anything else as one space. c1..c4 are the last four.
  let c1 = SPACE;
  let c2 = SPACE;
  let c3 = SPACE;
  let c4 = SPACE;
  let word = FNV_OFFSET;
  let inWord = false;
  let prevWord = -1;
  let prevWord2 = -1;
  const concepts = new ConceptCollector();
  const address = new AddressTracker();
  const found = (k: number) => {
    concepts.found(k);
    address.concept(k);
  };
  const foundUnspaced = (k: number) => {
    concepts.found(k);
    address.concept(k, true);
  };
  for (let i = from; i <= to; i++) {
    let c = i < to ? view.charCodeAt(i) : SPACE;
    const raw = c;
    if (c >= 0x0e00 && i < to) unspacedConceptsAt(view, i, c, foundUnspaced);
    if (isWordUnit(c)) {
      if (i < to) address.char(raw);
      if (c >= 0x30 && c <= 0x39) c = 0x30;
      else if (c >= 0x41 && c <= 0x5a) c += 32;
      word = Math.imul(word ^ c, FNV_PRIME);
      inWord = true;
    } else {
      if (c1 === SPACE) {
        if (i < to) address.char(raw);
        continue; // collapse runs of separators
      }
      c = SPACE;
      if (inWord) {
        const w = word >>> 0;
        address.word(w);
        emit(Math.imul(w ^ SEED_WORD, 0x9e3779b1), true);
        if (prevWord >= 0) emit(Math.imul(prevWord ^ SEED_BIGRAM, 0x9e3779b1) ^ w, true);
        conceptOfWords(prevWord2, prevWord, w, found);
        concepts.word++;
        prevWord2 = prevWord;
        prevWord = w;
        word = FNV_OFFSET;
        inWord = false;
      }
      // After the word's concepts: a closing quotation mark or full stop belongs to the word before it.
      if (i < to) address.char(raw);
    }
    // n-grams ending at c: 3 (c2 c1 c), 4 (c3 c2 c1 c), 5 (c4 c3 c2 c1 c); skipped while the stream is shorter.
    let h = Math.imul(Math.imul(Math.imul(SEED_CHAR[3] ^ c2, FNV_PRIME) ^ c1, FNV_PRIME) ^ c, FNV_PRIME);
    emit(h, true);
    h = Math.imul(
      Math.imul(Math.imul(Math.imul(SEED_CHAR[4] ^ c3, FNV_PRIME) ^ c2, FNV_PRIME) ^ c1, FNV_PRIME) ^ c,
      FNV_PRIME,
    );
    emit(h, true);
    h = Math.imul(
      Math.imul(
        Math.imul(Math.imul(Math.imul(SEED_CHAR[5] ^ c4, FNV_PRIME) ^ c3, FNV_PRIME) ^ c2, FNV_PRIME) ^ c1,
        FNV_PRIME,
      ) ^ c,
      FNV_PRIME,
    );
    emit(h, true);
    c4 = c3;
    c3 = c2;
    c2 = c1;
    c1 = c;
  }
  const shape = shapeSignals(view, from, to);
  const kind = shapeKind(shape);
  for (const name of concepts.signals()) {
    emit(bucketOf(name), false);
    if (kind !== 'message') emit(bucketOf(`${name}@${kind}`), false);
  }
  for (const name of address.signals()) emit(bucketOf(name), false);
  for (const name of shape) emit(bucketOf(name), false);
  for (const name of extra) {
    emit(bucketOf(name), false);
    if (kind !== 'message' && name.startsWith('pattern:'))
      emit(bucketOf(`${name.slice(0, name.lastIndexOf(':'))}@${kind}`), false);
  }
  return lexical;
}
