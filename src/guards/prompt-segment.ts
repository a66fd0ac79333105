/**
 * Spelled-out writing (`Y o u  a r e`, `Y-o-u-a-r-e`) cut back into words for the L02 prompt check. The spelled
 * view drops every separator, the breaks between words too, so its letters are segmented again with the prompt's
 * own vocabulary: the segmentation that covers the most letters with vocabulary words (the fewest pieces among
 * those), letters no word covers kept together as one unknown word. Text that is not the prompt gains few
 * vocabulary words in a row, and the shingle check wants many, in the prompt's order. The vocabulary is walked as a
 * trie with a table per node, so a letter that begins no word costs one array read.
 */
import type { DecodedView } from '../text/index.js';

export interface Vocabulary {
  /** The words, folded to lower case. */
  vocabulary(): Iterable<string>;
  /** The id of a folded word (1-based), 0 when it is none. */
  idOf(word: string): number;
  /** Words per shingle. */
  readonly k: number;
  /** False only when no shingle begins with the words of ids a, b (then two such words in a row hold none); k >= 2. */
  mayBeginShingle(a: number, b: number): boolean;
}

/**
 * A trie of the vocabulary's words of ASCII letters and digits (the only characters a spelled view holds): per node
 * ALPHABET slots of the child's node index (0: none), and whether a word ends there.
 */
interface Trie {
  readonly next: Int32Array;
  /** Per node, the vocabulary id of the word ending there, 0 when none does. */
  readonly word: Int32Array;
  /** Length of the longest word. */
  readonly depth: number;
}

const ALPHABET = 36;
/** Per UTF-16 code unit below 128: its slot (a-z 0-25 in either case, 0-9 26-35), or -1. */
const SLOT = new Int8Array(128).fill(-1);
for (let c = 0; c < 26; c++) {
  SLOT[0x61 + c] = c;
  SLOT[0x41 + c] = c;
}
for (let d = 0; d < 10; d++) SLOT[0x30 + d] = 26 + d;
const slotOf = (c: number) => (c < 128 ? (SLOT[c] as number) : -1);

const tries = new WeakMap<Vocabulary, Trie>();

function trieOf(vocab: Vocabulary): Trie {
  const known = tries.get(vocab);
  if (known) return known;
  const words = [...vocab.vocabulary()].filter((w) => /^[a-z0-9]+$/.test(w));
  let nodes = 1;
  for (const w of words) nodes += w.length;
  const next = new Int32Array(nodes * ALPHABET);
  const word = new Int32Array(nodes);
  let used = 1;
  let depth = 0;
  for (const w of words) {
    let node = 0;
    for (let i = 0; i < w.length; i++) {
      const at = node * ALPHABET + slotOf(w.charCodeAt(i));
      if (next[at] === 0) next[at] = used++;
      node = next[at] as number;
    }
    word[node] = vocab.idOf(w);
    depth = Math.max(depth, w.length);
  }
  const t = { next, word, depth };
  tries.set(vocab, t);
  return t;
}

/**
 * Scratch arrays of the segmentation, kept between calls and grown on demand: a spelled view of hostile text holds a
 * third of a million letters, and four fresh arrays of that size per part, plus a tuple per piece, cost more than the
 * walk itself. A scan is synchronous, so one set serves every call; sets larger than MAX_KEPT letters (1.8 MB) are not
 * kept: a megabyte of spelled text gets arrays of its own, allocated once at their size.
 */
const MAX_KEPT = 1 << 16;
interface Scratch {
  covered: Int32Array;
  pieces: Int32Array;
  back: Int32Array;
  /** Per letter ending a piece, the id of the word the piece is (0: letters no word covers). */
  isWord: Int32Array;
  /** The pieces found, last first: starts, ends and the vocabulary id of each (0: not a word). */
  pieceStart: Int32Array;
  pieceEnd: Int32Array;
  pieceWord: Int32Array;
}
let kept: Scratch | undefined;

function scratch(m: number): Scratch {
  if (kept && kept.covered.length > m) return kept;
  const size = Math.max(m + 1, kept ? kept.covered.length * 2 : 1024);
  const s: Scratch = {
    covered: new Int32Array(size),
    pieces: new Int32Array(size),
    back: new Int32Array(size),
    isWord: new Int32Array(size),
    pieceStart: new Int32Array(size),
    pieceEnd: new Int32Array(size),
    pieceWord: new Int32Array(size),
  };
  if (size <= MAX_KEPT) kept = s;
  return s;
}

/**
 * Cuts text[from, to) into pieces, letters no word covers merged into one piece: the pieces go to the scratch's
 * piece arrays, last piece first, offsets relative to `from`. Returns how many, 0 when no vocabulary word lies there.
 */
function segment(text: string, from: number, to: number, trie: Trie, s: Scratch): number {
  const m = to - from;
  const { covered, pieces, back, isWord } = s;
  const { next, word } = trie;
  covered.fill(-1, 0, m + 1);
  covered[0] = 0;
  pieces[0] = 0;
  for (let i = 0; i < m; i++) {
    const cov = covered[i] as number;
    const count = (pieces[i] as number) + 1;
    if (cov > (covered[i + 1] as number) || (cov === covered[i + 1] && count < (pieces[i + 1] as number))) {
      covered[i + 1] = cov;
      pieces[i + 1] = count;
      back[i + 1] = i;
      isWord[i + 1] = 0;
    }
    let node = 0;
    for (let j = i; j < m; j++) {
      const slot = slotOf(text.charCodeAt(from + j));
      if (slot < 0) break;
      node = next[node * ALPHABET + slot] as number;
      if (node === 0) break;
      const id = word[node] as number;
      if (id === 0) continue;
      const c = cov + j + 1 - i;
      if (c > (covered[j + 1] as number) || (c === covered[j + 1] && count < (pieces[j + 1] as number))) {
        covered[j + 1] = c;
        pieces[j + 1] = count;
        back[j + 1] = i;
        isWord[j + 1] = id;
      }
    }
  }
  // No word anywhere (most spelled text that is not the prompt): nothing to cut.
  if (covered[m] === 0) return 0;
  let n = 0;
  for (let end = m; end > 0;) {
    let start = back[end] as number;
    const id = isWord[end] as number;
    // Letters no word covers, next to each other, are one unknown piece.
    if (id === 0) while (start > 0 && isWord[start] === 0) start = back[start] as number;
    s.pieceStart[n] = start;
    s.pieceEnd[n] = end;
    s.pieceWord[n] = id;
    n++;
    end = start;
  }
  return n;
}

/**
 * The words of a view as a view of their own: each character is one of `view`'s (by index), a space between two
 * pieces standing for the first letter of the next. Raw offsets are read through `view` only when asked (a finding),
 * so building it allocates two arrays, not a pair per character.
 */
class WordsBuilder {
  private units: Uint16Array;
  private index: Int32Array;
  private n = 0;
  constructor(capacity: number) {
    this.units = new Uint16Array(Math.max(16, capacity));
    this.index = new Int32Array(Math.max(16, capacity));
  }
  private room(more: number): void {
    if (this.n + more <= this.units.length) return;
    const size = Math.max(this.n + more, this.units.length * 2);
    const units = new Uint16Array(size);
    const index = new Int32Array(size);
    units.set(this.units.subarray(0, this.n));
    index.set(this.index.subarray(0, this.n));
    this.units = units;
    this.index = index;
  }
  /** View characters [from, to), a space before them unless first or after a part's end. */
  piece(text: string, from: number, to: number): void {
    this.room(to - from + 1);
    if (this.n > 0 && this.units[this.n - 1] !== 0) {
      this.units[this.n] = 0x20;
      this.index[this.n++] = from;
    }
    for (let k = from; k < to; k++) {
      this.units[this.n] = text.charCodeAt(k);
      this.index[this.n++] = k;
    }
  }
  /** Ends a part (NUL), standing for the view character `last`. */
  breakPart(last: number): void {
    this.room(1);
    this.units[this.n] = 0;
    this.index[this.n++] = last;
  }
  build(view: DecodedView): DecodedView | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    const units = this.units.slice(0, n);
    const index = this.index.slice(0, n);
    return {
      text: UTF16.decode(units),
      toRaw(start: number, end: number): [number, number] {
        const s = Math.min(Math.max(0, start), n - 1);
        let last = Math.min(Math.max(end, s + 1), n) - 1;
        // A space or part break at the end stands for a letter after the span: the span ends with the letter before.
        while (last > s && (units[last] === 0x20 || units[last] === 0)) last--;
        const i = index[s] as number;
        const j = index[last] as number;
        const a = view.toRaw(i, i + 1)[0];
        const e = view.toRaw(j, j + 1)[1];
        return [a, Math.max(a, e)];
      },
    };
  }
}

const UTF16 = new TextDecoder('utf-16le');

/**
 * The parts of a spelled view (NUL between parts) with their letters cut into words, a space between two pieces,
 * mapped back to the raw text through the view; undefined when no part holds a vocabulary word.
 */
export function segmentedView(view: DecodedView, vocab: Vocabulary): DecodedView | undefined {
  const trie = trieOf(vocab);
  const text = view.text;
  const out = new WordsBuilder(text.length + (text.length >> 2));
  let any = false;
  let partStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 0) continue;
    const s = scratch(i - partStart);
    const n = i > partStart ? segment(text, partStart, i, trie, s) : 0;
    // Only a part where two words in a row may begin a shingle can hold one (pieces are last first): the others are
    // left out of the view, so hostile spelled text (`a.a.a.`, every letter the word "a") is not written out as words
    // and read again only to find no shingle.
    let words = false;
    if (vocab.k < 2) for (let p = 0; p < n && !words; p++) words = s.pieceWord[p] !== 0;
    else
      for (let p = n - 1; p > 0 && !words; p--)
        words = vocab.mayBeginShingle(s.pieceWord[p] as number, s.pieceWord[p - 1] as number);
    if (words) {
      any = true;
      for (let p = n - 1; p >= 0; p--)
        out.piece(text, partStart + (s.pieceStart[p] as number), partStart + (s.pieceEnd[p] as number));
      out.breakPart(i - 1);
    }
    partStart = i + 1;
  }
  return any ? out.build(view) : undefined;
}

/** Start of the longest ending of `letters` that begins a vocabulary word (letters still to come may complete it), or -1. */
export function pendingWord(letters: string, vocab: Vocabulary): number {
  const trie = trieOf(vocab);
  for (let start = Math.max(0, letters.length - trie.depth); start < letters.length; start++) {
    let node = 0;
    let k = start;
    for (; k < letters.length; k++) {
      const slot = slotOf(letters.charCodeAt(k));
      node = slot < 0 ? 0 : (trie.next[node * ALPHABET + slot] as number);
      if (node === 0) break;
    }
    if (k === letters.length) return start;
  }
  return -1;
}

/** True when some vocabulary word lies in text[0, to): one trie walk per position, no segmentation. */
export function holdsWord(text: string, to: number, vocab: Vocabulary): boolean {
  const { next, word } = trieOf(vocab);
  for (let i = 0; i < to; i++) {
    let node = 0;
    for (let j = i; j < to; j++) {
      const slot = slotOf(text.charCodeAt(j));
      node = slot < 0 ? 0 : (next[node * ALPHABET + slot] as number);
      if (node === 0) break;
      if (word[node] !== 0) return true;
    }
  }
  return false;
}

/**
 * For a stream: an open spelled region (no NUL in it) cut into words up to its pending word (the longest ending that
 * may still grow into a word), which follows as one word cut short, so the shingle check reads it as a word under
 * way rather than as pieces cut from a word not yet complete.
 */
export function segmentedOpenView(view: DecodedView, vocab: Vocabulary): DecodedView {
  const trie = trieOf(vocab);
  const text = view.text;
  const pending = pendingWord(text, vocab);
  const head = pending < 0 ? text.length : pending;
  const out = new WordsBuilder(text.length + (text.length >> 2));
  const s = scratch(head);
  const n = head > 0 ? segment(text, 0, head, trie, s) : 0;
  if (n === 0 && head > 0) out.piece(text, 0, head);
  for (let p = n - 1; p >= 0; p--) out.piece(text, s.pieceStart[p] as number, s.pieceEnd[p] as number);
  if (pending >= 0) out.piece(text, pending, text.length);
  return out.build(view) ?? view;
}

/** Length of the longest vocabulary word of letters and digits. */
export function longestWord(vocab: Vocabulary): number {
  return trieOf(vocab).depth;
}
