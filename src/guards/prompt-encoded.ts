/**
 * The system prompt written in an encoding that has no words of its own (L02). Candidate runs are decoded into
 * text and the prompt's shingle check reads the decoded text (any of its forms: a reversed prompt in hex is
 * found too), each run on its own:
 *  - base64 and base32 runs are redacted whole (their alignment ties every character to its neighbours);
 *  - hex bytes, character codes (`89, 111, 117`, `&#89;`, `\u0059`, `0x59`) and spelled-out letters (`Y o u  a r e`,
 *    `Y-o-u-a-r-e`, cut back into words with the prompt's vocabulary) are decoded character by character, so a
 *    finding maps back to exactly the codes or letters that spell it.
 * Decoding what is there costs a walk of the text per kind; indexing every encoding of every shingle would cost
 * memory per prompt and still miss an encoding that starts mid-shingle.
 */
import {
  charCodeView,
  hexTextView,
  openCharCodeTail,
  openHexTextTail,
  openSpelledTail,
  spelledView,
  type DecodedView,
} from '../text/index.js';
import { encodedRuns, openEncodedRun } from './encoded-runs.js';
import type { ExtractionResult, PromptFingerprint } from './prompt-extraction.js';
import { secretView } from './output-guard-view.js';
import { holdsWord, longestWord, pendingWord, segmentedOpenView, segmentedView } from './prompt-segment.js';

export interface EncodedPromptFinding {
  /** Offsets in the scanned text. */
  readonly start: number;
  readonly end: number;
  readonly encoding: string;
}

/** Letters a spelled-out region needs before it is cut into words (fewer cannot spell a span). */
const MIN_SPELLED_LETTERS = 12;
/** Decoded base64/base32 runs remembered per scan (a hostile answer repeats one). */
const MEMO_SIZE = 4096;

const DECODERS: ReadonlyArray<readonly [string, (text: string, prompt: PromptFingerprint) => DecodedView | undefined]> =
  [
    ['hex', (text) => hexTextView(text)],
    ['char-codes', (text) => charCodeView(text)],
    [
      'spaced',
      (text, prompt) => {
        const view = spelledView(text, MIN_SPELLED_LETTERS);
        return view && segmentedView(view, prompt);
      },
    ],
  ];

const label = (form: string, kind: string) => (form === 'raw' ? kind : `${form}+${kind}`);

/**
 * Shingle-check results of decoded texts within one scan of a response, by the decoded text: a stream's open check
 * decodes the run under way at the end again, and when the run is complete that is the text the closed check just
 * read (hostile hex or character codes are one run as long as the held text). The check is a function of the text
 * alone, so a result read back is the one a second reading would give.
 */
export type PromptChecks = Map<string, ExtractionResult>;

/** Parts longer than this are not remembered (a string key is hashed in full once). */
const MAX_MEMO_PART = 1 << 20;

function checked(prompt: PromptFingerprint, text: string, memo: PromptChecks | undefined): ExtractionResult {
  const known = memo?.get(text);
  if (known) return known;
  const r = prompt.scan(text);
  if (memo && text.length <= MAX_MEMO_PART) memo.set(text, r);
  return r;
}

/** Every encoded copy of the prompt in `text` (the secret view of a response). */
export function findEncodedPrompt(
  text: string,
  prompt: PromptFingerprint,
  memo?: PromptChecks,
): EncodedPromptFinding[] {
  const out: EncodedPromptFinding[] = [];
  const extracts = new Map<string, boolean>();
  for (const run of encodedRuns(text)) {
    let hit = extracts.get(run.decoded);
    if (hit === undefined) {
      hit = prompt.scan(secretView(run.decoded).text).spans.length > 0;
      if (extracts.size < MEMO_SIZE) extracts.set(run.decoded, hit);
    }
    if (hit) out.push({ start: run.start, end: run.end, encoding: run.encoding });
  }
  for (const [kind, decode] of DECODERS) {
    const view = decode(text, prompt);
    if (!view) continue;
    forEachPart(view.text, (part, at) => {
      for (const sp of checked(prompt, part, memo).spans) {
        const [s, e] = view.toRaw(at + sp.start, at + sp.end);
        out.push({ start: s, end: e, encoding: label(sp.form, kind) });
      }
    });
  }
  return out;
}

/** Calls `f` with each NUL-separated part of a decoded view and its offset. */
function forEachPart(text: string, f: (part: string, at: number) => void): void {
  let at = 0;
  while (at < text.length) {
    const nul = text.indexOf('\0', at);
    const end = nul < 0 ? text.length : nul;
    if (end > at) f(text.slice(at, end), at);
    at = end + 1;
  }
}

/**
 * For a stream: the earliest offset of `text` from which a run still under way at its end could turn into an
 * encoded copy of the prompt, or -1. A base64 or base32 run is held from its start; a run of hex, character codes
 * or spelled-out letters from where its decoded text may still become a finding, as the shingle check says of it.
 */
export function openEncodedPrompt(text: string, prompt: PromptFingerprint, memo?: PromptChecks): number {
  let from = openEncodedRun(text);
  const hold = (at: number) => {
    if (at >= 0 && (from < 0 || at < from)) from = at;
  };
  for (const view of [openHexTextTail(text), openCharCodeTail(text)]) {
    if (!view) continue;
    const r = checked(prompt, view.text, memo);
    let at = r.openFrom;
    for (const sp of r.spans) if (at < 0 || sp.start < at) at = sp.start;
    if (at >= 0) hold(view.toRaw(at, at + 1)[0]);
  }
  const region = openSpelledTail(text);
  if (region) {
    // As for the other kinds, from where the words may still turn into a finding: the region cut into words up to
    // the word still under way, and a word's length further back (letters still to come can change how the last
    // ones are cut: `the` + `re` → `there`). Holding the whole region held hostile spelled text (`a: a: a:`) until
    // the hold limit, scanning it again and again.
    const k = openSpelledLetter(region, prompt, memo);
    if (k >= 0) {
      const back = Math.max(0, k - longestWord(prompt));
      hold(region.toRaw(back, back + 1)[0]);
    }
  }
  return from;
}

/**
 * The letter of an open spelled region from which its words may still turn into a finding, or -1. When no
 * vocabulary word lies before the word under way (hostile spelled text, `-u a: -u a:`), the shingle check sees
 * one unknown word and at most that word: the answer is the word under way, found without cutting the whole
 * region into words and reading them (a stream asks at every scan).
 */
function openSpelledLetter(region: DecodedView, prompt: PromptFingerprint, memo: PromptChecks | undefined): number {
  const letters = region.text;
  const pending = pendingWord(letters, prompt);
  if (prompt.k >= 2 && !holdsWord(letters, pending < 0 ? letters.length : pending, prompt)) return pending;
  const words = segmentedOpenView(region, prompt);
  const r = checked(prompt, words.text, memo);
  let w = r.openFrom;
  for (const sp of r.spans) if (w < 0 || sp.start < w) w = sp.start;
  if (w < 0) return -1;
  const raw = words.toRaw(w, w + 1)[0];
  // The first letter at or after `raw` (raw offsets grow with the letters).
  let lo = 0;
  let hi = letters.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (region.toRaw(mid, mid + 1)[0] < raw) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
