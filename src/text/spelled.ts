/**
 * Spelled-out writing: single letters or digits each followed by a short run of separators (`Y o u  a r e`,
 * `Y-o-u-a-r-e`, `'Y','o','u'`), the breaks between words as wide as the others or not there at all. Separators
 * between whole words need no view (a word scan splits at them anyway); only a word cut into letters has none
 * of its own. A region of at least `minLetters` such letters is copied without its separators, one raw index per
 * letter. One walk over the text with a table lookup per character.
 */
import { DecodedViewBuilder, type DecodedView } from './decoded-view.js';
import { MAX_SEPARATOR_RUN, SEPARATOR_CHARS } from './separated.js';

/** Per UTF-16 code unit: 1 = ASCII letter or digit, 2 = separator, 0 = anything else. */
const CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CLASS[c] = /[A-Za-z0-9]/.test(ch) ? 1 : SEPARATOR_CHARS.includes(ch) ? 2 : 0;
}

/** The class `regions` reads at the end of the text (no code unit has it). */
const END = 3;

/**
 * [first letter, last letter + 1) of every region from `from` on, pairs in one array (every letter or digit
 * between them is one of its letters). With `open` only the region that reaches the end (its last letter may still
 * be the start of a longer word, or be followed by more) is returned, however few letters it has.
 */
function regions(text: string, from: number, minLetters: number, open: boolean): number[] {
  const out: number[] = [];
  const cls = CLASS;
  const n = text.length;
  let first = -1;
  let last = -1;
  let count = 0;
  /** Separators since the last letter. */
  let gap = 0;
  let i = from;
  // The end of the text is read as one more character outside any region (END), so a region that reaches it is
  // pushed where the loop pushes the others. A push or comparison of its own after the loop is one that text
  // without spelled letters never runs: V8 optimised the walk without it and left the optimised code at every call
  // that reached it (hostile spelled text streamed: at every push).
  for (;;) {
    const k = i < n ? (cls[text.charCodeAt(i)] as number) : END;
    if (k === 1) {
      let j = i + 1;
      while (j < n && cls[text.charCodeAt(j)] === 1) j++;
      if (j - i > 1) {
        if (count >= minLetters && !open) out.push(first, last + 1);
        count = 0;
      } else {
        if (count === 0) first = i;
        last = i;
        count++;
      }
      gap = 0;
      i = j;
      continue;
    }
    if (k === END && open) break;
    if (!(k === 2 && count > 0 && ++gap <= MAX_SEPARATOR_RUN)) {
      if (count >= minLetters && !open) out.push(first, last + 1);
      count = 0;
      gap = 0;
    }
    if (k === END) break;
    i++;
  }
  if (!open) return out;
  // Made at every call, used or not, for the same reason: the pair and both comparisons.
  const region = [first, last + 1];
  const within = gap <= MAX_SEPARATOR_RUN;
  return within && count > 0 ? region : [];
}

function build(text: string, found: readonly number[], breaks: boolean): DecodedView | undefined {
  const out = new DecodedViewBuilder();
  for (let r = 0; r < found.length; r += 2) {
    const end = found[r + 1] as number;
    for (let at = found[r] as number; at < end; at++)
      if (CLASS[text.charCodeAt(at)] === 1) out.add(text.charCodeAt(at), at, at + 1);
    if (breaks) out.breakPart(end);
  }
  return out.build();
}

/** The spelled-out regions of `text` with at least `minLetters` letters, separators dropped, NUL between them. */
export function spelledView(text: string, minLetters: number): DecodedView | undefined {
  return build(text, regions(text, 0, Math.max(1, minLetters), false), true);
}

/**
 * For a stream: the spelled-out region still under way at the end of `text` (however few letters yet), separators
 * dropped, with no break after it; undefined when the text does not end in one. Only the tail after the last
 * place where the walk of `regions` starts afresh is read (openTailStart; `from` 0 reads the same from the start).
 */
export function openSpelledTail(text: string, from = openTailStart(text)): DecodedView | undefined {
  return build(text, regions(text, from, 1, true), false);
}

/**
 * The last place at or after which the walk of `regions` is in the state it starts in (no letter counted, no gap)
 * whatever came before: after a character no region holds, after a word of two or more letters, or after more
 * separators in a row than a gap may have. A stream asks at every scan, and text made of words and separators
 * only (`Authorization: Bearer …`) has no character of the first kind: walking back to one read all of it.
 */
export function openTailStart(text: string): number {
  const cls = CLASS;
  /** End of the stretch of letters or of separators that position i - 1 belongs to. */
  let stretchEnd = text.length;
  let prev = -1;
  for (let i = text.length; i > 0; i--) {
    const k = cls[text.charCodeAt(i - 1)] as number;
    if (k === 0) return i;
    if (k !== prev) {
      stretchEnd = i;
      prev = k;
    }
    if (k === 1 && stretchEnd - (i - 1) >= 2) return stretchEnd;
    if (k === 2 && stretchEnd - (i - 1) > MAX_SEPARATOR_RUN) return stretchEnd;
  }
  return 0;
}
