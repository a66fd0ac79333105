/**
 * One pass that tells which of the canary's matchers can match a text at all, so the (about twenty)
 * tolerant patterns run only when their form is there; on ordinary text none runs.
 *
 * Every canary pattern allows only non-alphanumeric characters between the characters of its form
 * (a gap of up to three, the form's own `_`, `+`, `/`), and folds case and the look-alikes O→0, l/I→1.
 * So after keeping only ASCII letters and digits, lower-cased, with o→0 and l, i→1 (the key), a match of
 * a pattern is the key of its form as a plain substring. The converse does not hold (the key also drops
 * longer gaps and case), so a prefilter hit only lets the exact pattern run: the findings are the same.
 */
import { MultiMatcher } from '../text/index.js';

/** Char code → key character code, 0 to drop it. */
const KEY_CODE = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (!/[A-Za-z0-9]/.test(ch)) continue;
  const lower = ch.toLowerCase();
  KEY_CODE[c] = (lower === 'o' ? '0' : lower === 'l' || lower === 'i' ? '1' : lower).charCodeAt(0);
}

const UTF16 = new TextDecoder('utf-16le');

/** The key of a text: its ASCII letters and digits only, lower-cased, o as 0, l and i as 1. */
export function canaryKey(text: string): string {
  const out = new Uint16Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? (KEY_CODE[c] as number) : 0;
    if (k !== 0) out[n++] = k;
  }
  return UTF16.decode(out.subarray(0, n));
}

export interface CanaryPrefilter {
  /** Indexes (into the list given to `canaryPrefilter`) of the matchers whose form occurs in the text's key. */
  live(text: string): ReadonlySet<number>;
}

/** `keys[i]` are the forms matcher i looks for (a matcher may look for several, e.g. an alternation). */
export function canaryPrefilter(keys: readonly (readonly string[])[]): CanaryPrefilter {
  const patterns: string[] = [];
  const owner: number[] = [];
  keys.forEach((forms, i) => {
    for (const f of forms) {
      const k = canaryKey(f);
      if (k.length === 0) throw new RangeError(`canary form ${JSON.stringify(f)} has no letters or digits to look for`);
      patterns.push(k);
      owner.push(i);
    }
  });
  const ac = new MultiMatcher(patterns);
  // A stream's scan asks twice about the same text (the open halves check, then the find): the last answer is
  // kept for the same string (compared by reference first, so a different text costs no walk of its own).
  let lastText: string | undefined;
  let lastFound: ReadonlySet<number> = new Set();
  return {
    live(text) {
      if (text === lastText) return lastFound;
      const found = new Set<number>();
      ac.forEachKeyMatch(text, KEY_CODE, (id) => {
        found.add(owner[id] as number);
        return found.size < keys.length;
      });
      lastText = text;
      lastFound = found;
      return found;
    },
  };
}
