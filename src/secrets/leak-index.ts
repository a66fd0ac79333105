/**
 * The leak index (DESIGN §3 "secrets are values the system knows"): every secret value handed out is
 * registered with its encoded forms; `scan` finds any of them in one linear pass (Aho-Corasick),
 * whatever the number of secrets. Values are held in memory only, never written anywhere.
 */
import type { LeakHit, LeakScanner } from '../core/leak.js';
import { MultiMatcher } from '../text/multi-match.js';
import { redactLeakHits } from '../text/leak-redact.js';
import { encodedForms, MIN_FORM_LENGTH, type LeakEncoding } from './encodings.js';
import { hexDumpView } from './hex-dump.js';

/**
 * Second passes over a rewritten copy of the text, and the encodings a hit in them may have: hex with
 * `:`, `-`, `,` and whitespace dropped, the `\x` or `0x` in front of each byte dropped, and letters
 * lower-cased (aa:bb, `xxd` groups, \x61\x62, 0x61, 0x62, mixed-case hex); base64 with whitespace
 * dropped when the text has a line break (wrapped, indented). Every other character becomes NUL, which
 * no indexed form contains, so a hit never spans two runs. Base64 cut into groups on one line is not
 * looked for: it would cost every single-line log a second pass.
 */
interface Pass {
  /** 1 = kept, 2 = separator (dropped), 0 = run break; per ASCII code unit, 0 above ASCII. */
  readonly classes: Uint8Array;
  readonly lowerHex: boolean;
  readonly encodings: readonly LeakEncoding[];
  /**
   * Cheap test that the pass can find anything the plain scan did not: most text (every log line) has
   * neither separated hex groups nor a long hex run, and no line break for base64 to be wrapped at, and
   * a pass costs a copy and a second scan of the whole text.
   */
  readonly applies: (text: string) => boolean;
}

function classes(kept: RegExp, separators: RegExp): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    t[c] = kept.test(ch) ? 1 : separators.test(ch) ? 2 : 0;
  }
  return t;
}

/** A line break with base64 text after it: a single log line ends in one, and that must not count. */
const LINE_BREAK = /[\r\n][\t ]*[A-Za-z0-9+/_=-]/;

const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);

/**
 * True when text[i] is part of a byte prefix `\x` or `0x` (followed by two hex digits; a `0x` not glued
 * to a word before it), which the hex pass drops.
 */
function bytePrefixAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  const x = c === 0x78 || c === 0x58;
  const at = x ? i - 1 : i;
  const p = text.charCodeAt(at);
  if (!(p === 0x5c || (p === 0x30 && !isAlnum(text.charCodeAt(at - 1))))) return false;
  const n = text.charCodeAt(at + 1);
  return (n === 0x78 || n === 0x58) && isHexDigit(text.charCodeAt(at + 2)) && isHexDigit(text.charCodeAt(at + 3));
}

/** Four byte escapes in a row: `\x61\x62…` or `0x61, 0x62, …` (C arrays, hexdump tools). */
function fourByteEscapes(text: string): boolean {
  let count = 0;
  let end = -1;
  for (let i = 0; i + 3 < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c !== 0x5c && c !== 0x30) || !bytePrefixAt(text, i)) continue;
    const gap = text.slice(end, i);
    count = end >= 0 && (gap === '' || gap === ',' || gap === ' ' || gap === ', ' || gap === '\t') ? count + 1 : 1;
    if (count >= 4) return true;
    end = i + 4;
    i += 3;
  }
  return false;
}

/**
 * Hex the plain scan cannot see: four or more groups of 2, 4 or 8 hex digits of one size split by one
 * separator (`aa:bb:cc:dd`, `aa bb …`, `xxd`'s `6162 6364 …`, `61626364 65666768 …`), four byte escapes
 * in a row, or a run of hex digits as long as the shortest indexed hex form, in both letter cases. One
 * walk over the text (another only when it holds a `\x` or `0x`), no regex: a trace id in every log line
 * is a plain lower-case run and must not cost a second scan; a UUID (8-4-4-4-12) has no four groups of
 * one size.
 */
export function hexPassApplies(text: string): boolean {
  let run = 0;
  let lower = false;
  let upper = false;
  let size = 0;
  let groups = 0;
  let escapes = false;
  // A long hex run that a line break continues (`xxd -p`, wrapped at 60 digits).
  let wrapped = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    const digit = c >= 0x30 && c <= 0x39;
    const low = c >= 0x61 && c <= 0x66;
    const up = c >= 0x41 && c <= 0x46;
    if (digit || low || up) {
      if (wrapped && run === 0) return true;
      run += 1;
      lower ||= low;
      upper ||= up;
      if (run >= 2 * MIN_FORM_LENGTH && lower && upper) return true;
      continue;
    }
    if ((c | 0x20) === 0x78 && !escapes) {
      const p = text.charCodeAt(i - 1);
      escapes = p === 0x5c || p === 0x30;
    }
    if (run === 2 || run === 4 || run === 8) {
      if (run === size && groups >= 3) return true;
      const separator = c === 0x3a || c === 0x2d || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
      groups = separator ? (run === size ? groups + 1 : 1) : 0;
      size = run;
    } else if (run > 0 || !(c === 0x3a || c === 0x2d || c === 0x20)) {
      groups = 0;
    }
    const lineBreak = c === 0x0a || c === 0x0d;
    wrapped = lineBreak && (run >= 2 * MIN_FORM_LENGTH || (wrapped && run === 0));
    run = 0;
    lower = false;
    upper = false;
  }
  return escapes && fourByteEscapes(text);
}

const PASSES: readonly Pass[] = [
  { classes: classes(/[0-9a-fA-F]/, /[\s:,-]/), lowerHex: true, encodings: ['hex'], applies: hexPassApplies },
  {
    classes: classes(/[A-Za-z0-9+/_=-]/, /\s/),
    lowerHex: false,
    encodings: ['base64', 'base64url'],
    applies: (t) => LINE_BREAK.test(t),
  },
];
const CHECKPOINT = 1024;
const UTF16 = new TextDecoder('utf-16le');

/** Whether text[i] is dropped from the pass's copy: a separator, or a byte prefix in the hex pass. */
function dropped(text: string, i: number, pass: Pass): boolean {
  const c = text.charCodeAt(i);
  if (c >= 128) return false;
  if (pass.classes[c] === 2) return true;
  return pass.lowerHex && (c === 0x5c || c === 0x30 || c === 0x78 || c === 0x58) && bytePrefixAt(text, i);
}

/**
 * The rewritten copy, or undefined when it would equal the text's own runs (nothing dropped or
 * lower-cased). Every character but a dropped one yields one unit, so view offset o is the o-th
 * character of the text not dropped; checkpoints every 1024 units keep the lookback short.
 */
function compacted(text: string, pass: Pass): { text: string; toRaw(o: number): number } | undefined {
  const units = new Uint16Array(text.length);
  const marks: number[] = [];
  let n = 0;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    if (dropped(text, i, pass)) {
      changed = true;
      continue;
    }
    const c = text.charCodeAt(i);
    const k = c < 128 ? (pass.classes[c] as number) : 0;
    if (n % CHECKPOINT === 0) marks.push(i);
    if (k === 0) units[n++] = 0;
    else if (pass.lowerHex && c >= 0x41 && c <= 0x46) {
      units[n++] = c + 32;
      changed = true;
    } else units[n++] = c;
  }
  if (!changed) return undefined;
  return {
    text: UTF16.decode(units.subarray(0, n)),
    toRaw(o: number): number {
      let i = marks[Math.floor(o / CHECKPOINT)] as number;
      for (let left = o % CHECKPOINT; ; i++) {
        if (dropped(text, i, pass)) continue;
        if (left-- === 0) return i;
      }
    },
  };
}

/**
 * Start of the shortest tail of `text` that holds `kept` characters the pass keeps, or that reaches back to
 * a character that breaks its runs: no form can be under way from before it.
 */
function passTail(text: string, pass: Pass, kept: number): number {
  let count = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (dropped(text, i, pass)) continue;
    const c = text.charCodeAt(i);
    if (c >= 128 || pass.classes[c] === 0) return i + 1;
    if (++count >= kept) return i;
  }
  return 0;
}

/** Start of the line `count` lines before the last one. */
function linesBack(text: string, count: number): number {
  let at = text.length;
  for (let k = 0; k <= count; k++) {
    const nl = text.lastIndexOf('\n', at - 1);
    if (nl < 0) return 0;
    at = nl;
  }
  return at + 1;
}

interface Entry {
  readonly secretName: string;
  readonly encoding: LeakEncoding;
}

export class LeakIndex implements LeakScanner {
  /** form text → who it belongs to (first registration wins for a shared form). */
  private readonly forms = new Map<string, Entry>();
  /** Values already registered, by name, so re-registering is cheap. */
  private readonly registered = new Map<string, Set<string>>();
  private matcher: MultiMatcher | undefined;
  private patterns: string[] = [];
  private entries: Entry[] = [];
  /** Length of the longest indexed form. */
  private longest = 0;

  /**
   * Registers a value under a secret name. Previous values of the same name stay registered: an old
   * value that leaks is still a leak. Returns false when the value is too short to be indexed.
   */
  register(secretName: string, value: string): boolean {
    const known = this.registered.get(secretName) ?? new Set<string>();
    if (known.has(value)) return true;
    const forms = encodedForms(value);
    if (!forms.some((f) => f.encoding === 'raw')) return false;
    known.add(value);
    this.registered.set(secretName, known);
    for (const f of forms) {
      if (!this.forms.has(f.text)) {
        this.forms.set(f.text, { secretName, encoding: f.encoding });
        this.matcher = undefined;
      }
    }
    return true;
  }

  /** Number of distinct indexed forms. */
  get size(): number {
    return this.forms.size;
  }

  scan(text: string): readonly LeakHit[] {
    if (this.forms.size === 0 || text.length === 0) return [];
    const matcher = this.compiled();
    const hits: LeakHit[] = [];
    matcher.forEachMatch(text, (pattern, start, end) => {
      const e = this.entries[pattern] as Entry;
      hits.push({ start, end, secretName: e.secretName, encoding: e.encoding });
    });
    // Hex with separators or in mixed case, and base64 wrapped over lines or cut into groups: each run
    // is rewritten into the form the index holds (lower-case hex, base64 without whitespace) and scanned
    // again, rather than indexing every way of writing a form.
    let seen: Set<string> | undefined;
    for (const pass of PASSES) {
      if (!pass.applies(text)) continue;
      seen ??= new Set(hits.map((h) => `${h.start}:${h.end}:${h.secretName}`));
      const known = seen;
      const view = compacted(text, pass);
      if (!view) continue;
      matcher.forEachMatch(view.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        if (!pass.encodings.includes(e.encoding)) return;
        const hit = {
          start: view.toRaw(start),
          end: view.toRaw(end - 1) + 1,
          secretName: e.secretName,
          encoding: e.encoding,
        };
        const key = `${hit.start}:${hit.end}:${hit.secretName}`;
        if (known.has(key)) return;
        known.add(key);
        hits.push(hit);
      });
    }
    // A hex dump of a value longer than one line (xxd, hexdump -C): its hit covers the whole lines.
    const dump = hexDumpView(text);
    if (dump) {
      matcher.forEachMatch(dump.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        if (e.encoding !== 'hex') return;
        const [s, t] = dump.toRaw(start, end);
        hits.push({ start: s, end: t, secretName: e.secretName, encoding: e.encoding });
      });
    }
    return hits;
  }

  /**
   * For a stream (the output guard's hold-back): the earliest offset of `text` from which an indexed form
   * may still be completed by text appended later — in any encoding and in every way `scan` reads it
   * (separators dropped, wrapped lines joined, hex dump lines) — or text.length when none. Exact, not a
   * fixed window: a tail that begins no form holds nothing. The passes' gates are not applied: they save
   * work on whole texts, and a form cut short may not show yet what opens them.
   */
  openFrom(text: string): number {
    const n = text.length;
    if (this.forms.size === 0 || n === 0) return n;
    const matcher = this.compiled();
    const at = Math.max(0, n - this.longest);
    let from =
      n -
      Math.max(
        0,
        matcher.forEachMatch(text.slice(at), () => {}),
      );
    for (const pass of PASSES) {
      const t = passTail(text, pass, this.longest);
      const view = compacted(text.slice(t), pass);
      const open = view ? matcher.forEachMatch(view.text, () => {}) : 0;
      if (view && open > 0) from = Math.min(from, t + view.toRaw(view.text.length - open));
    }
    const lines = linesBack(text, Math.ceil(this.longest / 4) + 2);
    const dump = hexDumpView(text.slice(lines));
    const open = dump ? matcher.forEachMatch(dump.text, () => {}) : 0;
    if (dump && open > 0) from = Math.min(from, lines + dump.toRaw(dump.text.length - open, dump.text.length)[0]);
    return from;
  }

  /** Replaces every indexed form in `text` with `[REDACTED:<name>]`; overlapping hits are merged. */
  redact(text: string): { text: string; hits: readonly LeakHit[] } {
    const hits = this.scan(text);
    return { text: hits.length ? redactLeakHits(text, hits) : text, hits };
  }

  private compiled(): MultiMatcher {
    if (!this.matcher) {
      this.patterns = [...this.forms.keys()];
      this.entries = this.patterns.map((p) => this.forms.get(p) as Entry);
      this.longest = this.patterns.reduce((m, p) => Math.max(m, p.length), 0);
      this.matcher = new MultiMatcher(this.patterns);
    }
    return this.matcher;
  }
}
