/**
 * Base64 and base64url runs in a text with what they decode to, for detectors that match words (the L02
 * prompt-extraction check): an encoded copy of the system prompt has no words of its own. A run may be
 * wrapped over lines (MIME, PEM style); it is decoded whole, with the line breaks out. Only runs that decode
 * to readable UTF-8 text are returned: random tokens and keys decode to bytes that are not.
 */
/** A run of at least 16 characters of either alphabet on one line. */
const RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
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
}

function readable(text: string): boolean {
  if (text.length === 0) return false;
  let ok = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (
      c === 0x09 ||
      c === 0x0a ||
      c === 0x0d ||
      (c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0) && c !== REPLACEMENT)
    )
      ok++;
  }
  return ok >= text.length * READABLE_SHARE;
}

/** The run decoded at the first of the four alignments that yields readable text (a glued prefix shifts it). */
function decodeRun(run: string): string | undefined {
  const body = run
    .replace(/[\r\n]/g, '')
    .replace(/=+$/, '')
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  for (let shift = 0; shift < 4 && body.length - shift >= 16; shift++) {
    const part = body.slice(shift);
    // Bytes that are not UTF-8 decode to U+FFFD, which does not count as readable.
    const text = UTF8.decode(Buffer.from(part.slice(0, part.length - (part.length % 4 === 1 ? 1 : 0)), 'base64'));
    if (readable(text)) return text;
  }
  return undefined;
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
  const re = new RegExp(RUN.source, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = wrappedEnd(text, m.index + m[0].length);
    out.push([m.index, end]);
    re.lastIndex = end;
  }
  return out;
}

/** Every run of `text` that decodes to readable text. */
export function encodedRuns(text: string): EncodedRun[] {
  const out: EncodedRun[] = [];
  for (const [start, end] of runs(text)) {
    const decoded = decodeRun(text.slice(start, end));
    if (decoded !== undefined) out.push({ start, end, decoded });
  }
  return out;
}

/** Start of a run that reaches the end of `text` (it may still grow), or -1. */
export function openEncodedRun(text: string): number {
  const last = runs(text).pop();
  return last && last[1] >= text.trimEnd().length ? last[0] : -1;
}
