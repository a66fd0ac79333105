/**
 * The leak index (DESIGN §3 "secrets are values the system knows"): every secret value handed out is
 * registered with its encoded forms; `scan` finds any of them in one linear pass (Aho-Corasick, letters in
 * either case), whatever the number of secrets. Values are held in memory only, never written anywhere.
 *
 * What one scan finds: every form of encodings.ts (raw, base64/base64url/base32 at every alignment, hex, URL,
 * JSON, reversed, rot13, the value without its separators, windows of a high-entropy value — a window hit grown over
 * the text around it that still spells the value, grow-back.ts), in any letter case;
 * and, in rewritten copies of the parts of the text that need them, hex written in groups or as byte escapes,
 * base64 wrapped over lines, a value written with separators between its pieces (`s k - a n t`, `AbCd-EfGh-…`),
 * a value written as character codes (`115, 107, 45`, `&#115;`, `\u0073`), hex dumps and hex in little-endian 32-bit
 * words (`od -X`, rewritten into byte order), and base64 and hex runs decoded, where the character forms find a
 * value reversed, rot13'd, case-changed or cut before it was encoded (decoded-runs.ts). Every rewrite has a
 * bounded expansion, so a hit never spans more than `maxHitSpan()` characters of the scanned text (what a
 * stream's hold-back must cover).
 */
import type { FragmentScan } from './value-fragments.js';
import { ValueFragments } from './value-fragments.js';
import type { LeakHit, LeakScanner } from '../core/index.js';
import {
  charCodeView,
  MAX_CODE_GAP,
  MAX_CODE_TOKEN,
  openCharCodeTail,
  pendingCharCode,
  type DecodedView,
  asciiLower,
  MultiMatcher,
  redactLeakHits,
  MAX_SEPARATOR_RUN,
  openSeparatedTail,
  SEPARATED_KEY,
  separatedRegions,
  separatedViewOf,
  stripSeparators,
  SubstringAutomaton,
} from '../text/index.js';
import { encodedForms, isCharacterForm, isWindow, type EncodedForm, type LeakEncoding } from './encodings.js';
import { decodedRunsViews, openDecodedRun } from './decoded-runs.js';
import { hexDumpView } from './hex-dump.js';
import { controlFreeTailStart, withoutControls } from './wide-text.js';
import { MAX_WORD_GAP, wordSwapped32View } from './hex-words32.js';
import {
  GROW_SEPARATOR_RUN,
  growValue,
  growWindowHits,
  longestOwnRun,
  reversedUnits,
  spelledFrom,
  type GrowValue,
  type WindowOrigin,
  windowPlaces,
} from './grow-back.js';

/**
 * Second passes over a rewritten copy of the text, and the encodings a hit in them may have: hex with
 * `:`, `-`, `,` and whitespace dropped, the `\x` or `0x` in front of each byte dropped (aa:bb, `xxd` groups,
 * \x61\x62, 0x61, 0x62); base64 with whitespace dropped when the text has a line break (wrapped, indented).
 * Every other character becomes NUL, which no indexed form contains, so a hit never spans two runs. A run of
 * dropped characters longer than `maxDrop`, or one that follows the previous one after fewer than `minKept`
 * kept characters, is a break too: that bounds how far a hit can spread in the raw text. Base64 cut into groups
 * on one line is not looked for: it would cost every single-line log a second pass.
 */
interface Pass {
  /** 1 = kept, 2 = separator (dropped), 0 = run break; per ASCII code unit, 0 above ASCII. */
  readonly classes: Uint8Array;
  readonly lowerHex: boolean;
  readonly encodings: readonly LeakEncoding[];
  /** Longest run of dropped characters; a longer one breaks the run. */
  readonly maxDrop: number;
  /** Kept characters needed between two runs of dropped ones; fewer break the run. */
  readonly minKept: number;
  /**
   * Per UTF-16 code unit, what the copy keeps (0: dropped, 0xffff: a break), or would keep: read as the matcher's
   * key over the text, it finds every match the copy can hold (and more: it knows no bound on dropped runs), so a
   * text whose key holds none needs no copy. Valid for a text `keyCovers` accepts.
   */
  readonly key: Uint16Array;
  /** Whether every character the copy drops from `text` is one the key drops. */
  readonly keyCovers: (text: string) => boolean;
  /**
   * Cheap test that the pass can find anything the plain scan did not (`minHex`: the shortest indexed hex form):
   * most text (every log line) has no separated stretch of hex digits that long, and no line break for base64 to
   * be wrapped at, and a pass costs a copy and a second scan of the whole text. It reads only what a hit's own span
   * holds, so a stream that holds a hit opens it as the whole text does.
   */
  readonly applies: (text: string, minHex: number) => boolean;
}

/** Key value of a character that ends a run: no match spans it (any value other than 0 keeps the key a superset). */
const KEY_BREAK = 0xffff;

/**
 * The key of a pass: kept characters as themselves, separators (and `also`) dropped, other ASCII breaks. Beyond ASCII
 * the matcher drops what a key table does not cover: looser than a break, still a superset, and a table of 128
 * entries costs a new matcher little to compose.
 */
function passKey(table: Uint8Array, also = ''): Uint16Array {
  const key = new Uint16Array(128).fill(KEY_BREAK);
  for (let c = 0; c < 128; c++) if (table[c] !== 0) key[c] = table[c] === 1 ? c : 0;
  for (let i = 0; i < also.length; i++) key[also.charCodeAt(i)] = 0;
  return key;
}

/**
 * Whether text[start, end) is a form read under `key` with nothing dropped: every unit an ASCII character the key
 * keeps as itself. Such an occurrence is one the plain scan finds in the raw text.
 */
function spelledAsIs(text: string, key: Uint16Array, start: number, end: number, from: number): boolean {
  if (start < from) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || key[c] !== c) return false;
  }
  return true;
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

/**
 * Per UTF-16 code unit, for the walk below without a branch per character: STRETCH_KEEP is all ones for a hex digit
 * and for what the hex pass may drop between digits (separators, `\\`, `x`), 0 for a break; STRETCH_DIGIT is 1 for
 * a hex digit.
 */
const STRETCH_KEEP = new Int32Array(65536);
const STRETCH_DIGIT = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const digit = /[0-9a-fA-F]/.test(ch);
  STRETCH_DIGIT[c] = digit ? 1 : 0;
  STRETCH_KEEP[c] = digit || /[\s:,\\xX-]/.test(ch) ? -1 : 0;
}

/**
 * Digits a run of 32-bit words holds on one line at least: two words, or one after an offset column (`xxd -e -c 4`).
 * A value shorter than that is its own bound (a word and a short last word).
 */
const MIN_WORDS_STRETCH = 16;

/**
 * Whether the text holds a stretch of hex digits and what the hex pass drops between them (separators, `\\`, `x`;
 * every other character breaks a run in its copy) with `min` digits and something dropped between two of them:
 * what a hit of the hex pass has that the plain scan (any letter case) does not find. Whatever the group sizes (`xxd -g 8`, groups of 6, three groups) and whatever else the text holds: a contiguous
 * run of digits (a trace id, a commit hash) does not open it.
 */
export function separatedHexStretch(text: string, min: number): boolean {
  return separatedHexDigits(text, min, min) >= min;
}

/**
 * The most digits of such a stretch, counted up to `cap`, or a number below `floor` when none has `floor`: one walk
 * answers both the hex pass's gate and the 32-bit word view's.
 */
function separatedHexDigits(text: string, floor: number, cap: number): number {
  const keep = STRETCH_KEEP;
  const digit = STRETCH_DIGIT;
  const n = text.length;
  /** Digits in the stretch, and in its current contiguous run: more in the stretch means a separator stood between. */
  let count = 0;
  let plain = 0;
  let best = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const d = digit[c] as number;
    count = (count & (keep[c] as number)) + d;
    plain = (plain & -d) + d;
    if (count >= floor && count > plain && d === 1 && count > best) {
      best = count;
      if (best >= cap) return best;
    }
  }
  return best;
}

const HEX_CLASSES = classes(/[0-9a-fA-F]/, /[\s:,-]/);
const HEX_PASS: Pass = {
  classes: HEX_CLASSES,
  // A byte prefix `\x` loses its backslash and `x` in the key wherever they stand; `0x` would keep its `0`, so a text
  // holding one is copied.
  key: passKey(HEX_CLASSES, '\\xX'),
  keyCovers: (t) => t.indexOf('0x') < 0 && t.indexOf('0X') < 0,
  lowerHex: true,
  encodings: ['hex', 'hex-words'],
  maxDrop: 4,
  minKept: 2,
  applies: separatedHexStretch,
};
const BASE64_CLASSES = classes(/[A-Za-z0-9+/_=-]/, /\s/);
const BASE64_PASS: Pass = {
  classes: BASE64_CLASSES,
  key: passKey(BASE64_CLASSES),
  keyCovers: () => true,
  lowerHex: false,
  encodings: ['base64', 'base64url'],
  maxDrop: 16,
  minKept: 8,
  applies: (t) => LINE_BREAK.test(t),
};
const PASSES: readonly Pass[] = [HEX_PASS, BASE64_PASS];
const UTF16 = new TextDecoder('utf-16le');

/** Whether text[i] is a character the pass drops: a separator, or a byte prefix in the hex pass. */
function droppable(text: string, i: number, pass: Pass): boolean {
  const c = text.charCodeAt(i);
  if (c >= 128) return false;
  if (pass.classes[c] === 2) return true;
  return pass.lowerHex && (c === 0x5c || c === 0x30 || c === 0x78 || c === 0x58) && bytePrefixAt(text, i);
}

/**
 * The rewritten copy, or undefined when it would equal the text's own runs (nothing dropped or lower-cased).
 * Each view unit records the raw index it came from.
 */
function compacted(text: string, pass: Pass): DecodedView | undefined {
  const units = new Uint16Array(text.length);
  const raw = new Int32Array(text.length);
  let n = 0;
  let changed = false;
  /** Dropped characters in the current run, kept ones since the last run (-1: no run in this part yet). */
  let drop = 0;
  let kept = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (droppable(text, i, pass)) {
      const starts = drop === 0;
      drop++;
      if (drop <= pass.maxDrop && !(starts && kept >= 0 && kept < pass.minKept)) {
        changed = true;
        continue;
      }
      // Too long a run, or too close to the previous one: a break, not a separator.
      raw[n] = i;
      units[n++] = 0;
      kept = -1;
      continue;
    }
    if (drop > 0) kept = 0;
    drop = 0;
    const k = c < 128 ? (pass.classes[c] as number) : 0;
    raw[n] = i;
    if (k === 0) {
      units[n++] = 0;
      kept = -1;
      continue;
    }
    if (kept >= 0) kept++;
    if (pass.lowerHex && c >= 0x41 && c <= 0x46) {
      units[n++] = c + 32;
      changed = true;
    } else units[n++] = c;
  }
  if (!changed) return undefined;
  return {
    text: UTF16.decode(units.subarray(0, n)),
    toRaw: (start, end) => [raw[start] as number, (raw[Math.max(start, end - 1)] as number) + 1],
  };
}

/** A rewritten copy of parts of the text and the encodings a hit in it may have, with the label it gets. */
interface ViewPass {
  /**
   * `minKept`: the shortest character form indexed; a part of the copy shorter than that cannot hold one. `maybe`
   * tells whether the key of text[from, to) under `key` holds a form the pass accepts: where it does not, no copy
   * is needed.
   */
  readonly view: (
    text: string,
    minKept: number,
    maybe: (key: Uint16Array, from: number, to: number) => boolean,
  ) => DecodedView | undefined;
  readonly accepts: (encoding: LeakEncoding) => boolean;
  /** Whether window hits grow over the view's text (it decodes the value) rather than over the raw text. */
  readonly growsInView: boolean;
  readonly label: (encoding: LeakEncoding) => string;
}

const VIEW_PASSES: readonly ViewPass[] = [
  {
    view: (text, minKept, maybe) => {
      // The whole text's key first: one matcher pass, cheaper than finding the regions of a text made of them (a hex
      // dump, a list of numbers); only where it holds a form are the regions found and each one's key read.
      if (!maybe(SEPARATED_KEY, 0, text.length)) return undefined;
      const regions = separatedRegions(text, minKept);
      for (let r = 0; r < regions.length; r += 2)
        if (maybe(SEPARATED_KEY, regions[r] as number, regions[r + 1] as number)) return separatedViewOf(text, regions);
      return undefined;
    },
    accepts: isCharacterForm,
    growsInView: false,
    label: (e) => (e === 'raw' || e === 'spaced' ? 'spaced' : e.includes('spaced') || isWindow(e) ? e : `${e}+spaced`),
  },
  { view: (text) => charCodeView(text), accepts: isCharacterForm, growsInView: true, label: () => 'char-codes' },
];

/** How far a hit of a form of `length` characters and this encoding can spread in the scanned text. */
function spanBound(encoding: LeakEncoding, length: number): number {
  const gaps = (minKept: number) => Math.max(0, Math.floor((length - 1) / minKept));
  let bound = length;
  if (encoding === 'hex' || encoding === 'hex-words')
    bound = Math.max(bound, length + gaps(HEX_PASS.minKept) * HEX_PASS.maxDrop);
  if (encoding === 'hex') {
    // In 32-bit words the value may start at any byte of its first word: one word more than its length needs.
    const words = Math.ceil(length / 8) + 1;
    bound = Math.max(bound, words * 8 + (words - 1) * MAX_WORD_GAP);
  }
  if (encoding === 'base64' || encoding === 'base64url')
    bound = Math.max(bound, length + gaps(BASE64_PASS.minKept) * BASE64_PASS.maxDrop);
  // A window hit grown over the value (grow-back.ts) spans at most the value with separators between its characters.
  if (encoding === 'raw') bound = Math.max(bound, length + gaps(1) * GROW_SEPARATOR_RUN);
  if (isCharacterForm(encoding)) {
    bound = Math.max(bound, length + gaps(1) * MAX_SEPARATOR_RUN);
    bound = Math.max(bound, length * MAX_CODE_TOKEN + gaps(1) * MAX_CODE_GAP);
  }
  return bound;
}

/**
 * Start of the shortest tail of `text` that holds `kept` characters the pass keeps, or that reaches back to
 * a character that breaks its runs: no form can be under way from before it.
 */
function passTail(text: string, pass: Pass, kept: number): number {
  let count = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (droppable(text, i, pass)) continue;
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
  /** The form as registered (its case), to tell a case-folded copy of the raw value. */
  readonly form: string;
  /** For a window: the value it is a window of, to grow a hit over (grow-back.ts). */
  readonly window?: WindowOrigin;
}

/** A hit while the scan runs: whether it came from a window (windows of one secret are merged), and which. */
interface Found extends LeakHit {
  start: number;
  end: number;
  readonly partial: boolean;
  readonly window?: WindowOrigin | undefined;
}

/** Hits as `scan` returns them: windows of one secret that overlap or touch are one hit, and none lies inside a full hit. */
function mergePartials(found: readonly Found[]): LeakHit[] {
  const hit = (f: Found): LeakHit => ({ start: f.start, end: f.end, secretName: f.secretName, encoding: f.encoding });
  if (!found.some((f) => f.partial)) return found.map(hit);
  const full = found.filter((f) => !f.partial).map(hit);
  const merged: LeakHit[] = [];
  for (const f of found.filter((x) => x.partial).sort((a, b) => a.start - b.start)) {
    let at = -1;
    for (let i = merged.length - 1; i >= 0 && at < 0; i--)
      if ((merged[i] as LeakHit).secretName === f.secretName) at = i;
    const last = merged[at];
    if (last && f.start <= last.end) merged[at] = { ...last, end: Math.max(last.end, f.end) };
    else merged.push(hit(f));
  }
  const covered = (p: LeakHit) =>
    full.some((f) => f.secretName === p.secretName && f.start <= p.start && f.end >= p.end);
  return [...full, ...merged.filter((p) => !covered(p))];
}

/** Where a window form stands in its value (separators dropped), every place: what a hit of it grows over. */
function windowOf(f: EncodedForm, value: GrowValue | undefined): { window?: WindowOrigin } {
  if (!value || !isWindow(f.encoding)) return {};
  const form = asciiLower(stripSeparators(f.text));
  const at = windowPlaces(value, form);
  // A window that does not stand in its value without separators (it held nothing else) has nothing to grow over.
  return at.length > 0 ? { window: { value, form, at } } : {};
}

export class LeakIndex implements LeakScanner {
  /** form text, ASCII lower-cased → who it belongs to (first registration wins for a shared form). */
  private readonly forms = new Map<string, Entry>();
  /** Values already registered, by name, so re-registering is cheap. */
  private readonly registered = new Map<string, Set<string>>();
  /** The values themselves, for runs that carry some of their characters in order (L08.1). */
  private readonly fragments = new ValueFragments();
  private matcher: MultiMatcher | undefined;
  private entries: Entry[] = [];
  private longestSpan = 0;
  /** Length of the longest indexed form. */
  private longestText = 0;
  /** Length of the shortest indexed hex form (what the hex pass can find). */
  private shortestHexForm = Number.MAX_SAFE_INTEGER;
  /** Length of the shortest indexed character form (what separated writing and character codes can carry). */
  private shortestCharacterForm = Number.MAX_SAFE_INTEGER;
  /** Every value held as windows, without separators, lower-cased and reversed: what a window hit may grow over. */
  private readonly windowedValues = new SubstringAutomaton();
  private hasWindows = false;
  /** The longest run of separators a windowed value has (a grown hit skips that many more). */
  private longestOwnRun = 0;

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
    this.fragments.add(secretName, value);
    const grown = forms.some((f) => isWindow(f.encoding)) ? growValue(value) : undefined;
    if (grown) {
      this.windowedValues.add(reversedUnits(grown.kept));
      this.longestOwnRun = Math.max(this.longestOwnRun, longestOwnRun(grown));
      this.hasWindows = true;
    }
    for (const f of forms) {
      const key = asciiLower(f.text);
      if (!this.forms.has(key)) {
        this.forms.set(key, { secretName, encoding: f.encoding, form: f.text, ...windowOf(f, grown) });
        this.longestSpan = Math.max(this.longestSpan, spanBound(f.encoding, f.text.length));
        this.longestText = Math.max(this.longestText, f.text.length);
        if (f.encoding === 'hex' || f.encoding === 'hex-words')
          this.shortestHexForm = Math.min(this.shortestHexForm, f.text.length);
        if (isCharacterForm(f.encoding))
          this.shortestCharacterForm = Math.min(this.shortestCharacterForm, f.text.length);
        this.matcher = undefined;
      }
    }
    return true;
  }

  /** A window of `symbols` (letters and digits) holding a value's characters in order, others left out (ValueFragments). */
  fragmentsIn(symbols: Uint8Array): FragmentScan {
    return this.fragments.scan(symbols);
  }

  /** Number of distinct indexed forms. */
  get size(): number {
    return this.forms.size;
  }

  /**
   * The most characters of scanned text one hit can span, over every registered value and every rewrite the
   * scan reads (hex in groups, wrapped base64, separated writing, character codes); hex dumps aside, whose hits
   * are whole lines. A stream that holds back at least this much never releases part of a hit it could still
   * find. 0 while nothing is registered.
   */
  maxHitSpan(): number {
    return this.longestSpan;
  }

  scan(text: string): readonly LeakHit[] {
    if (this.forms.size === 0 || text.length === 0) return [];
    const matcher = this.compiled();
    const hits: Found[] = [];
    matcher.forEachMatchSkipping(text, (pattern, start, end) => {
      const e = this.entries[pattern] as Entry;
      const folded = e.encoding === 'raw' && text.slice(start, end) !== e.form;
      hits.push({
        start,
        end,
        secretName: e.secretName,
        encoding: folded ? 'case-folded' : e.encoding,
        partial: isWindow(e.encoding),
        window: e.window,
      });
    });
    // Hex with separators and base64 wrapped over lines: each run is rewritten into the form the index holds
    // (hex without separators, base64 without whitespace) and scanned again, rather than indexing every way of
    // writing a form.
    let seen: Set<string> | undefined;
    const add = (hit: Found): void => {
      seen ??= new Set(hits.map((h) => `${h.start}:${h.end}:${h.secretName}`));
      const key = `${hit.start}:${hit.end}:${hit.secretName}`;
      if (seen.has(key)) return;
      seen.add(key);
      hits.push(hit);
    };
    const wordsFloor = Math.min(MIN_WORDS_STRETCH, this.shortestHexForm);
    const hexDigits = separatedHexDigits(text, wordsFloor, this.shortestHexForm);
    for (const pass of PASSES) {
      if (pass === HEX_PASS ? hexDigits < this.shortestHexForm : !pass.applies(text, this.shortestHexForm)) continue;
      if (pass.keyCovers(text) && !this.keyHolds(text, pass.key, (e) => pass.encodings.includes(e))) continue;
      const view = compacted(text, pass);
      if (!view) continue;
      matcher.forEachMatch(view.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        if (!pass.encodings.includes(e.encoding)) return;
        const [s, t] = view.toRaw(start, end);
        add({ start: s, end: t, secretName: e.secretName, encoding: e.encoding, partial: false });
      });
    }
    // Separated writing and character codes: only the parts of the text written that way are copied.
    for (const pass of VIEW_PASSES) {
      const view = pass.view(text, this.shortestCharacterForm, (key, from, to) =>
        this.keyHolds(text, key, pass.accepts, from, to),
      );
      if (!view) continue;
      const found: Found[] = [];
      matcher.forEachMatch(view.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        if (!pass.accepts(e.encoding)) return;
        found.push({
          start,
          end,
          secretName: e.secretName,
          encoding: pass.label(e.encoding),
          partial: isWindow(e.encoding),
          window: e.window,
        });
      });
      // Character codes do not spell the value in the raw text: their hits grow over the decoded characters.
      if (pass.growsInView) growWindowHits(view.text, found);
      for (const f of found) {
        const [s, t] = view.toRaw(f.start, f.end);
        add({ ...f, start: s, end: t });
      }
    }
    // Base64 and hex runs decoded: a transform of the value (or a piece of it) encoded. A hit inside one of the
    // same secret already found (plain base64 of the value) adds nothing.
    // UTF-16 text in those runs (PowerShell's `Out-File`, then base64 or `xxd -p`) is read as the characters it holds.
    const runs = decodedRunsViews(text, this.shortestCharacterForm);
    for (const [decoded, label] of [
      [runs.bytes, 'decoded'],
      [runs.wide, 'decoded-utf16'],
    ] as const) {
      if (!decoded) continue;
      const before = hits.length;
      const found: Found[] = [];
      matcher.forEachMatch(decoded.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        if (!isCharacterForm(e.encoding)) return;
        found.push({
          start,
          end,
          secretName: e.secretName,
          encoding: `${label}+${e.encoding}`,
          partial: isWindow(e.encoding),
          window: e.window,
        });
      });
      // The decoded characters spell the value, the raw run does not: hits grow there.
      growWindowHits(decoded.text, found);
      for (const f of found) {
        const [s, t] = decoded.toRaw(f.start, f.end);
        const inside = hits
          .slice(0, before)
          .some((h) => h.secretName === f.secretName && !h.partial && h.start <= s && h.end >= t);
        if (!inside) add({ ...f, start: s, end: t });
      }
    }
    // UTF-16 text read a byte at a time, or a value with other control characters between its characters: every form,
    // in a copy without them.
    const narrow = withoutControls(text);
    if (narrow) {
      matcher.forEachMatch(narrow.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        const [s, t] = narrow.toRaw(start, end);
        add({
          start: s,
          end: t,
          secretName: e.secretName,
          encoding: `controls-dropped+${e.encoding}`,
          partial: isWindow(e.encoding),
          window: e.window,
        });
      });
    }
    // Little-endian 32-bit words (od -X, xxd -e), rewritten into byte order: the plain hex forms match there. A gate of
    // its own: `xxd -e` breaks each line's hex with its text column, which keeps the hex pass's gate closed.
    const words32 = hexDigits >= wordsFloor ? wordSwapped32View(text) : undefined;
    if (words32) {
      matcher.forEachMatch(words32.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        if (e.encoding !== 'hex') return;
        const [s, t] = words32.toRaw(start, end);
        add({ start: s, end: t, secretName: e.secretName, encoding: 'hex-words32', partial: false });
      });
    }
    // A hex dump of a value longer than one line (xxd, hexdump -C): its hit covers the whole lines.
    const dump = hexDumpView(text);
    if (dump) {
      matcher.forEachMatch(dump.text, (pattern, start, end) => {
        const e = this.entries[pattern] as Entry;
        if (e.encoding !== 'hex' && e.encoding !== 'hex-words') return;
        const [s, t] = dump.toRaw(start, end);
        hits.push({ start: s, end: t, secretName: e.secretName, encoding: e.encoding, partial: false });
      });
    }
    growWindowHits(text, hits);
    return mergePartials(hits);
  }

  /**
   * For a stream (the output guard's hold-back): the earliest offset of `text` from which an indexed form may
   * still be completed by text appended later, in every way `scan` reads one — plain, hex with separators,
   * wrapped base64, separated writing, character codes, hex dumps — or text.length when none. Exact, not a
   * fixed window: a tail that begins no form holds nothing. Each rewrite is read as it may still turn out:
   * the passes' gates are not applied, and a run of separated writing or of character codes at the end counts
   * however short it is yet (what opens them may not have arrived).
   */
  openFrom(text: string): number {
    const n = text.length;
    if (this.forms.size === 0 || n === 0) return n;
    const matcher = this.compiled();
    /** Length of the longest suffix of `view` that begins a form (0 when none or when it ends in a break). */
    const openTail = (view: string) =>
      Math.max(
        0,
        matcher.forEachMatch(view, () => {}),
      );
    const reach = Math.min(n, this.longestSpan);
    const at = n - reach;
    let from = n - Math.min(openTail(text.slice(at)), reach);
    const longest = this.longestText;
    for (const pass of PASSES) {
      const t = passTail(text, pass, longest);
      const view = compacted(text.slice(t), pass);
      const open = view ? openTail(view.text) : 0;
      if (view && open > 0) from = Math.min(from, t + view.toRaw(view.text.length - open, view.text.length)[0]);
    }
    const tail = text.slice(at);
    /** Length of the suffix of a decoding view a window hit may yet grow back over (as in `scan`). */
    const spelledTail = (view: string) =>
      this.hasWindows ? view.length - spelledFrom(view, this.windowedValues, this.longestOwnRun) : 0;
    const codes = openCharCodeTail(tail);
    for (const view of [openSeparatedTail(tail), codes, wordSwapped32View(tail, true)]) {
      const open = view ? Math.max(openTail(view.text), view === codes ? spelledTail(view.text) : 0) : 0;
      if (view && open > 0) from = Math.min(from, at + view.toRaw(view.text.length - open, view.text.length)[0]);
    }
    // A base64 or hex run at the end, decoded at its own alignment (its start may lie before the tail).
    const run = openDecodedRun(text, at);
    const openRun = run ? Math.max(openTail(run.text), spelledTail(run.text)) : 0;
    if (run && openRun > 0) from = Math.min(from, run.toRaw(run.text.length - openRun, run.text.length)[0]);
    // UTF-16 text read a byte at a time (or other control characters between a value's), as `scan` reads it: the
    // tail without them (they stretch a form over twice its length or more, past `at`).
    const wideAt = controlFreeTailStart(text, longest);
    const narrow = withoutControls(text.slice(wideAt));
    const openNarrow = narrow ? openTail(narrow.text) : 0;
    if (narrow && openNarrow > 0)
      from = Math.min(from, wideAt + narrow.toRaw(narrow.text.length - openNarrow, narrow.text.length)[0]);
    // A code at the end, or the start of one, may begin a form the codes after it complete.
    from = Math.min(from, at + pendingCharCode(tail));
    // Text spelling part of a windowed value: a window hit later may grow back over it.
    if (this.hasWindows) from = Math.min(from, spelledFrom(text, this.windowedValues, this.longestOwnRun));
    // Hex dumps: the complete lines (the next one may continue them) and the line under way as well.
    const lines = linesBack(text, Math.ceil(longest / 4) + 2);
    const lastBreak = text.lastIndexOf('\n');
    for (const end of lastBreak >= lines ? [lastBreak, n] : [n]) {
      const dump = hexDumpView(text.slice(lines, end), 1);
      const open = dump ? openTail(dump.text) : 0;
      if (dump && open > 0) from = Math.min(from, lines + dump.toRaw(dump.text.length - open, dump.text.length)[0]);
    }
    return from;
  }

  /** Replaces every indexed form in `text` with `[REDACTED:<name>]`; overlapping hits are merged. */
  redact(text: string): { text: string; hits: readonly LeakHit[] } {
    const hits = this.scan(text);
    return { text: hits.length ? redactLeakHits(text, hits) : text, hits };
  }

  /** Whether the key of text[from, to) holds an indexed form of an encoding `accepts` takes. */
  private keyHolds(
    text: string,
    key: Uint16Array,
    accepts: (encoding: LeakEncoding) => boolean,
    from = 0,
    to = text.length,
  ): boolean {
    let found = false;
    this.compiled().forEachKeyMatch(
      text,
      key,
      (pattern, end) => {
        const e = this.entries[pattern] as Entry;
        // A form the key spells with nothing dropped stands in the raw text as it is: the plain scan found it, and a
        // copy would find it again at the same span. Only a form that spans a dropped character needs the copy (a
        // vault value pasted as it is must not switch on every pass).
        found = accepts(e.encoding) && !spelledAsIs(text, key, end - e.form.length, end, from);
        return !found;
      },
      from,
      to,
    );
    return found;
  }

  private compiled(): MultiMatcher {
    if (!this.matcher) {
      const patterns = [...this.forms.keys()];
      this.entries = patterns.map((p) => this.forms.get(p) as Entry);
      this.matcher = new MultiMatcher(patterns, { asciiCaseInsensitive: true });
    }
    return this.matcher;
  }
}
