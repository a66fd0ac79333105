/**
 * Hex dumps (`xxd`, `hexdump -C`, `od -A x -t x1z`): an offset column, up to 16 bytes of hex in groups,
 * then a printable column. A value longer than one line is cut by the offset and text columns, so
 * neither the raw text nor a separator-dropping copy holds its hex form. This reads consecutive dump
 * lines into one lower-case hex string and says which raw lines each hex digit came from; a hit is
 * redacted as whole lines, because the printable column shows the same bytes.
 */

export interface HexDumpView {
  /** Hex digits of consecutive dump lines, lower case; NUL between separate dumps. */
  readonly text: string;
  /** Raw [start, end) of the whole dump lines that view offsets [start, end) came from. */
  toRaw(start: number, end: number): [number, number];
}

const MAX_BYTES_PER_LINE = 32;
/** Offset column: 6 to 16 hex digits. */
const MIN_OFFSET = 6;
const MAX_OFFSET = 16;

/** Per ASCII code: 1 = hex digit, 2 = blank (space, tab), 0 = anything else. */
const KIND = new Uint8Array(65536);
for (let c = 0; c < 128; c++)
  KIND[c] = /[0-9a-fA-F]/.test(String.fromCharCode(c)) ? 1 : c === 0x20 || c === 0x09 ? 2 : 0;
const kindOf = (c: number) => KIND[c] as number;

const UTF16 = new TextDecoder('utf-16le');

/**
 * Writes the hex digits of one line's byte columns, lower case, into `units` from `at` when text[start, end) is a
 * dump line (leading blanks, an offset column, `:` optional, blanks, then groups of 2 to 8 hex digits of even
 * length split by blanks, a lone `|` skipped, up to MAX_BYTES_PER_LINE bytes); returns how many it wrote, 0 when
 * the line is not a dump line (fewer than four digits). No regex and no string per line: a hostile dump of megabytes
 * is one walk.
 */
function lineHex(text: string, start: number, end: number, units: Uint16Array, at: number): number {
  let i = start;
  while (i < end && kindOf(text.charCodeAt(i)) === 2) i++;
  let j = i;
  while (j < end && kindOf(text.charCodeAt(j)) === 1) j++;
  if (j - i < MIN_OFFSET || j - i > MAX_OFFSET) return 0;
  if (j < end && text.charCodeAt(j) === 0x3a) j++;
  if (j >= end || kindOf(text.charCodeAt(j)) !== 2) return 0;
  let digits = 0;
  while (j < end) {
    while (j < end && kindOf(text.charCodeAt(j)) === 2) j++;
    if (j >= end) break;
    // Digits are written as they are read (past `digits`, so a token that turns out wrong leaves nothing behind);
    // the first character that is no hex digit ends the line's groups, a lone `|` aside.
    let k = j;
    let kind = 1;
    for (; k < end; k++) {
      const c = text.charCodeAt(k);
      kind = kindOf(c);
      if (kind !== 1 || k - j === 8) break;
      units[at + digits + k - j] = c >= 0x41 && c <= 0x46 ? c | 0x20 : c;
    }
    if (kind === 0 || (kind === 1 && k < end)) {
      const bar = k === j && text.charCodeAt(j) === 0x7c && (j + 1 >= end || kindOf(text.charCodeAt(j + 1)) === 2);
      if (!bar) break;
      j++;
      continue;
    }
    const len = k - j;
    if (len < 2 || len % 2 !== 0 || (digits + len) / 2 > MAX_BYTES_PER_LINE) break;
    digits += len;
    j = k;
  }
  return digits >= 4 ? digits : 0;
}

/** Cheap test before any work: a line break followed by something shaped like a dump offset. */
const DUMP_HINT = /(?:^|\n)[ \t]*[0-9a-fA-F]{6,16}:?[ \t]+[0-9a-fA-F]{2}/;

/** `minLines`: dump lines needed (a stream passes 1: the next line may arrive later). */
export function hexDumpView(text: string, minLines = 2): HexDumpView | undefined {
  // A single line (every log line) can never hold two dump lines.
  if ((minLines > 1 && text.indexOf('\n') < 0) || !DUMP_HINT.test(text)) return undefined;
  // Each line gives at most its own length in digits, or one NUL: the view is never longer than the text plus one.
  const units = new Uint16Array(text.length + 1);
  /** Per dump line: its raw start and end, and where its digits start in the view. */
  const starts: number[] = [];
  const ends: number[] = [];
  const viewStarts: number[] = [];
  let v = 0;
  let previousWasDump = false;
  for (let start = 0; start <= text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const digits = lineHex(text, start, end, units, v);
    if (digits === 0) {
      // The NUL after a dump belongs to its last line (the next line's digits start after it).
      if (previousWasDump) units[v++] = 0;
      previousWasDump = false;
    } else {
      starts.push(start);
      ends.push(end);
      viewStarts.push(v);
      v += digits;
      previousWasDump = true;
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  // One dump line is already one run of the plain scan; only several lines need this view.
  if (starts.length < minLines) return undefined;
  /** The dump line view offset `at` came from: the last one whose digits start at or before it. */
  const lineOf = (at: number): number => {
    let lo = 0;
    let hi = viewStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((viewStarts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    text: UTF16.decode(units.subarray(0, v)),
    toRaw(s: number, e: number): [number, number] {
      return [starts[lineOf(s)] as number, ends[lineOf(Math.max(s, e - 1))] as number];
    },
  };
}
