/**
 * Base64, base64url and base32 runs in a text with what they decode to, for detectors that match words (the L02
 * prompt-extraction check): an encoded copy of the system prompt has no words of its own. A run may be
 * wrapped over lines (MIME, PEM style); it is decoded whole, with the line breaks out. Only runs that decode
 * to readable UTF-8 text are returned: random tokens and keys decode to bytes that are not.
 */
import { base32Decode } from '../text/index.js';

/** A run is at least 16 characters of either alphabet on one line (`[A-Za-z0-9+/_-]{16,}={0,2}`), read by runs(). */
/** A line that is wholly a run (a wrapped run goes on with it). */
const WHOLE_LINE = /^[A-Za-z0-9+/_-]{4,}={0,2}\r?$/;
/** Share of decoded characters that must be printable (or tab, line feed, carriage return). */
const READABLE_SHARE = 0.9;
const UTF8 = new TextDecoder('utf-8');
const REPLACEMENT = 0xfffd;

export interface EncodedRun {
  /** Offsets of the run in the scanned text. */
  readonly start: number;
  readonly end: number;
  readonly decoded: string;
  readonly encoding: 'base64' | 'base32';
}

const printable = (c: number): boolean =>
  c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0) && c !== REPLACEMENT);

/**
 * Code points of `text` and how many of them are not printable, read without a pair per character (hostile runs are
 * long); counting stops once more than `stopAbove` are not printable.
 */
function codePoints(text: string, stopAbove = Infinity): { readonly points: number; readonly bad: number } {
  let points = 0;
  let bad = 0;
  const n = text.length;
  for (let i = 0; i < n && bad <= stopAbove; i++, points++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (!printable(c)) bad++;
  }
  return { points, bad };
}

/** Code points of `text` that are not printable. */
function unreadable(text: string): number {
  return codePoints(text).bad;
}

/**
 * At least READABLE_SHARE of the code points printable (or tab, line feed, carriage return), against the
 * length in code units. Stops as soon as the unreadable ones alone rule that out.
 */
function readable(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  const need = n * READABLE_SHARE;
  const allowed = n - need;
  const { points, bad } = codePoints(text, allowed);
  return bad <= allowed && points - bad >= need;
}

/** Base64 characters decoded per step when a long run is read piece by piece (a multiple of 4). */
const STEP = 4096;

/**
 * `part` decoded, or undefined as soon as the decoded prefix alone has too many unreadable characters for
 * the whole to be readable: each decoded byte yields at most one UTF-16 unit, so the text is at most
 * `bytes` long and more than (1 − READABLE_SHARE) · bytes bad characters settle it. A long random token or
 * a hostile run is given up after a part, not decoded whole four times. Base64 decodes 4 characters at a
 * time and the streaming UTF-8 decoder keeps a cut sequence for the next piece, so the pieces join into
 * exactly the whole decoding. (Padding inside a wrapped run ends a piece differently: such runs are read whole.)
 */
function decodeReadable(part: string): string | undefined {
  if (part.length <= STEP || part.includes('=')) {
    const text = UTF8.decode(Buffer.from(part, 'base64'));
    return readable(text) ? text : undefined;
  }
  const bytes = Math.floor((part.length * 3) / 4);
  const allowed = bytes * (1 - READABLE_SHARE);
  const decoder = new TextDecoder('utf-8');
  let bad = 0;
  // The pieces are only counted, not kept: a run that passes is decoded again whole (the same text), one that fails
  // (hostile text fails after a tenth of its length at the earliest) leaves nothing to collect.
  for (let at = 0; at < part.length; at += STEP) {
    const last = at + STEP >= part.length;
    bad += unreadable(decoder.decode(Buffer.from(part.slice(at, at + STEP), 'base64'), { stream: !last }));
    if (bad > allowed) return undefined;
  }
  const text = UTF8.decode(Buffer.from(part, 'base64'));
  return readable(text) ? text : undefined;
}

const BASE32_RUN = /^[A-Z2-7]+$|^[a-z2-7]+$/;

/**
 * A run of one case of the base32 alphabet decoded as base32 at the first of the eight alignments that yields
 * readable text; base64 decodes such a run to bytes that are not text, so it is only tried when base64 failed.
 */
function decodeBase32(body: string): string | undefined {
  if (!BASE32_RUN.test(body)) return undefined;
  for (let shift = 0; shift < 8 && body.length - shift >= 16; shift++) {
    const text = decodeBase32Readable(body.slice(shift));
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Base32 characters decoded per step (a multiple of 8: whole groups of 5 bytes). */
const BASE32_STEP = 4096;

/** As decodeReadable, for base32: a long run is decoded piece by piece and given up once it cannot be readable. */
function decodeBase32Readable(part: string): string | undefined {
  const bytes = Math.floor((part.length * 5) / 8);
  const allowed = bytes * (1 - READABLE_SHARE);
  const decoder = new TextDecoder('utf-8');
  let bad = 0;
  // As decodeReadable: counted piece by piece, decoded again whole only when it may pass.
  for (let at = 0; at < part.length; at += BASE32_STEP) {
    const last = at + BASE32_STEP >= part.length;
    const raw = base32Decode(part.slice(at, at + BASE32_STEP));
    if (!raw) return undefined;
    bad += unreadable(decoder.decode(raw, { stream: !last }));
    if (bad > allowed) return undefined;
  }
  const raw = base32Decode(part);
  const text = raw ? UTF8.decode(raw) : undefined;
  return text !== undefined && readable(text) ? text : undefined;
}

/** The run decoded at the first of the four alignments that yields readable text (a glued prefix shifts it). */
function decodeRun(run: string): [string, EncodedRun['encoding']] | undefined {
  // Node's base64 decoder reads the URL-safe alphabet as well, so `-` and `_` need no rewriting; a run that
  // wraps over lines is joined first (rewriting a long run cost more than decoding it).
  let end = run.length;
  while (end > 0 && run.charCodeAt(end - 1) === 0x3d) end--;
  const body = /[\r\n]/.test(run) ? run.replace(/[\r\n]/g, '').replace(/=+$/, '') : run.slice(0, end);
  for (let shift = 0; shift < 4 && body.length - shift >= 16; shift++) {
    const part = body.slice(shift);
    // Bytes that are not UTF-8 decode to U+FFFD, which does not count as readable.
    const text = decodeReadable(part.slice(0, part.length - (part.length % 4 === 1 ? 1 : 0)));
    if (text !== undefined) return [text, 'base64'];
  }
  const text = decodeBase32(body);
  return text === undefined ? undefined : [text, 'base32'];
}

/** The end of the run matched at [start, end), continued over following lines that are wholly runs. */
function wrappedEnd(text: string, end: number): number {
  let at = end;
  if (text[at] === '\r') at++;
  while (text[at] === '\n') {
    const next = text.indexOf('\n', at + 1);
    const lineEnd = next < 0 ? text.length : next;
    if (!WHOLE_LINE.test(text.slice(at + 1, lineEnd))) break;
    end = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
    at = lineEnd;
  }
  return end;
}

/** Each run of `text` as [start, end), wrapped lines joined. */
function runs(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  // Read by hand, in one pass: the regex `[A-Za-z0-9+/_-]{16,}={0,2}` re-reads up to 16 characters from every
  // position of ordinary text, whose words are shorter. A match is a maximal run of the alphabet of 16 or more,
  // then up to two `=`.
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!inRunAlphabet(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // A run shorter than MIN_RUN is most words: its MIN_RUN-th character, when it is outside the alphabet,
    // skips the run without reading the rest of it one by one.
    const start = i;
    const probe = start + MIN_RUN - 1;
    if (probe < n && !inRunAlphabet(text.charCodeAt(probe))) {
      i = probe + 1;
      continue;
    }
    while (i < n && inRunAlphabet(text.charCodeAt(i))) i++;
    if (i - start < MIN_RUN) continue;
    let end = i;
    while (end < n && end - i < 2 && text.charCodeAt(end) === 0x3d) end++;
    end = wrappedEnd(text, end);
    out.push([start, end]);
    i = end;
  }
  return out;
}

/** The shortest run, and the alphabet of runs (base64 and base64url). */
const MIN_RUN = 16;
const RUN_ALPHABET = new Uint8Array(128);
for (let c = 0; c < 128; c++) RUN_ALPHABET[c] = /[A-Za-z0-9+/_-]/.test(String.fromCharCode(c)) ? 1 : 0;
function inRunAlphabet(c: number): boolean {
  return c < 128 && RUN_ALPHABET[c] === 1;
}

/** Every run of `text` that decodes to readable text. */
export function encodedRuns(text: string): EncodedRun[] {
  const out: EncodedRun[] = [];
  // Short runs that repeat (a hostile answer repeats one) are decoded once.
  const memo = new Map<string, [string, EncodedRun['encoding']] | undefined>();
  for (const [start, end] of runs(text)) {
    const run = text.slice(start, end);
    const short = run.length <= MEMO_RUN;
    let decoded = short ? memo.get(run) : undefined;
    if (decoded === undefined && !(short && memo.has(run))) {
      decoded = decodeRun(run);
      if (short && memo.size < MEMO_SIZE) memo.set(run, decoded);
    }
    if (decoded !== undefined) out.push({ start, end, decoded: decoded[0], encoding: decoded[1] });
  }
  return out;
}

/** Runs up to this long are memoised within one call, up to MEMO_SIZE of them. */
const MEMO_RUN = 256;
const MEMO_SIZE = 4096;

/** A character no run holds, on any line (runs hold their alphabet, `=` padding and the breaks they wrap over). */
function outsideRuns(c: number): boolean {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return !alnum && c !== 0x2b && c !== 0x2f && c !== 0x5f && c !== 0x2d && c !== 0x3d && c !== 0x0a && c !== 0x0d;
}

/**
 * Start of a run that reaches the end of `text` (it may still grow), or -1. Only the tail after the last
 * character that no run holds is read: runs that start after it are the same as in the whole text, and a run
 * reaching the end starts after it. A stream asks this at every scan, so the cost is the tail's, not the text's.
 */
export function openEncodedRun(text: string): number {
  const end = text.trimEnd().length;
  let from = end - 1;
  while (from >= 0 && !outsideRuns(text.charCodeAt(from))) from--;
  const last = runs(text.slice(from + 1)).pop();
  return last && from + 1 + last[1] >= end ? from + 1 + last[0] : -1;
}
