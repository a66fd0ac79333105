/**
 * Anchor prefilter of the scanner: one pass over the (corrected) detection view collects its distinct
 * word tokens; a pattern whose anchors are all absent is skipped without running its regex.
 */
import type { PatternDef } from './patterns/types.js';

const WORD_ANCHOR = /^[a-z0-9']+\*?$/;

export interface AnchorIndex {
  /** Whether `p` may match `text` (true when it declares no anchors). */
  mayMatch(p: PatternDef): boolean;
}

interface Compiled {
  words: Set<string>;
  prefixes: Map<number, Set<string>>;
}

const compiledCache = new WeakMap<readonly PatternDef[], Compiled>();

function compile(patterns: readonly PatternDef[]): Compiled {
  let c = compiledCache.get(patterns);
  if (c) return c;
  c = { words: new Set(), prefixes: new Map() };
  for (const p of patterns) {
    for (const a of p.anchors ?? []) {
      if (!WORD_ANCHOR.test(a)) continue;
      if (a.endsWith('*')) {
        const stem = a.slice(0, -1);
        const set = c.prefixes.get(stem.length) ?? new Set<string>();
        set.add(stem);
        c.prefixes.set(stem.length, set);
      } else c.words.add(a);
    }
  }
  compiledCache.set(patterns, c);
  return c;
}

const isWordChar = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x27;

/** Distinct word tokens ([a-z0-9']+) of a lower-case text. */
export function distinctTokens(text: string): Set<string> {
  const out = new Set<string>();
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const w = i < text.length && isWordChar(text.charCodeAt(i));
    if (w && start < 0) start = i;
    else if (!w && start >= 0) {
      let a = start;
      let b = i;
      while (a < b && text.charCodeAt(a) === 0x27) a++; // quotes around a word are not part of it
      while (b > a && text.charCodeAt(b - 1) === 0x27) b--;
      if (b > a) out.add(text.slice(a, b));
      start = -1;
    }
  }
  return out;
}

export function buildAnchorIndex(text: string, patterns: readonly PatternDef[]): AnchorIndex {
  const c = compile(patterns);
  const found = new Set<string>();
  for (const t of distinctTokens(text)) {
    if (c.words.has(t)) found.add(t);
    for (const [len, stems] of c.prefixes) {
      if (t.length >= len) {
        const head = t.slice(0, len);
        if (stems.has(head)) found.add(`${head}*`);
      }
    }
  }
  const literal = new Map<string, boolean>();
  const hasLiteral = (a: string) => {
    let v = literal.get(a);
    if (v === undefined) {
      v = text.includes(a);
      literal.set(a, v);
    }
    return v;
  };
  return {
    mayMatch(p) {
      if (!p.anchors || p.anchors.length === 0) return true;
      for (const a of p.anchors) {
        if (WORD_ANCHOR.test(a) ? found.has(a) : hasLiteral(a)) return true;
      }
      return false;
    },
  };
}
