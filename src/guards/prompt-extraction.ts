/**
 * System-prompt extraction detection (L02): a response that reproduces the agent's system prompt
 * verbatim or nearly so. Measured on word shingles, not keywords: the prompt's k-word shingles form a
 * set; every response word covered by a shingle found in that set is marked; covered words that lie
 * close together (gaps of at most `maxGap` uncovered words, which tolerates small edits) form a span;
 * a span with at least `minCovered` covered words is a finding, and its text is what gets redacted.
 */
import { secretView } from './output-guard-view.js';

export interface PromptExtractionOptions {
  /** Words per shingle. */
  readonly k?: number;
  /** Covered words a span needs to count as extraction. */
  readonly minCovered?: number;
  /** Uncovered words tolerated inside a span (near-verbatim edits). */
  readonly maxGap?: number;
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

const WORD = /[\p{L}\p{N}]+/gu;
export const MAX_PROMPT_CHARS = 200_000;

/**
 * Words of `text` with offsets into `text` itself: each word is case-folded on its own, because folding
 * the whole text first can change its length ('İ' lower-cases to two units) and shift every later offset.
 */
function words(text: string): Word[] {
  const out: Word[] = [];
  for (const m of text.matchAll(WORD)) {
    const start = m.index ?? 0;
    out.push({ start, end: start + m[0].length, text: m[0].toLowerCase() });
  }
  return out;
}

export class PromptFingerprint {
  readonly k: number;
  readonly minCovered: number;
  readonly maxGap: number;
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
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError(`prompt extraction: k (words per shingle) must be a positive integer, got ${this.k}`);
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
    this.minCovered = ws.length >= 6 ? Math.min(wanted, Math.max(6, Math.ceil(ws.length * 0.8))) : Number.POSITIVE_INFINITY;
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
    const found = new Set<number | string>();
    for (let i = 0; i + this.k <= ws.length; i++) {
      const key = this.key(ids, i);
      if (key !== undefined && this.shingles.has(key)) {
        found.add(key);
        covered.fill(1, i, i + this.k);
      }
    }
    const spans: ExtractionSpan[] = [];
    let openFrom = -1;
    let first = -1;
    let last = -1;
    let count = 0;
    const close = () => {
      if (first < 0) return;
      if (count >= this.minCovered) spans.push({ start: (ws[first] as Word).start, end: (ws[last] as Word).end, coveredWords: count });
      first = -1;
      count = 0;
    };
    for (let i = 0; i < ws.length; i++) {
      if (!covered[i]) continue;
      if (first >= 0 && i - last - 1 > this.maxGap) close();
      if (first < 0) first = i;
      last = i;
      count++;
    }
    // A span whose last covered word is near the end may still grow with more text.
    if (first >= 0 && ws.length - 1 - last <= this.maxGap + this.k) openFrom = (ws[first] as Word).start;
    else if (ws.length > 0 && ws.length < this.k) openFrom = (ws[0] as Word).start;
    close();
    return { spans, containment: found.size / this.shingles.size, openFrom };
  }
}
