/**
 * Spelled-out writing (`Y o u  a r e`, `Y-o-u-a-r-e`) cut back into words for the L02 prompt check. The spelled
 * view drops every separator, the breaks between words too, so its letters are segmented again with the prompt's
 * own vocabulary: the segmentation that covers the most letters with vocabulary words (the fewest pieces among
 * those), letters no word covers kept together as one unknown word. Text that is not the prompt gains few
 * vocabulary words in a row, and the shingle check wants many, in the prompt's order. The vocabulary is walked as a
 * trie with a table per node, so a letter that begins no word costs one array read.
 */
import { DecodedViewBuilder, type DecodedView } from '../text/index.js';

export interface Vocabulary {
  /** The words, folded to lower case. */
  vocabulary(): Iterable<string>;
}

/**
 * A trie of the vocabulary's words of ASCII letters and digits (the only characters a spelled view holds): per node
 * ALPHABET slots of the child's node index (0: none), and whether a word ends there.
 */
interface Trie {
  readonly next: Int32Array;
  readonly word: Uint8Array;
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
  const word = new Uint8Array(nodes);
  let used = 1;
  let depth = 0;
  for (const w of words) {
    let node = 0;
    for (let i = 0; i < w.length; i++) {
      const at = node * ALPHABET + slotOf(w.charCodeAt(i));
      if (next[at] === 0) next[at] = used++;
      node = next[at] as number;
    }
    word[node] = 1;
    depth = Math.max(depth, w.length);
  }
  const t = { next, word, depth };
  tries.set(vocab, t);
  return t;
}

/** Pieces of text[from, to) as [start, end, is a word], letters no word covers merged into one piece. */
function segment(text: string, from: number, to: number, trie: Trie): Array<[number, number, boolean]> {
  const m = to - from;
  const covered = new Int32Array(m + 1).fill(-1);
  const pieces = new Int32Array(m + 1);
  const back = new Int32Array(m + 1);
  const isWord = new Uint8Array(m + 1);
  const { next, word } = trie;
  covered[0] = 0;
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
      if (word[node] === 0) continue;
      const c = cov + j + 1 - i;
      if (c > (covered[j + 1] as number) || (c === covered[j + 1] && count < (pieces[j + 1] as number))) {
        covered[j + 1] = c;
        pieces[j + 1] = count;
        back[j + 1] = i;
        isWord[j + 1] = 1;
      }
    }
  }
  // No word anywhere (most spelled text that is not the prompt): nothing to cut.
  if (covered[m] === 0) return [];
  const out: Array<[number, number, boolean]> = [];
  for (let end = m; end > 0;) {
    let start = back[end] as number;
    if (isWord[end] === 0) {
      // Letters no word covers, next to each other, are one unknown piece.
      while (start > 0 && isWord[start] === 0) start = back[start] as number;
      out.push([start, end, false]);
    } else out.push([start, end, true]);
    end = start;
  }
  return out.reverse();
}

/**
 * The parts of a spelled view (NUL between parts) with their letters cut into words, a space between two pieces,
 * mapped back to the raw text through the view; undefined when no part holds a vocabulary word.
 */
export function segmentedView(view: DecodedView, vocab: Vocabulary): DecodedView | undefined {
  const trie = trieOf(vocab);
  const out = new DecodedViewBuilder();
  let any = false;
  const text = view.text;
  let partStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 0) continue;
    const cuts = i > partStart ? segment(text, partStart, i, trie) : [];
    if (cuts.some((c) => c[2])) {
      any = true;
      cuts.forEach(([s, e], n) => {
        if (n > 0) {
          const at = view.toRaw(partStart + s, partStart + s + 1)[0];
          out.add(0x20, at, at);
        }
        for (let k = partStart + s; k < partStart + e; k++) {
          const [rs, re] = view.toRaw(k, k + 1);
          out.add(text.charCodeAt(k), rs, re);
        }
      });
      out.breakPart(view.toRaw(i - 1, i)[1]);
    }
    partStart = i + 1;
  }
  return any ? out.build() : undefined;
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
      if (word[node] === 1) return true;
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
  const out = new DecodedViewBuilder();
  const pieces = head > 0 ? segment(text, 0, head, trie) : [];
  if (pieces.length === 0 && head > 0) pieces.push([0, head, false]);
  if (pending >= 0) pieces.push([pending, text.length, false]);
  pieces.forEach(([s, e], n) => {
    if (n > 0) {
      const at = view.toRaw(s, s + 1)[0];
      out.add(0x20, at, at);
    }
    for (let k = s; k < e; k++) {
      const [rs, re] = view.toRaw(k, k + 1);
      out.add(text.charCodeAt(k), rs, re);
    }
  });
  return out.build() ?? view;
}

/** Length of the longest vocabulary word of letters and digits. */
export function longestWord(vocab: Vocabulary): number {
  return trieOf(vocab).depth;
}
