/**
 * One linear pass over the (lower-case) detection view, without building substrings: finds which
 * pattern anchors occur and where (for the prefilter and for windowed matching) and which tokens are
 * typoglycemia/misspellings of key words. A pattern whose anchors are all absent never runs; one whose
 * anchors occur rarely runs only on windows around them.
 */
import type { PatternDef } from './patterns/types.js';
import { typoAt, type Correction } from './typo.js';

const WORD_ANCHOR = /^[a-z0-9']+\*?$/;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** More occurrences than this and the pattern simply runs on the whole text. */
export const MAX_POSITIONS = 2048;

interface Compiled {
  /** hash → word anchors with that hash (whole tokens). */
  words: Map<number, string[]>;
  /** hash of a token prefix → stems (anchors written "stem*"). */
  prefixes: Map<number, string[]>;
  /** prefixLength[len] === 1 when some stem has that length. */
  prefixLength: Uint8Array;
  literals: string[];
}

const cache = new WeakMap<readonly PatternDef[], Compiled>();

function hashOf(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function compile(patterns: readonly PatternDef[]): Compiled {
  const hit = cache.get(patterns);
  if (hit) return hit;
  const c: Compiled = { words: new Map(), prefixes: new Map(), prefixLength: new Uint8Array(64), literals: [] };
  const push = (m: Map<number, string[]>, k: number, v: string) => {
    const list = m.get(k) ?? [];
    if (!list.includes(v)) list.push(v);
    m.set(k, list);
  };
  for (const p of patterns) {
    for (const a of p.anchors ?? []) {
      if (!WORD_ANCHOR.test(a)) {
        if (!c.literals.includes(a)) c.literals.push(a);
      } else if (a.endsWith('*')) {
        const stem = a.slice(0, -1);
        push(c.prefixes, hashOf(stem), stem);
        if (stem.length < 64) c.prefixLength[stem.length] = 1;
      } else push(c.words, hashOf(a), a);
    }
  }
  cache.set(patterns, c);
  return c;
}

const isWordChar = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x27;

export interface AnchorScan {
  /** Anchor (as written in the pattern) → positions of its occurrences, capped at MAX_POSITIONS + 1. */
  readonly positions: ReadonlyMap<string, readonly number[]>;
  readonly typos: readonly Correction[];
}

/** `maxTypos`: typo corrections collected at most (0 = no typo detection). */
export function scanAnchors(text: string, patterns: readonly PatternDef[], maxTypos: number): AnchorScan {
  const c = compile(patterns);
  const positions = new Map<string, number[]>();
  const typos: Correction[] = [];
  const note = (anchor: string, at: number) => {
    const list = positions.get(anchor);
    if (!list) positions.set(anchor, [at]);
    else if (list.length <= MAX_POSITIONS) list.push(at);
  };
  let start = -1;
  let h = FNV_OFFSET;
  for (let i = 0; i <= text.length; i++) {
    const ch = i < text.length ? text.charCodeAt(i) : 0x20;
    if (isWordChar(ch)) {
      if (start < 0) {
        start = i;
        h = FNV_OFFSET;
      }
      if (ch === 0x27 && i === start) {
        start = -1; // a leading quote is not part of the word
        continue;
      }
      h = Math.imul(h ^ ch, FNV_PRIME);
      const len = i - start + 1;
      if (len < 64 && c.prefixLength[len] === 1) {
        const stems = c.prefixes.get(h >>> 0);
        if (stems) for (const stem of stems) if (stem.length === len && text.startsWith(stem, start)) note(`${stem}*`, start);
      }
      continue;
    }
    if (start < 0) continue;
    let end = i;
    let hw = h;
    if (text.charCodeAt(end - 1) === 0x27) {
      // trailing quote: rehash without it (rare)
      while (end > start && text.charCodeAt(end - 1) === 0x27) end--;
      hw = FNV_OFFSET;
      for (let k = start; k < end; k++) hw = Math.imul(hw ^ text.charCodeAt(k), FNV_PRIME);
    }
    const len = end - start;
    const words = c.words.get(hw >>> 0);
    if (words) for (const w of words) if (w.length === len && text.startsWith(w, start)) note(w, start);
    if (typos.length < maxTypos) {
      const key = typoAt(text, start, end);
      if (key) typos.push({ start, end, replacement: key });
    }
    start = -1;
  }
  for (const lit of c.literals) {
    let at = text.indexOf(lit);
    let n = 0;
    while (at >= 0 && n <= MAX_POSITIONS) {
      note(lit, at);
      n++;
      at = text.indexOf(lit, at + 1);
    }
  }
  return { positions, typos };
}

/** Text windows in which `p` may match: undefined = the whole text; [] = nowhere. */
export function windowsFor(p: PatternDef, scan: AnchorScan, textLength: number, before = 400, after = 800): Array<[number, number]> | undefined {
  if (!p.anchors || p.anchors.length === 0) return undefined;
  const starts: number[] = [];
  for (const a of p.anchors) {
    const list = scan.positions.get(a);
    if (!list) continue;
    if (list.length > MAX_POSITIONS) return undefined;
    for (const x of list) starts.push(x);
    if (starts.length > MAX_POSITIONS) return undefined;
  }
  if (starts.length === 0) return [];
  starts.sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const s of starts) {
    const a = Math.max(0, s - before);
    const b = Math.min(textLength, s + after);
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  const first = out[0];
  if (out.length === 1 && first && first[0] === 0 && first[1] === textLength) return undefined;
  return out;
}
