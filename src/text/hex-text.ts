/**
 * Text written as the hex of its UTF-8 bytes: `596f7520617265`, `59 6f 75 20`, `59:6f:75`, `596f 7520` (xxd
 * groups), `0x59, 0x6f`, `\x59\x6f`, wrapped over lines (`xxd -p`). A run is a sequence of hex tokens of even
 * length, each not glued to a word, at most MAX_HEX_GAP separator characters apart; it is decoded into the
 * characters its bytes spell, each mapped back to the hex digits it came from. For detectors that match words
 * (the L02 prompt check): an encoded copy of the system prompt has no words of its own. One walk over the text.
 */
import { DecodedViewBuilder, type DecodedView } from './decoded-view.js';

/** Separator characters tolerated between two tokens of one run (`, `, `:`, a line break). */
export const MAX_HEX_GAP = 2;
/** Bytes a run needs to be decoded (shorter ones are ids, colours, hashes cut short). */
export const MIN_HEX_BYTES = 16;
/** Share of decoded characters that must be printable for a run to count as text. */
const READABLE_SHARE = 0.9;

const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[0-9]/.test(ch)) HEX[c] = c - 0x30;
  else if (/[a-f]/.test(ch)) HEX[c] = c - 0x57;
  else if (/[A-F]/.test(ch)) HEX[c] = c - 0x37;
}
const hexValue = (c: number) => (c >= 0 && c < 128 ? (HEX[c] as number) : -1);
const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
const isSeparator = (c: number) =>
  c === 0x20 || c === 0x09 || c === 0x2c || c === 0x3a || c === 0x3b || c === 0x2d || c === 0x0a || c === 0x0d;

/**
 * A letter that is no hex digit and cannot start a token's digits (`x` of `0x`, `\x`): the word it stands in is
 * glued to any token before it in the word, or is no token, so `runs` closes its run there and resumes after the
 * word in the state it starts in.
 */
const endsRuns = (c: number) => {
  const l = c | 0x20;
  return l >= 0x67 && l <= 0x7a && l !== 0x78;
};

/** A run: the raw index of each byte's first hex digit (the second follows it). */
type Run = Int32Array;

/** The byte positions of tokens given as [digits start, digits end) pairs, the first `count` of `tokens` (an odd last digit left out). */
function positions(tokens: Int32Array, count: number): Run {
  let bytes = 0;
  for (let t = 0; t < count; t += 2) bytes += ((tokens[t + 1] as number) - (tokens[t] as number)) >> 1;
  const run = new Int32Array(bytes);
  let b = 0;
  for (let t = 0; t < count; t += 2)
    for (let k = tokens[t] as number; k + 1 < (tokens[t + 1] as number); k += 2) run[b++] = k;
  return run;
}

/**
 * Token pairs of the run being read, kept between calls and grown by doubling: a megabyte of hex tokens is a third
 * of a million pairs, and a plain array pushed to that size copied itself through the large-object space again and
 * again (most of a hostile scan). Not kept above MAX_KEPT_TOKENS entries.
 */
let kept = new Int32Array(1024);
const MAX_KEPT_TOKENS = 1 << 16;

/**
 * Where the digits of a token starting at `i` begin (after `0x` or `\x`), or -1 when no token starts there: a
 * token is not glued to a word or number before it (`\x` may follow anything).
 */
function tokenDigits(text: string, i: number): number {
  const c = text.charCodeAt(i);
  const next = codeAt(text, i + 1);
  if (c === 0x5c && (next | 0x20) === 0x78) return hexValue(codeAt(text, i + 2)) >= 0 ? i + 2 : -1;
  if (isAlnum(codeAt(text, i - 1))) return -1;
  if (c === 0x30 && (next | 0x20) === 0x78 && hexValue(codeAt(text, i + 2)) >= 0) return i + 2;
  return hexValue(c) >= 0 ? i : -1;
}

/**
 * The code unit at i, or -1 outside the text. Read past either end, `charCodeAt` gives NaN, and optimised code that
 * meets that for the first time is thrown away and compiled again (a token at the start or end of a hostile megabyte).
 */
const codeAt = (text: string, i: number): number => (i >= 0 && i < text.length ? text.charCodeAt(i) : -1);

/**
 * Every run of `text` from `from` on. With `open`, only the run reaching the end of the text (its last
 * token may still grow, so an odd digit at its end is left out), or none.
 */
function runs(text: string, from: number, open: boolean): Run[] {
  const out: Run[] = [];
  const n = text.length;
  /** The current run's tokens as [digits start, digits end) pairs: the first `count` of `run`. */
  let run = kept;
  let count = 0;
  /** Where the last token of `run` ended. */
  let lastEnd = -1;
  const close = () => {
    if (count > 0 && !open) out.push(positions(run, count));
    count = 0;
  };
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (count > 0 && i - lastEnd > MAX_HEX_GAP) close();
    if (isAlnum(c) || c === 0x5c) {
      const d = tokenDigits(text, i);
      if (d < 0) {
        close();
        i++;
        while (i < n && isAlnum(text.charCodeAt(i))) i++;
        continue;
      }
      let j = d;
      while (j < n && hexValue(text.charCodeAt(j)) >= 0) j++;
      const atEnd = j >= n;
      const glued = !atEnd && isAlnum(text.charCodeAt(j));
      if (glued || ((j - d) % 2 === 1 && !(open && atEnd))) {
        close();
        i = j;
        while (i < n && isAlnum(text.charCodeAt(i))) i++;
        continue;
      }
      if (j - d >= 2) {
        if (count + 2 > run.length) {
          const more = new Int32Array(run.length * 2);
          more.set(run);
          run = more;
          if (run.length <= MAX_KEPT_TOKENS) kept = run;
        }
        run[count++] = d;
        run[count++] = j;
      }
      lastEnd = j;
      i = j;
      continue;
    }
    if (!isSeparator(c)) close();
    i++;
  }
  if (open) return count > 0 && n - lastEnd <= MAX_HEX_GAP ? [positions(run, count)] : [];
  close();
  return out;
}

const byteAt = (text: string, k: number) =>
  ((hexValue(text.charCodeAt(k)) << 4) | hexValue(text.charCodeAt(k + 1))) & 0xff;

const printable = (c: number) =>
  c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0) && c !== 0xfffd);

/**
 * Decodes one run's bytes as UTF-8 into `out` (a malformed sequence is U+FFFD for its lead byte); returns the
 * number of code points that are not printable. With `open`, a sequence cut by the end is left out. Stops once
 * more than `maxBad` are not printable (a run of random hex, or hostile text, is given up early).
 */
function decodeRun(
  text: string,
  run: Run,
  out: DecodedViewBuilder,
  open: boolean,
  maxBad = Number.POSITIVE_INFINITY,
): { chars: number; bad: number } {
  let chars = 0;
  let bad = 0;
  let b = 0;
  while (b < run.length) {
    const start = run[b] as number;
    const lead = byteAt(text, start);
    const size =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0;
    if (open && size > 1 && b + size > run.length) break;
    let cp = size === 1 ? lead : size === 0 ? -1 : lead & (0xff >> (size + 1));
    for (let k = 1; k < size && cp >= 0; k++) {
      // Bounds checked, not read past the end as undefined: optimised code meeting such a read is recompiled.
      const cont = b + k < run.length ? byteAt(text, run[b + k] as number) : -1;
      cp = cont >= 0x80 && cont < 0xc0 ? (cp << 6) | (cont & 0x3f) : -1;
    }
    const used = cp < 0 ? 1 : Math.max(1, size);
    if (
      cp < 0 ||
      (size === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (size === 4 && (cp < 0x10000 || cp > 0x10ffff))
    )
      cp = 0xfffd;
    const end = (run[b + used - 1] as number) + 2;
    if (cp > 0xffff) {
      out.add(0xd800 + ((cp - 0x10000) >> 10), start, end);
      out.add(0xdc00 + ((cp - 0x10000) & 0x3ff), start, end);
    } else out.add(cp, start, end);
    chars++;
    if (!printable(cp) && ++bad > maxBad) break;
    b += used;
  }
  return { chars, bad };
}

/** A cheap gate: MIN_HEX_BYTES hex digit pairs need 2 · MIN_HEX_BYTES hex digits with short gaps. */
function mayHold(text: string): boolean {
  let digits = 0;
  let gap = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (hexValue(c) >= 0) {
      if (++digits >= 2 * MIN_HEX_BYTES) return true;
      gap = 0;
    } else if (c === 0x78 || c === 0x58 || c === 0x5c || (isSeparator(c) && ++gap <= MAX_HEX_GAP)) continue;
    else {
      digits = 0;
      gap = 0;
    }
  }
  return false;
}

/**
 * The runs of `text` of at least MIN_HEX_BYTES bytes that decode to readable text, each decoded, parts joined by
 * NUL; undefined when there is none.
 */
export function hexTextView(text: string): DecodedView | undefined {
  if (!mayHold(text)) return undefined;
  const out = new DecodedViewBuilder();
  for (const run of runs(text, 0, false)) {
    if (run.length < MIN_HEX_BYTES) continue;
    // Decoded in place and taken back when unreadable: a copy through a view of its own cost a second walk and
    // a raw-span lookup per character (a megabyte of hex-letter text decodes to a third of a million).
    const kept = out.length;
    out.reserve(run.length + 1);
    // Each byte yields at most one character: more bad ones than the share allows of the bytes rules the run out.
    const { chars, bad } = decodeRun(text, run, out, false, run.length * (1 - READABLE_SHARE));
    if (chars === 0 || bad > chars * (1 - READABLE_SHARE)) {
      out.truncate(kept);
      continue;
    }
    out.breakPart(run[run.length - 1] as number);
  }
  return out.build();
}

/**
 * For a stream: the run of hex still under way at the end of `text` (however short yet), its complete characters
 * decoded, with no break after it; undefined when the text does not end in one.
 */
export function openHexTextTail(text: string): DecodedView | undefined {
  return openTail(text, true);
}

/** openHexTextTail read from the start of the tail, every word parsed: the reference it is checked against. */
export function openHexTextTailUnskipped(text: string): DecodedView | undefined {
  return openTail(text, false);
}

function openTail(text: string, skipWords: boolean): DecodedView | undefined {
  // Only the tail after the last character no run holds can hold the open run, and only what follows the last
  // word that ends any run: a stream asks at every scan, so the cost is the open run's, not the text's.
  let from = text.length;
  while (from > 0) {
    const c = text.charCodeAt(from - 1);
    if (!(isAlnum(c) || isSeparator(c) || c === 0x5c)) break;
    if (skipWords && endsRuns(c)) {
      let end = from;
      while (end < text.length && isAlnum(text.charCodeAt(end))) end++;
      from = end;
      break;
    }
    from--;
  }
  const [run] = runs(text, from, true);
  if (!run) return undefined;
  const out = new DecodedViewBuilder();
  decodeRun(text, run, out, true);
  return out.build();
}
