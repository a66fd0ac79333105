/**
 * System-prompt extraction detection (L02): a response that reproduces the agent's system prompt
 * verbatim or nearly so. Measured on word shingles, not keywords: the prompt's k-word shingles form a
 * set; every response word covered by a shingle found in that set is marked; covered words that lie
 * close together (gaps of at most `maxGap` uncovered words, which tolerates small edits) form a span;
 * a span with at least `minCovered` covered words is a finding, and its text is what gets redacted.
 * Second trigger, containment: covered runs no more than `maxPieceGap` uncovered words and
 * `maxPieceGapChars` characters apart (which bounds what a stream holds back) form a group; a group that
 * holds at least `minContainment` of the prompt's distinct shingles (and no fewer than a minimal span
 * would) makes every one of its runs a finding, so a prompt cut into short pieces with filler between
 * them is redacted too. Containment is measured per group, not over the whole text: a group has bounded
 * gaps, so the stream guard can hold it open and decide exactly as the whole-text guard does; pieces
 * further apart are judged one by one.
 * Third trigger, a distinctive clause: a clause of the prompt (text between sentence punctuation, a colon
 * or a line break) of at least `MIN_CLAUSE_WORDS` words that holds an identifier-like token (a compound of
 * three or more parts joined by `-` or `_` with a letter in it, or a word mixing letters and digits) is
 * found when one run repeats at least `CLAUSE_SHARE` of its shingles, one of them on the token: the
 * confidential line of a prompt repeated alone is shorter than `minCovered`, but a benign answer that
 * shares common phrases with the prompt does not also repeat its passphrases, hostnames and ids verbatim.
 * Forms: the prompt is also held reversed (letters and word order, as reversing the whole text gives), rot13'd
 * and both; every form has its own shingles and clauses over one shared vocabulary, so a response is read in
 * one word pass and each form is judged on its own (a span of one form does not count toward another).
 */
import { foldChar, forEachWord, reverseText, rot13 } from '../text/index.js';
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
  /**
   * Characters tolerated between the pieces of one group, from the end of one to the start of the next (default
   * 80): a stream holds an open group from its first piece, so this bounds the hold-back of prose that shares a
   * phrase with the prompt.
   */
  readonly maxPieceGapChars?: number;
}

/** A form the prompt is held in: as written, or under the character transforms a model can apply without tools. */
export type PromptForm = 'raw' | 'reversed' | 'rot13' | 'reversed+rot13';

export interface ExtractionSpan {
  readonly start: number;
  readonly end: number;
  readonly coveredWords: number;
  readonly form: PromptForm;
}

export interface ExtractionResult {
  readonly spans: readonly ExtractionSpan[];
  /** Share of the prompt's distinct shingles found in the text (the highest over the forms). */
  readonly containment: number;
  /**
   * For streaming: the earliest start of what text appended later could still turn into a finding — a
   * group of pieces near the end, or the last words when they could begin a shingle — or -1.
   */
  readonly openFrom: number;
}

interface Word {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export const MAX_PROMPT_CHARS = 200_000;
/**
 * Words a clause needs to be judged on its own (shorter clauses are common phrases more often than not; with the
 * identifier-like token required, five words — `Internal passphrase is harbor-violet-93` — are a line of the prompt).
 */
export const MIN_CLAUSE_WORDS = 5;
/** Share of a distinctive clause's shingles a run must repeat (near-verbatim: one or two words may differ). */
export const CLAUSE_SHARE = 0.8;
/** Ends a clause: sentence punctuation or a colon before whitespace or the end, or a line break. */
const CLAUSE_END = /[.!?;:](?=\s|$)|\n/gu;
const ALNUM = /^[\p{L}\p{N}]+$/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;

/** An identifier-like token: three or more parts joined by `-` or `_` with a letter, or one word mixing letters and digits. */
function identifierLike(token: string): boolean {
  const parts = token.split(/[-_]/);
  if (parts.length >= 3) return parts.every((p) => ALNUM.test(p)) && LETTER.test(token);
  if (token.length < 6 || !ALNUM.test(token)) return false;
  let letters = 0;
  let digits = 0;
  for (const ch of token) {
    if (DIGIT.test(ch)) digits++;
    else if (LETTER.test(ch)) letters++;
  }
  return letters >= 2 && digits >= 2;
}
const EDGE_PUNCT = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/** How each form is made from the prompt's folded words: per word, and whether the word order is reversed. */
const FORMS: ReadonlyArray<{ name: PromptForm; word: (w: string) => string; reversed: boolean }> = [
  { name: 'raw', word: (w) => w, reversed: false },
  { name: 'reversed', word: reverseText, reversed: true },
  { name: 'rot13', word: rot13, reversed: false },
  { name: 'reversed+rot13', word: (w) => rot13(reverseText(w)), reversed: true },
];

/** The shingles and distinctive clauses of one form of the prompt. */
interface FormIndex {
  readonly name: PromptForm;
  readonly bit: number;
  readonly shingles: Set<number | string>;
  /** Distinctive clauses: shingle key → the clauses it lies in; per clause, its shingles needed and its token shingles. */
  readonly clausesOf: Map<number | string, number[]>;
  readonly clauseNeed: number[];
  readonly clauseTokenKeys: Array<Set<number | string>>;
  /**
   * Bit (a × base + b): some shingle of the form begins with the words a, b. Undefined when k < 2 or the table would
   * pass MAX_PAIR_BITS. A shingle key and a set lookup per word cost most of a scan of hostile text made of prompt
   * words in an order the prompt never has (`a a a`, the spelled view of `a.a.a.`): one bit says no at once.
   */
  readonly pairs: Uint32Array | undefined;
}

/** 512 KiB per form at most: a vocabulary of up to 2,048 words (a prompt of several pages) has a table. */
const MAX_PAIR_BITS = 1 << 22;

/**
 * Words of `text` (letters and digits, with combining marks kept inside the word: the fold drops them) with
 * offsets into `text` itself: each word is folded on its own (case, and for a word
 * with non-ASCII letters diacritics and look-alikes too), because folding the whole text first can change
 * its length ('İ' lower-cases to two units) and shift every later offset.
 */
function words(text: string): Word[] {
  const out: Word[] = [];
  forEachWord(text, (start, end) => out.push({ start, end, text: foldedWord(text.slice(start, end)) }));
  return out;
}

const NON_ASCII = /[^\x20-\x7e]/;

const foldedWord = (w: string): string => (NON_ASCII.test(w) ? foldWord(w) : w.toLowerCase());

/** A word as the L04 detection fold reads it: diacritics off, look-alikes to their skeleton, lower case. */
function foldWord(w: string): string {
  // Copied only from the first code point the fold changes: a long word of letters the fold keeps (a megabyte of
  // hex decoded into one word of Hangul) is returned as it is rather than rebuilt one character at a time.
  let i = 0;
  while (i < w.length) {
    const cp = w.codePointAt(i) ?? 0;
    const size = cp > 0xffff ? 2 : 1;
    const f = foldChar(cp);
    if (f.length !== size || !w.startsWith(f, i)) break;
    i += size;
  }
  if (i >= w.length) return w;
  // Pieces joined once: a string iterator and `+=` per character allocated a string and a rope node for each
  // (15 MB for the megabyte of `EAA…` whose hex decodes to one word that folds).
  const parts = [w.slice(0, i)];
  while (i < w.length) {
    const cp = w.codePointAt(i) ?? 0;
    parts.push(foldChar(cp));
    i += cp > 0xffff ? 2 : 1;
  }
  return parts.join('');
}

/**
 * False when text[start, end) folds to more than `max` code units: more than `max` of its code points fold to at
 * least one unit each. Read only as far as that count, so a huge word costs `max` steps, not its length.
 */
function foldsWithin(text: string, start: number, end: number, max: number): boolean {
  if (end - start <= max) return true;
  let units = 0;
  for (let i = start; i < end;) {
    const cp = text.codePointAt(i) ?? 0;
    if (foldChar(cp).length > 0 && ++units > max) return false;
    i += cp > 0xffff ? 2 : 1;
  }
  return true;
}

/** Marks the words that lie in an identifier-like token of the prompt (see the file comment). */
function distinctiveWords(text: string, ws: readonly Word[]): Uint8Array {
  const distinctive = new Uint8Array(ws.length);
  let w = 0;
  for (const m of text.matchAll(/\S+/gu)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    while (w < ws.length && (ws[w] as Word).start < start) w++;
    const token = m[0].replace(EDGE_PUNCT, '');
    if (!identifierLike(token)) continue;
    for (let i = w; i < ws.length && (ws[i] as Word).end <= end; i++) distinctive[i] = 1;
  }
  return distinctive;
}

/** The prompt's clauses as word ranges [from, to). */
function clauseRanges(text: string, ws: readonly Word[]): Array<[number, number]> {
  const ends = [...text.matchAll(CLAUSE_END)].map((m) => ({ at: m.index ?? 0, colon: m[0] === ':' }));
  const out: Array<[number, number]> = [];
  let first = 0;
  let label = -1;
  for (const { at, colon } of [...ends, { at: text.length, colon: false }]) {
    let last = first;
    while (last < ws.length && (ws[last] as Word).start < at) last++;
    out.push([first, last]);
    // A label and its value (`Staff door alarm code: tide42moss`) are also one clause: the line a value stands on.
    if (label >= 0) out.push([label, last]);
    label = colon ? first : -1;
    first = last;
  }
  return out;
}

export class PromptFingerprint {
  readonly k: number;
  readonly minCovered: number;
  readonly maxGap: number;
  readonly minContainment: number;
  readonly maxPieceGap: number;
  readonly maxPieceGapChars: number;
  /** Distinct prompt shingles the containment trigger needs at least (as many as a minimal verbatim span has). */
  readonly minShingles: number;
  /** Prompt vocabulary over every form: word → id (1-based); a response word outside it cannot be in a shared shingle. */
  private readonly vocab = new Map<string, number>();
  /** Per vocabulary id, the forms (bits) whose words include it; id 0 (not a prompt word) has none. */
  private formMask = new Uint8Array(1);
  /** Every prefix of a vocabulary word: a word cut by the end of a text may still become one. */
  private readonly vocabPrefixes = new Set<string>();
  /** Length of the longest vocabulary word (code units). */
  private longestWord = 0;
  /**
   * The vocabulary by hash of the lower-cased word, for ASCII text read without building its words: an
   * open-addressing table of hashes (0 = empty) whose slot indexes `slotWords`.
   */
  private readonly hashSlots: Uint32Array;
  private readonly slotWords: Array<[string, number] | undefined>;
  /**
   * Shingle keys: ids combined in base (vocabulary size + 1) while that stays exact as a double
   * (always for the default k = 3 within MAX_PROMPT_CHARS), else the ids joined as a string.
   */
  private readonly base: number;
  private readonly numericKeys: boolean;
  private readonly forms: FormIndex[] = [];
  private readonly allForms: number;

  constructor(systemPrompt: string, options: PromptExtractionOptions = {}) {
    this.k = options.k ?? 3;
    if (!Number.isInteger(this.k) || this.k < 1)
      throw new RangeError(`prompt extraction: k (words per shingle) must be a positive integer, got ${this.k}`);
    this.maxGap = options.maxGap ?? 3;
    // The output scan reads responses through the secret view (NFKC, invisible characters removed); the
    // prompt is read the same way, or a prompt with full-width or zero-width text would never match.
    const promptText = secretView(systemPrompt.slice(0, MAX_PROMPT_CHARS)).text;
    const ws = words(promptText);
    // Each form's words in the order that form of the text has them (reversed forms back to front).
    const formWords = FORMS.map((f) => {
      const list = ws.map((w) => f.word(w.text));
      return f.reversed ? list.reverse() : list;
    });
    const masks: number[] = [0];
    formWords.forEach((list, f) => {
      for (const w of list) {
        let id = this.vocab.get(w);
        if (id === undefined) {
          id = this.vocab.size + 1;
          this.vocab.set(w, id);
          masks.push(0);
        }
        masks[id] = (masks[id] as number) | (1 << f);
      }
    });
    this.formMask = Uint8Array.from(masks);
    for (const w of this.vocab.keys()) {
      for (let i = 1; i <= w.length; i++) this.vocabPrefixes.add(w.slice(0, i));
      this.longestWord = Math.max(this.longestWord, w.length);
    }
    let size = 16;
    while (size < this.vocab.size * 4) size *= 2;
    this.hashSlots = new Uint32Array(size);
    this.slotWords = new Array<[string, number] | undefined>(size);
    for (const [w, id] of this.vocab) {
      const key = hashWord(w, 0, w.length) || 1;
      let slot = key & (size - 1);
      while (this.hashSlots[slot] !== 0) slot = (slot + 1) & (size - 1);
      this.hashSlots[slot] = key;
      this.slotWords[slot] = [w, id];
    }
    this.base = this.vocab.size + 1;
    // Every key is below base^k, so it is exact when base^k is a safe integer.
    this.numericKeys = this.base ** this.k <= Number.MAX_SAFE_INTEGER;
    const clauses = clauseRanges(promptText, ws);
    const distinctive = distinctiveWords(promptText, ws);
    const n = ws.length;
    FORMS.forEach((f, i) => {
      const ids = (formWords[i] as string[]).map((w) => this.vocab.get(w) ?? 0);
      const form: FormIndex = {
        name: f.name,
        bit: 1 << i,
        shingles: new Set(),
        clausesOf: new Map(),
        clauseNeed: [],
        clauseTokenKeys: [],
        pairs:
          this.k >= 2 && this.base * this.base <= MAX_PAIR_BITS
            ? new Uint32Array(Math.ceil((this.base * this.base) / 32))
            : undefined,
      };
      for (let j = 0; j + this.k <= ids.length; j++) {
        const key = this.key(ids, j);
        if (key === undefined) continue;
        form.shingles.add(key);
        if (form.pairs) {
          const bit = (ids[j] as number) * this.base + (ids[j + 1] as number);
          form.pairs[bit >>> 5] = (form.pairs[bit >>> 5] as number) | (1 << (bit & 31));
        }
      }
      // A reversed form holds the prompt's word j at n - 1 - j: its clauses and distinctive words are mirrored.
      const flags = f.reversed ? distinctive.slice().reverse() : distinctive;
      for (const [from, to] of clauses)
        this.addClause(form, f.reversed ? n - to : from, f.reversed ? n - from : to, ids, flags);
      this.forms.push(form);
    });
    this.allForms = (1 << FORMS.length) - 1;
    // A prompt shorter than the threshold is found when most of it is repeated; below 6 words it is not tracked.
    const wanted = options.minCovered ?? 12;
    this.minCovered =
      ws.length >= 6 ? Math.min(wanted, Math.max(6, Math.ceil(ws.length * 0.8))) : Number.POSITIVE_INFINITY;
    this.minContainment = options.minContainment ?? 0.5;
    this.maxPieceGap = Math.max(this.maxGap, options.maxPieceGap ?? 24);
    this.maxPieceGapChars = options.maxPieceGapChars ?? 80;
    this.minShingles = Math.max(1, this.minCovered - this.k + 1);
  }

  private addClause(form: FormIndex, from: number, to: number, ids: readonly number[], distinctive: Uint8Array): void {
    if (to - from < Math.max(MIN_CLAUSE_WORDS, this.k)) return;
    const keys = new Set<number | string>();
    const tokenKeys = new Set<number | string>();
    for (let i = from; i + this.k <= to; i++) {
      const key = this.key(ids, i);
      if (key === undefined) continue;
      keys.add(key);
      if (distinctive.subarray(i, i + this.k).some((d) => d === 1)) tokenKeys.add(key);
    }
    if (tokenKeys.size === 0) return;
    const clause = form.clauseNeed.length;
    form.clauseNeed.push(Math.ceil(keys.size * CLAUSE_SHARE));
    form.clauseTokenKeys.push(tokenKeys);
    for (const key of keys) {
      const list = form.clausesOf.get(key);
      if (list) list.push(clause);
      else form.clausesOf.set(key, [clause]);
    }
  }

  /** True when the run of covered words [first, last] repeats a distinctive clause of `form` near-verbatim. */
  private repeatsClause(
    form: FormIndex,
    first: number,
    last: number,
    keyAt: (i: number) => number | string | undefined,
  ): boolean {
    if (form.clauseNeed.length === 0) return false;
    const found = new Map<number, Set<number | string>>();
    for (let i = first; i + this.k - 1 <= last; i++) {
      const key = keyAt(i);
      if (key === undefined) continue;
      for (const c of form.clausesOf.get(key) ?? []) {
        const set = found.get(c) ?? new Set<number | string>();
        set.add(key);
        found.set(c, set);
      }
    }
    for (const [c, set] of found) {
      if (set.size < (form.clauseNeed[c] as number)) continue;
      for (const key of set) if ((form.clauseTokenKeys[c] as Set<number | string>).has(key)) return true;
    }
    return false;
  }

  /** The words of every form of the prompt, folded (lower case). */
  vocabulary(): IterableIterator<string> {
    return this.vocab.keys();
  }

  /** The id of a folded vocabulary word, 0 when it is none. */
  idOf(word: string): number {
    return this.vocab.get(word) ?? 0;
  }

  /**
   * False only when no shingle of any form begins with the words of ids a, b: text whose consecutive words never
   * pass this holds no shingle. Always true when there is no pair table (k < 2, or a vocabulary too large for one).
   */
  mayBeginShingle(a: number, b: number): boolean {
    if (a === 0 || b === 0) return this.k < 2;
    const bit = a * this.base + b;
    for (const form of this.forms) {
      if (!form.pairs) return true;
      if (((form.pairs[bit >>> 5] as number) & (1 << (bit & 31))) !== 0) return true;
    }
    return false;
  }

  get enabled(): boolean {
    return Number.isFinite(this.minCovered) && (this.forms[0] as FormIndex).shingles.size > 0;
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
    const ws = this.asciiWords(text) ?? this.foldedWords(text);
    const ids = ws.ids;
    const n = ws.count;
    const masks = this.formMask;
    const k = this.k;
    // Most text shares no word with the prompt, or none in a row within one form: nothing to cover.
    let shared = 0;
    // Per form, a run of k words of that form in a row: `acc` holds the forms every word of the current
    // window belongs to, recomputed only from a word that belongs to some form.
    for (let i = k - 1; i < n; i++) {
      let acc = masks[ids[i] as number] as number;
      if (acc === 0) {
        i += k - 1;
        continue;
      }
      for (let j = 1; j < k && acc !== 0; j++) acc &= masks[ids[i - j] as number] as number;
      shared |= acc;
    }
    const trailing = this.trailingOpen(text, ws);
    const trailingAt = trailing >= 0 ? (ws.starts[trailing] as number) : -1;
    if (shared === 0) return { spans: [], containment: 0, openFrom: trailingAt };
    const spans: ExtractionSpan[] = [];
    let containment = 0;
    let openFrom = -1;
    for (const form of this.forms) {
      if ((shared & form.bit) === 0) continue;
      const r = this.scanForm(form, ws, trailing, text.length, spans);
      containment = Math.max(containment, r.containment);
      if (r.openFrom >= 0 && (openFrom < 0 || r.openFrom < openFrom)) openFrom = r.openFrom;
    }
    if (trailingAt >= 0 && (openFrom < 0 || trailingAt < openFrom)) openFrom = trailingAt;
    if (spans.length > 1) spans.sort((a, b) => a.start - b.start || b.end - a.end);
    return { spans, containment, openFrom };
  }

  /** The shingle triggers for one form (see the file comment); spans go to `spans`. */
  private scanForm(
    form: FormIndex,
    ws: WordIds,
    trailing: number,
    textLength: number,
    spans: ExtractionSpan[],
  ): { containment: number; openFrom: number } {
    const ids = ws.ids;
    const n = ws.count;
    const covered = new Uint8Array(n);
    // The shingle found at each word, as an index into `hitKeys` plus one: a plain array of n keys is a dictionary
    // for a third of a million words, and allocating it cost more than the whole walk.
    const hitOf = new Int32Array(n);
    const hitKeys: Array<number | string> = [];
    const keyAt = (i: number): number | string | undefined => {
      const h = hitOf[i] as number;
      return h === 0 ? undefined : hitKeys[h - 1];
    };
    const found = new Set<number | string>();
    const pairs = form.pairs;
    const base = this.base;
    for (let i = 0; i + this.k <= n; i++) {
      if (pairs) {
        const bit = (ids[i] as number) * base + (ids[i + 1] as number);
        if (((pairs[bit >>> 5] as number) & (1 << (bit & 31))) === 0) continue;
      }
      const key = this.key(ids, i);
      if (key !== undefined && form.shingles.has(key)) {
        found.add(key);
        hitOf[i] = hitKeys.push(key);
        covered.fill(1, i, i + this.k);
      }
    }
    const containment = found.size / form.shingles.size;
    // Runs: covered words with gaps of at most maxGap. Pieces: runs with gaps of at most maxPieceGap.
    const runs: Array<{ first: number; last: number; count: number }> = [];
    for (let i = 0; i < n; i++) {
      if (!covered[i]) continue;
      const r = runs[runs.length - 1];
      if (r && i - r.last - 1 <= this.maxGap) {
        r.last = i;
        r.count++;
      } else runs.push({ first: i, last: i, count: 1 });
    }
    const span = (r: { first: number; last: number; count: number }) =>
      spans.push({
        start: ws.starts[r.first] as number,
        end: ws.ends[r.last] as number,
        coveredWords: r.count,
        form: form.name,
      });
    let openFrom = -1;
    for (let a = 0; a < runs.length;) {
      let b = a + 1;
      while (
        b < runs.length &&
        this.joins(ws, (runs[b - 1] as (typeof runs)[number]).last, (runs[b] as (typeof runs)[number]).first)
      )
        b++;
      const group = runs.slice(a, b);
      const first = (group[0] as (typeof runs)[number]).first;
      const last = (group[group.length - 1] as (typeof runs)[number]).last;
      const distinct = new Set<number | string>();
      for (let i = first; i <= last; i++) {
        const key = keyAt(i);
        if (key !== undefined) distinct.add(key);
      }
      const whole = distinct.size >= this.minShingles && distinct.size / form.shingles.size >= this.minContainment;
      for (const r of group)
        if (whole || r.count >= this.minCovered || this.repeatsClause(form, r.first, r.last, keyAt)) span(r);
      // The last group grows when a word not yet covered becomes covered within maxPieceGap of its last one:
      // the earliest such word begins the trailing words that may still begin a shingle (or is the next word).
      // Then the group is held from its first run: a run that joins it later is judged by the shingles of the
      // whole group (containment), so every run of it must still be in view, even one that is a finding by its
      // own count (releasing those let a later piece of a prompt cut into pieces be judged alone, and go out).
      const next = trailing >= 0 ? trailing : n;
      const nextAt = trailing >= 0 ? (ws.starts[trailing] as number) : textLength;
      // A run grows over up to maxGap uncovered words of any length; a group only within maxPieceGapChars.
      const gap = next - last - 1;
      const grows =
        gap <= this.maxGap || (gap <= this.maxPieceGap && nextAt - (ws.ends[last] as number) <= this.maxPieceGapChars);
      if (b === runs.length && grows) openFrom = ws.starts[first] as number;
      a = b;
    }
    return { containment, openFrom };
  }

  /** True when a covered run starting at word `next` joins the group whose last covered word is `last`. */
  private joins(ws: WordIds, last: number, next: number): boolean {
    return (
      next - last - 1 <= this.maxPieceGap &&
      (ws.starts[next] as number) - (ws.ends[last] as number) <= this.maxPieceGapChars
    );
  }

  /**
   * Index of the first of the last words that could begin a shingle together with words still to come: at most k − 1
   * complete ones, each a prompt word, and a last word that the end of the text cuts (it may still grow
   * into a prompt word, so it is one of the k itself); -1 when none.
   */
  private trailingOpen(text: string, ws: WordIds): number {
    let from = -1;
    const lastOpen = ws.count > 0 && (ws.ends[ws.count - 1] as number) >= text.length;
    const reach = lastOpen ? this.k : this.k - 1;
    for (let i = ws.count - 1; i >= 0 && i >= ws.count - reach; i--) {
      const start = ws.starts[i] as number;
      const end = ws.ends[i] as number;
      const cut =
        i === ws.count - 1 &&
        end >= text.length &&
        foldsWithin(text, start, end, this.longestWord) &&
        this.vocabPrefixes.has(foldedWord(text.slice(start, end)));
      if (!ws.ids[i] && !cut) break;
      from = i;
    }
    return from;
  }

  /**
   * Words of any text, folded one by one, with their vocabulary ids. A word longer than any vocabulary word even
   * folded is not folded at all: hex of `EAA…` decodes to one word of a sixth of a million letters, folded in full
   * (twice, with the check of the word the end cuts) only to be found in no vocabulary.
   */
  private foldedWords(text: string): WordIds {
    const out = emptyWordIds(text.length >> 3);
    const longest = this.longestWord;
    forEachWord(text, (start, end) =>
      push(
        out,
        start,
        end,
        foldsWithin(text, start, end, longest) ? (this.vocab.get(foldedWord(text.slice(start, end))) ?? 0) : 0,
      ),
    );
    return out;
  }

  /**
   * Words of ASCII text without building them: letters and digits are hashed lower-cased as they are read
   * and looked up by hash, the string compared only on a hash hit (responses are long, prompts short).
   * Undefined as soon as a character beyond ASCII appears (the text is then read by `foldedWords`): one walk
   * both checks and reads the text. The arrays are scratch buffers shared by every scan (a scan is synchronous
   * and returns none of them), so reading a response allocates nothing.
   */
  private asciiWords(text: string): WordIds | undefined {
    const len = text.length;
    const out = scratchWordIds(len);
    let starts = out.starts;
    let ends = out.ends;
    let ids = out.ids;
    let cap = starts.length;
    let count = 0;
    const unit = ASCII_UNIT;
    const slots = this.hashSlots;
    const slotWords = this.slotWords;
    const mask = slots.length - 1;
    let i = 0;
    while (i < len) {
      let u = unit[text.charCodeAt(i)] as number;
      if (u === 0) {
        i++;
        continue;
      }
      if (u === BEYOND_ASCII) return undefined;
      const start = i;
      let h = FNV_OFFSET;
      for (;;) {
        h = Math.imul(h ^ u, FNV_PRIME);
        if (++i >= len) break;
        u = unit[text.charCodeAt(i)] as number;
        if (u === 0) break;
        if (u === BEYOND_ASCII) return undefined;
      }
      const key = h >>> 0 || 1;
      let id = 0;
      for (let slot = key & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
        if (slots[slot] !== key) continue;
        const [w, wid] = slotWords[slot] as [string, number];
        if (w.length === i - start && sameLowerAscii(text, start, w)) {
          id = wid;
          break;
        }
      }
      if (count === cap) {
        out.count = count;
        grow(out);
        starts = out.starts;
        ends = out.ends;
        ids = out.ids;
        cap = starts.length;
      }
      starts[count] = start;
      ends[count] = i;
      ids[count] = id;
      count++;
    }
    out.count = count;
    return out;
  }
}

/**
 * Per UTF-16 code unit: the lower-cased code of an ASCII letter or digit, BEYOND_ASCII for any unit above ASCII,
 * 0 for anything else.
 */
const BEYOND_ASCII = 0xff;
const ASCII_UNIT = new Uint8Array(65536).fill(BEYOND_ASCII);
for (let c = 0; c < 128; c++)
  ASCII_UNIT[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) ? c : c >= 0x41 && c <= 0x5a ? c | 0x20 : 0;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashWord(w: string, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ w.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function sameLowerAscii(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    const c = text.charCodeAt(start + k);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Words as parallel arrays: offsets into the scanned text and the vocabulary id (0 = not a prompt word). */
interface WordIds {
  starts: Int32Array;
  ends: Int32Array;
  ids: Int32Array;
  count: number;
}

function emptyWordIds(capacity: number): WordIds {
  const n = Math.max(16, capacity);
  return { starts: new Int32Array(n), ends: new Int32Array(n), ids: new Int32Array(n), count: 0 };
}

/**
 * Scratch arrays for `asciiWords`, kept between scans up to SCRATCH_KEEP words (1.5 MB). A text longer than the kept
 * arrays can hold gets arrays for as many words as it can have (half its length) at once: a megabyte of one-letter
 * words (`a a a`, the spelled view of hostile text) has half a million, and growing arrays to that by doubling cost
 * more than reading the words.
 */
let scratch: WordIds | undefined;
const SCRATCH_KEEP = 1 << 17;

function scratchWordIds(textLength: number): WordIds {
  if (scratch && scratch.starts.length > SCRATCH_KEEP) scratch = undefined;
  const likely = Math.max(16, textLength >> 3);
  if (!scratch || scratch.starts.length < likely)
    scratch = emptyWordIds(likely > SCRATCH_KEEP ? (textLength >> 1) + 1 : Math.min(SCRATCH_KEEP, textLength >> 1) + 1);
  scratch.count = 0;
  return scratch;
}

function grow(w: WordIds): void {
  const twice = (a: Int32Array) => {
    const b = new Int32Array(a.length * 2);
    b.set(a);
    return b;
  };
  w.starts = twice(w.starts);
  w.ends = twice(w.ends);
  w.ids = twice(w.ids);
}

function push(w: WordIds, start: number, end: number, id: number): void {
  if (w.count === w.starts.length) grow(w);
  w.starts[w.count] = start;
  w.ends[w.count] = end;
  w.ids[w.count] = id;
  w.count++;
}
