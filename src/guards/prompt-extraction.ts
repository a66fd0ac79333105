/**
 * System-prompt extraction detection (L02): a response that reproduces the agent's system prompt
 * verbatim or nearly so. Measured on word shingles, not keywords: the prompt's k-word shingles form a
 * set; every response word covered by a shingle found in that set is marked; covered words that lie
 * close together (gaps of at most `maxGap` uncovered words, which tolerates small edits) form a span;
 * a span with at least `minCovered` covered words is a finding, and its text is what gets redacted.
 * Second trigger, containment: covered runs no more than `maxPieceGap` uncovered words apart form a
 * group; a group that holds at least `minContainment` of the prompt's distinct shingles (and no fewer
 * than a minimal span would) makes every one of its runs a finding, so a prompt cut into short pieces
 * with filler between them is redacted too. Containment is measured per group, not over the whole
 * text: a group has bounded gaps, so the stream guard can hold it open and decide exactly as the
 * whole-text guard does; pieces further apart are judged one by one.
 */
import { foldChar } from '../text/fold.js';
import { secretView } from './output-guard-view.js';

export interface PromptExtractionOptions {
  /** Words per shingle. */
  readonly k?: number;
  /** Covered words a span needs to count as extraction. */
  readonly minCovered?: number;
  /** Uncovered words tolerated inside a span (near-verbatim edits). */
  readonly maxGap?: number;
  /** Share of the prompt's shingles that makes every covered run of a group of pieces a finding, however short (default 0.5). */
  readonly minContainment?: number;
  /** Uncovered words tolerated between the pieces of one group (default 24). */
  readonly maxPieceGap?: number;
}

export interface ExtractionSpan {
  readonly start: number;
  readonly end: number;
  readonly coveredWords: number;
}

export interface ExtractionResult {
  readonly spans: readonly ExtractionSpan[];
  /** Share of the prompt's distinct shingles found in the text. */
  readonly containment: number;
  /** Start of a span that reaches the end of the text and may still grow (for streaming), or -1. */
  readonly openFrom: number;
}

interface Word {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Letters and digits, with combining marks kept inside the word (the fold drops them). */
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;
export const MAX_PROMPT_CHARS = 200_000;

/**
 * Words of `text` with offsets into `text` itself: each word is folded on its own (case, and for a word
 * with non-ASCII letters diacritics and look-alikes too), because folding the whole text first can change
 * its length ('İ' lower-cases to two units) and shift every later offset.
 */
function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(WORD)) {
    const start = m.index ?? 0;
    out.push({ start, end: start + m[0].length, text: NON_ASCII.test(m[0]) ? foldWord(m[0]) : m[0].toLowerCase() });
  }
  return out;
}

const NON_ASCII = /[^\x20-\x7e]/;

/** A word as the L04 detection fold reads it: diacritics off, look-alikes to their skeleton, lower case. */
function foldWord(w: string): string {
  let out = '';
  for (const ch of w) out += foldChar(ch.codePointAt(0) ?? 0);
  return out;
}

export class PromptFingerprint {
  readonly k: number;
  readonly minCovered: number;
  readonly maxGap: number;
  readonly minContainment: number;
  readonly maxPieceGap: number;
  /** Distinct prompt shingles the containment trigger needs at least (as many as a minimal verbatim span has). */
  readonly minShingles: number;
  /** Prompt vocabulary: word → id (1-based); a response word outside it cannot be in a shared shingle. */
  private readonly vocab = new Map<string, number>();
  /**
   * Shingle keys: ids combined in base (vocabulary size + 1) while that stays exact as a double
   * (always for the default k = 3 within MAX_PROMPT_CHARS), else the ids joined as a string.
   */
  private readonly shingles = new Set<number | string>();
  private readonly base: number;
  private readonly numericKeys: boolean;

  constructor(systemPrompt: string, options: PromptExtractionOptions = {}) {
    this.k = options.k ?? 3;
    if (!Number.isInteger(this.k) || this.k < 1)
      throw new RangeError(`prompt extraction: k (words per shingle) must be a positive integer, got ${this.k}`);
    this.maxGap = options.maxGap ?? 3;
    // The output scan reads responses through the secret view (NFKC, invisible characters removed); the
    // prompt is read the same way, or a prompt with full-width or zero-width text would never match.
    const ws = words(secretView(systemPrompt.slice(0, MAX_PROMPT_CHARS)).text);
    for (const w of ws) if (!this.vocab.has(w.text)) this.vocab.set(w.text, this.vocab.size + 1);
    this.base = this.vocab.size + 1;
    // Every key is below base^k, so it is exact when base^k is a safe integer.
    this.numericKeys = this.base ** this.k <= Number.MAX_SAFE_INTEGER;
    const ids = ws.map((w) => this.vocab.get(w.text) ?? 0);
    for (let i = 0; i + this.k <= ids.length; i++) {
      const key = this.key(ids, i);
      if (key !== undefined) this.shingles.add(key);
    }
    // A prompt shorter than the threshold is found when most of it is repeated; below 6 words it is not tracked.
    const wanted = options.minCovered ?? 12;
    this.minCovered =
      ws.length >= 6 ? Math.min(wanted, Math.max(6, Math.ceil(ws.length * 0.8))) : Number.POSITIVE_INFINITY;
    this.minContainment = options.minContainment ?? 0.5;
    this.maxPieceGap = Math.max(this.maxGap, options.maxPieceGap ?? 24);
    this.minShingles = Math.max(1, this.minCovered - this.k + 1);
  }

  get enabled(): boolean {
    return Number.isFinite(this.minCovered) && this.shingles.size > 0;
  }

  /** Shingle key of ids[i, i+k), or undefined when a word is outside the prompt's vocabulary. */
  private key(ids: ArrayLike<number>, i: number): number | string | undefined {
    for (let j = i; j < i + this.k; j++) if (!ids[j]) return undefined;
    if (!this.numericKeys) return Array.prototype.slice.call(ids, i, i + this.k).join(',');
    let v = 0;
    for (let j = i; j < i + this.k; j++) v = v * this.base + (ids[j] ?? 0);
    return v;
  }

  scan(text: string): ExtractionResult {
    if (!this.enabled) return { spans: [], containment: 0, openFrom: -1 };
    const ws = words(text);
    const ids = new Int32Array(ws.length);
    for (let i = 0; i < ws.length; i++) ids[i] = this.vocab.get((ws[i] as Word).text) ?? 0;
    const covered = new Uint8Array(ws.length);
    const keys: Array<number | string | undefined> = new Array<number | string | undefined>(ws.length);
    const found = new Set<number | string>();
    for (let i = 0; i + this.k <= ws.length; i++) {
      const key = this.key(ids, i);
      if (key !== undefined && this.shingles.has(key)) {
        found.add(key);
        keys[i] = key;
        covered.fill(1, i, i + this.k);
      }
    }
    const containment = found.size / this.shingles.size;
    // Runs: covered words with gaps of at most maxGap. Pieces: runs with gaps of at most maxPieceGap.
    const runs: Array<{ first: number; last: number; count: number }> = [];
    for (let i = 0; i < ws.length; i++) {
      if (!covered[i]) continue;
      const r = runs[runs.length - 1];
      if (r && i - r.last - 1 <= this.maxGap) {
        r.last = i;
        r.count++;
      } else runs.push({ first: i, last: i, count: 1 });
    }
    const spans: ExtractionSpan[] = [];
    const span = (r: { first: number; last: number; count: number }) =>
      spans.push({ start: (ws[r.first] as Word).start, end: (ws[r.last] as Word).end, coveredWords: r.count });
    let openFrom = -1;
    for (let a = 0; a < runs.length;) {
      let b = a + 1;
      while (
        b < runs.length &&
        (runs[b] as (typeof runs)[number]).first - (runs[b - 1] as (typeof runs)[number]).last - 1 <= this.maxPieceGap
      )
        b++;
      const group = runs.slice(a, b);
      const first = (group[0] as (typeof runs)[number]).first;
      const last = (group[group.length - 1] as (typeof runs)[number]).last;
      const distinct = new Set<number | string>();
      for (let i = first; i <= last; i++) {
        const key = keys[i];
        if (key !== undefined) distinct.add(key);
      }
      const whole = distinct.size >= this.minShingles && distinct.size / this.shingles.size >= this.minContainment;
      for (const r of group) if (whole || r.count >= this.minCovered) span(r);
      // A group whose last covered word is near the end may still grow with more text.
      if (b === runs.length && ws.length - 1 - last <= this.maxPieceGap + this.k) openFrom = (ws[first] as Word).start;
      a = b;
    }
    if (openFrom < 0 && ws.length > 0 && ws.length < this.k) openFrom = (ws[0] as Word).start;
    return { spans, containment, openFrom };
  }
}
