/**
 * One linear pass over the (lower-case) detection view, without building substrings: finds which
 * pattern anchors occur and where (for the prefilter and for windowed matching) and which tokens are
 * typoglycemia/misspellings of key words. A pattern whose anchors are all absent never runs; one whose
 * anchors occur rarely runs only on windows around them.
 */
import type { PatternDef } from './patterns/types.js';
import { KEYWORD_HASHES, typoAt, type Correction } from './typo.js';

const WORD_ANCHOR = /^[a-z0-9']+\*?$/;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** More occurrences than this and the pattern simply runs on the whole text. */
export const MAX_POSITIONS = 2048;

interface Compiled {
  /** Every anchor, by id; word anchors "stem*" keep their star. */
  anchors: string[];
  /** The text each anchor id stands for: the anchor without the star of a "stem*". */
  stems: string[];
  /** hash of a whole token → ids of word anchors with that hash. */
  words: Map<number, number[]>;
  /** hash of a token prefix → ids of prefix anchors ("stem*") with that hash. */
  prefixes: Map<number, number[]>;
  /** prefixLength[len] === 1 when some stem has that length. */
  prefixLength: Uint8Array;
  /** firstTwo[c0 * 128 + c1] === 1 when some stem starts with those two ASCII characters. */
  firstTwo: Uint8Array;
  /** Open-addressing tables of word-anchor and stem hashes (0 = empty slot); the slot indexes wordIds/prefixIds. */
  wordTable: Uint32Array;
  prefixTable: Uint32Array;
  wordIds: Array<number[] | undefined>;
  prefixIds: Array<number[] | undefined>;
  /** ids of literal (substring) anchors. */
  literals: number[];
  /** Literal anchors grouped by their first two code units (one for a one-unit literal). */
  literalBuckets: Array<{ prefix: string; ids: number[] }>;
}

const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;

function tableAdd(table: Uint32Array, h: number): void {
  const key = h || 1;
  let slot = key & TABLE_MASK;
  while (table[slot] !== 0 && table[slot] !== key) slot = (slot + 1) & TABLE_MASK;
  table[slot] = key;
}

/** Slot of hash `h` in `table`, or -1. */
function tableSlot(table: Uint32Array, h: number): number {
  const key = h || 1;
  let slot = key & TABLE_MASK;
  for (;;) {
    const v = table[slot];
    if (v === 0) return -1;
    if (v === key) return slot;
    slot = (slot + 1) & TABLE_MASK;
  }
}

/** KEYWORD_HASHES as an open-addressing table, a fast "maybe" before the Set for every token of four or more characters. */
const KEYWORD_TABLE = new Uint32Array(1 << TABLE_BITS);
for (const h of KEYWORD_HASHES) tableAdd(KEYWORD_TABLE, h);

const cache = new WeakMap<readonly PatternDef[], Compiled>();

function hashOf(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function compile(patterns: readonly PatternDef[]): Compiled {
  const hit = cache.get(patterns);
  if (hit) return hit;
  const c: Compiled = {
    anchors: [],
    stems: [],
    words: new Map(),
    prefixes: new Map(),
    prefixLength: new Uint8Array(64),
    firstTwo: new Uint8Array(128 * 128),
    wordTable: new Uint32Array(1 << TABLE_BITS),
    prefixTable: new Uint32Array(1 << TABLE_BITS),
    wordIds: [],
    prefixIds: [],
    literals: [],
    literalBuckets: [],
  };
  const idOf = new Map<string, number>();
  const push = (m: Map<number, number[]>, k: number, id: number) => {
    const list = m.get(k) ?? [];
    if (!list.includes(id)) list.push(id);
    m.set(k, list);
  };
  for (const p of patterns) {
    for (const a of [...(p.anchors ?? []), ...(p.requires ?? []).flat()]) {
      if (idOf.has(a)) continue;
      const id = c.anchors.length;
      c.anchors.push(a);
      c.stems.push(a.endsWith('*') ? a.slice(0, -1) : a);
      idOf.set(a, id);
      if (!WORD_ANCHOR.test(a)) {
        c.literals.push(id);
        const prefix = a.slice(0, 2);
        const bucket = c.literalBuckets.find((b) => b.prefix === prefix);
        if (bucket) bucket.ids.push(id);
        else c.literalBuckets.push({ prefix, ids: [id] });
      } else if (a.endsWith('*')) {
        const stem = a.slice(0, -1);
        push(c.prefixes, hashOf(stem), id);
        tableAdd(c.prefixTable, hashOf(stem));
        if (stem.length < 64) c.prefixLength[stem.length] = 1;
        if (stem.length >= 2) c.firstTwo[(stem.charCodeAt(0) & 127) * 128 + (stem.charCodeAt(1) & 127)] = 1;
      } else {
        push(c.words, hashOf(a), id);
        tableAdd(c.wordTable, hashOf(a));
      }
    }
  }
  for (const [h, ids] of c.words) c.wordIds[tableSlot(c.wordTable, h)] = ids;
  for (const [h, ids] of c.prefixes) c.prefixIds[tableSlot(c.prefixTable, h)] = ids;
  cache.set(patterns, c);
  return c;
}

export interface AnchorScan {
  /** Anchor (as written in the pattern) → positions of its occurrences, capped at MAX_POSITIONS + 1. */
  readonly positions: ReadonlyMap<string, readonly number[]>;
  readonly typos: readonly Correction[];
}

/** Bucket positions where the prefix occurs but none of its literals does, before the bucket switches to per-literal walks. */
const MAX_BUCKET_MISSES = 256;

/**
 * Every occurrence (overlapping ones included) of every literal anchor, up to MAX_POSITIONS + 1 each.
 * Literals are bucketed by their first two code units: one native indexOf walk per bucket, startsWith
 * for longer literals. A bucket stops once all its literals have reached the cap. Input that repeats a
 * bucket's prefix without its literals ("[inst " for "[inst]") would make every prefix hit a JS-level
 * check: after MAX_BUCKET_MISSES such hits the rest of the text is walked natively per literal.
 */
function scanLiterals(c: Compiled, text: string, found: Array<number[] | undefined>): void {
  for (const { prefix, ids } of c.literalBuckets) {
    let open = ids.length;
    let misses = 0;
    for (let at = text.indexOf(prefix); at >= 0 && open > 0; at = text.indexOf(prefix, at + 1)) {
      let hit = false;
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k] as number;
        const list = found[id];
        if (list && list.length > MAX_POSITIONS) continue;
        const a = c.anchors[id] as string;
        if (a.length > 2 && !text.startsWith(a, at)) continue;
        hit = true;
        if (!list) found[id] = [at];
        else if (list.push(at) > MAX_POSITIONS) open--;
      }
      if (!hit && ++misses > MAX_BUCKET_MISSES) {
        for (const id of ids) walkLiteral(c.anchors[id] as string, id, text, at + 1, found);
        break;
      }
    }
  }
}

/** Notes the occurrences of literal `a` from `from` on, until its list holds MAX_POSITIONS + 1 positions. */
function walkLiteral(a: string, id: number, text: string, from: number, found: Array<number[] | undefined>): void {
  let list = found[id];
  for (
    let at = text.indexOf(a, from);
    at >= 0 && !(list && list.length > MAX_POSITIONS);
    at = text.indexOf(a, at + 1)
  ) {
    if (!list) found[id] = list = [at];
    else list.push(at);
  }
}

/** Notes at `start` those of `ids` whose text is text[start, start + len) (hash hits are verified), each up to the cap. */
function noteAt(
  ids: readonly number[],
  stems: readonly string[],
  found: Array<number[] | undefined>,
  text: string,
  start: number,
  len: number,
): void {
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k] as number;
    const list = found[id];
    if (list && list.length > MAX_POSITIONS) continue;
    const stem = stems[id] as string;
    if (stem.length !== len || !text.startsWith(stem, start)) continue;
    if (!list) found[id] = [start];
    else list.push(start);
  }
}

/** `maxTypos`: typo corrections collected at most (0 = no typo detection). */
export function scanAnchors(text: string, patterns: readonly PatternDef[], maxTypos: number): AnchorScan {
  const c = compile(patterns);
  const found: Array<number[] | undefined> = new Array<number[] | undefined>(c.anchors.length);
  const typos: Correction[] = [];
  const { firstTwo, prefixLength, prefixTable, prefixIds, wordTable, wordIds, stems } = c;
  const n = text.length;
  let i = 0;
  while (i < n) {
    // Skip to the next token start (a leading quote is not part of the word).
    let ch = text.charCodeAt(i);
    while (!((ch >= 0x61 && ch <= 0x7a) || (ch >= 0x30 && ch <= 0x39))) {
      if (++i >= n) break;
      ch = text.charCodeAt(i);
    }
    if (i >= n) break;
    const start = i;
    let h = Math.imul(FNV_OFFSET ^ ch, FNV_PRIME);
    i++;
    if (i < n) {
      ch = text.charCodeAt(i);
      if ((ch >= 0x61 && ch <= 0x7a) || (ch >= 0x30 && ch <= 0x39) || ch === 0x27) {
        h = Math.imul(h ^ ch, FNV_PRIME);
        i++;
        if (firstTwo[text.charCodeAt(start) * 128 + ch] === 1) {
          // A stem may start here: check every prefix length some stem has.
          for (;;) {
            const len = i - start;
            if (len < 64 && prefixLength[len] === 1) {
              const slot = tableSlot(prefixTable, h >>> 0);
              const ids = slot >= 0 ? prefixIds[slot] : undefined;
              if (ids) noteAt(ids, stems, found, text, start, len);
            }
            if (i >= n) break;
            ch = text.charCodeAt(i);
            if (!((ch >= 0x61 && ch <= 0x7a) || (ch >= 0x30 && ch <= 0x39) || ch === 0x27)) break;
            h = Math.imul(h ^ ch, FNV_PRIME);
            i++;
          }
        } else {
          while (i < n) {
            ch = text.charCodeAt(i);
            if (!((ch >= 0x61 && ch <= 0x7a) || (ch >= 0x30 && ch <= 0x39) || ch === 0x27)) break;
            h = Math.imul(h ^ ch, FNV_PRIME);
            i++;
          }
        }
      }
    }
    // The token is text[start, i); i is a non-token character or the end.
    let end = i;
    let hw = h;
    if (text.charCodeAt(end - 1) === 0x27) {
      // trailing quote: rehash without it (rare)
      while (end > start && text.charCodeAt(end - 1) === 0x27) end--;
      hw = FNV_OFFSET;
      for (let k = start; k < end; k++) hw = Math.imul(hw ^ text.charCodeAt(k), FNV_PRIME);
    }
    const len = end - start;
    const slot = tableSlot(wordTable, hw >>> 0);
    const ids = slot >= 0 ? wordIds[slot] : undefined;
    if (ids) noteAt(ids, stems, found, text, start, len);
    if (
      typos.length < maxTypos &&
      len >= 4 &&
      (tableSlot(KEYWORD_TABLE, hw >>> 0) < 0 || !KEYWORD_HASHES.has(hw >>> 0))
    ) {
      const key = typoAt(text, start, end);
      if (key) typos.push({ start, end, replacement: key });
    }
  }
  if (c.literals.length > 0) scanLiterals(c, text, found);
  const positions = new Map<string, number[]>();
  for (let id = 0; id < found.length; id++) {
    const list = found[id];
    if (list) positions.set(c.anchors[id] as string, list);
  }
  return { positions, typos };
}

/**
 * False when `p` cannot match the scanned text because a group of its `requires` anchors is absent.
 * `wordsTrusted`: the text has no apostrophe; otherwise absent word anchors prove nothing, only literals count.
 */
export function requirementsMet(p: PatternDef, scan: AnchorScan, wordsTrusted: boolean): boolean {
  if (!p.requires) return true;
  for (const group of p.requires) {
    if (!group.some((a) => scan.positions.has(a) || (!wordsTrusted && WORD_ANCHOR.test(a)))) return false;
  }
  return true;
}

/** Text windows in which `p` may match: undefined = the whole text; [] = nowhere. */
export function windowsFor(
  p: PatternDef,
  scan: AnchorScan,
  textLength: number,
  before = 400,
  after = 800,
): Array<[number, number]> | undefined {
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
