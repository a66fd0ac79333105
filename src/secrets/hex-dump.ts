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

const OFFSET = /^[ \t]*[0-9a-fA-F]{6,16}:?[ \t]+/;
const MAX_BYTES_PER_LINE = 32;

/** Hex digits of one line's byte columns, or undefined when the line is not a dump line. */
function lineHex(line: string): string | undefined {
  const off = OFFSET.exec(line);
  if (!off) return undefined;
  let hex = '';
  for (const token of line.slice(off[0].length).split(/[ \t]+/)) {
    if (token === '' || token === '|') continue;
    if (!/^[0-9a-fA-F]{2,8}$/.test(token) || token.length % 2 !== 0) break;
    if ((hex.length + token.length) / 2 > MAX_BYTES_PER_LINE) break;
    hex += token.toLowerCase();
  }
  return hex.length >= 4 ? hex : undefined;
}

/** Cheap test before any work: a line break followed by something shaped like a dump offset. */
const DUMP_HINT = /(?:^|\n)[ \t]*[0-9a-fA-F]{6,16}:?[ \t]+[0-9a-fA-F]{2}/;

/** `minLines`: dump lines needed (a stream passes 1: the next line may arrive later). */
export function hexDumpView(text: string, minLines = 2): HexDumpView | undefined {
  // A single line (every log line) can never hold two dump lines.
  if ((minLines > 1 && text.indexOf('\n') < 0) || !DUMP_HINT.test(text)) return undefined;
  let view = '';
  /** Per view character, the index of its raw line in `lines`. */
  const owner: number[] = [];
  const lines: Array<[number, number]> = [];
  let previousWasDump = false;
  let dumpLines = 0;
  for (let start = 0; start <= text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const hex = lineHex(text.slice(start, end));
    if (hex === undefined) {
      if (previousWasDump) {
        view += '\0';
        owner.push(lines.length - 1);
      }
      previousWasDump = false;
    } else {
      lines.push([start, end]);
      dumpLines += 1;
      view += hex;
      for (let i = 0; i < hex.length; i++) owner.push(lines.length - 1);
      previousWasDump = true;
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  // One dump line is already one run of the plain scan; only several lines need this view.
  if (dumpLines < minLines) return undefined;
  return {
    text: view,
    toRaw(s: number, e: number): [number, number] {
      const first = lines[owner[s] as number] as [number, number];
      const last = lines[owner[Math.max(s, e - 1)] as number] as [number, number];
      return [first[0], last[1]];
    },
  };
}
