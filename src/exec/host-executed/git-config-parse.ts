/**
 * A parser for git's config file syntax, written from git-config(1) ("CONFIGURATION FILE") and following git's own
 * reading rules where the documentation is silent, because what matters is what the host's git will see:
 *
 * - `#` and `;` start a comment to the end of the line (outside double quotes in a value);
 * - `[section]`, `[section "subsection"]` (only `\"` and `\\` escapes; any other backslash is dropped) and the
 *   legacy `[section.subsection]`; section and key names are case-insensitive (lowercased here, as git does —
 *   also the legacy subsection), a quoted subsection is case-sensitive; the rest of a header's line may hold a
 *   variable (`[core] bare = false`);
 * - a key starts with a letter and holds letters, digits and `-`; `key` alone means true; `key = value`, where
 *   leading and trailing blanks go, `"…"` quotes blanks and comment characters, `\\ \" \n \t \b` are the only
 *   escapes and a backslash at the end of a line continues the value on the next;
 * - a UTF-8 byte-order mark at the very start is skipped; CRLF is a newline;
 * - `include.path` / `includeIf.<cond>.path` are ordinary entries here: a caller that does not follow includes
 *   must refuse them (the judge does).
 *
 * Hostile input: it never throws (an unexpected failure is a refusal), reads every byte once (linear; `reads` counts
 * them), and refuses — rather than guesses — anything git itself would not read: a syntax error, a NUL byte or other
 * control character, a bare carriage return, text that is not UTF-8 (UTF-16 included), input over the size cap.
 */
import { err, ok, type Result } from '../../core/index.js';

export interface GitConfigEntry {
  /** The variable's name as git looks it up: section and key lowercased, subsection as written. */
  readonly name: string;
  readonly section: string;
  readonly subsection: string | undefined;
  readonly key: string;
  /** The value after unquoting and unescaping; null for a bare key (boolean true). */
  readonly value: string | null;
  readonly line: number;
}

export interface GitConfigSyntaxError {
  readonly line: number;
  readonly message: string;
}

export interface GitConfigParse {
  readonly result: Result<readonly GitConfigEntry[], GitConfigSyntaxError>;
  /** Bytes read, end-of-input reads included: at most the input's length plus a small constant. */
  readonly reads: number;
}

export const MAX_GIT_CONFIG_BYTES = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;

const isSpace = (c: number): boolean => c === SPACE || c === TAB || c === LF || c === CR;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isKeyChar = (c: number): boolean => isAlpha(c) || isDigit(c) || c === 0x2d;
const lower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Fail {
  constructor(readonly message: string) {}
}

class Reader {
  i: number;
  line = 1;
  eof = false;
  reads = 0;
  constructor(
    private readonly b: Uint8Array,
    start: number,
  ) {
    this.i = start;
  }

  /** git's get_next_char: CRLF reads as LF; the end of input reads as LF with `eof` set. */
  next(): number {
    this.reads++;
    if (this.i >= this.b.length) {
      this.eof = true;
      return LF;
    }
    let c = this.b[this.i++] as number;
    if (c === CR && this.i < this.b.length && this.b[this.i] === LF) {
      this.i++;
      c = LF;
    }
    if (c === LF) this.line++;
    return c;
  }
}

/** Control characters other than tab and newline, and a carriage return not followed by a newline, are refused. */
function firstBadByte(b: Uint8Array): { at: number; line: number } | undefined {
  let line = 1;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c === LF) line++;
    else if (c === CR ? b[i + 1] !== LF : (c < 0x20 && c !== TAB) || c === 0x7f) return { at: i, line };
  }
  return undefined;
}

function decode(bytes: number[]): string {
  // Names and most values are short ASCII: no decoder round trip for them.
  if (bytes.length <= 256 && bytes.every((b) => b < 0x80)) return String.fromCharCode(...bytes);
  return utf8.decode(Uint8Array.from(bytes));
}

/** Parses a config file; see the module comment for what is refused. */
export function parseGitConfig(input: Uint8Array | string, maxBytes = MAX_GIT_CONFIG_BYTES): GitConfigParse {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (b.length > maxBytes) return { result: err({ line: 0, message: `larger than ${maxBytes} bytes` }), reads: 0 };
  try {
    utf8.decode(b);
  } catch {
    return { result: err({ line: 0, message: 'not UTF-8 text (UTF-16 and other encodings are refused)' }), reads: 0 };
  }
  const bad = firstBadByte(b);
  if (bad)
    return {
      result: err({
        line: bad.line,
        message: `control character 0x${(b[bad.at] as number).toString(16).padStart(2, '0')} (NUL, a bare carriage return and other control characters are refused)`,
      }),
      reads: 0,
    };
  const bom = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const r = new Reader(b, bom);
  try {
    return { result: ok(parseEntries(r)), reads: r.reads };
  } catch (cause) {
    if (cause instanceof Fail) return { result: err({ line: r.line, message: cause.message }), reads: r.reads };
    // Not expected; still a refusal, never a throw.
    return { result: err({ line: r.line, message: 'could not be parsed' }), reads: r.reads };
  }
}

function parseEntries(r: Reader): GitConfigEntry[] {
  const entries: GitConfigEntry[] = [];
  let section: { section: string; subsection: string | undefined } | undefined;
  let comment = false;
  for (;;) {
    const c = r.next();
    if (c === LF) {
      if (r.eof) return entries;
      comment = false;
      continue;
    }
    if (comment || isSpace(c)) continue;
    if (c === 0x23 || c === 0x3b) {
      comment = true;
      continue;
    }
    if (c === 0x5b) {
      section = parseHeader(r);
      continue;
    }
    if (!isAlpha(c)) throw new Fail(`unexpected character '${String.fromCharCode(c)}' where a key or [section] starts`);
    const line = r.line;
    const { key, value } = parseVariable(r, c);
    if (!section) throw new Fail(`key "${key}" before any [section]`);
    const name = `${section.section}${section.subsection !== undefined ? `.${section.subsection}` : ''}.${key}`;
    entries.push({ name, section: section.section, subsection: section.subsection, key, value, line });
  }
}

/** After '[': git's get_base_var and get_extended_base_var. */
function parseHeader(r: Reader): { section: string; subsection: string | undefined } {
  const name: number[] = [];
  for (;;) {
    const c = r.next();
    if (r.eof) throw new Fail('section header not closed');
    if (c === 0x5d) {
      if (name.length === 0) throw new Fail('empty section name');
      return splitDotted(decode(name));
    }
    if (isSpace(c)) return parseSubsection(r, c, decode(name));
    if (!isKeyChar(c) && c !== 0x2e) throw new Fail(`invalid character '${String.fromCharCode(c)}' in a section name`);
    name.push(lower(c));
  }
}

/** `[a.b.c]`: git lowercases it all and reads section `a`, subsection `b.c`. */
function splitDotted(name: string): { section: string; subsection: string | undefined } {
  const dot = name.indexOf('.');
  return dot === -1
    ? { section: name, subsection: undefined }
    : { section: name.slice(0, dot), subsection: name.slice(dot + 1) };
}

function parseSubsection(r: Reader, first: number, base: string): { section: string; subsection: string | undefined } {
  let c = first;
  do {
    if (c === LF) throw new Fail('section header not closed on its line');
    c = r.next();
  } while (isSpace(c));
  if (c !== 0x22) throw new Fail('a subsection must be in double quotes: [section "subsection"]');
  const sub: number[] = [];
  for (;;) {
    c = r.next();
    if (c === LF) throw new Fail('subsection not closed on its line');
    if (c === 0x22) break;
    if (c === 0x5c) {
      c = r.next();
      if (c === LF) throw new Fail('subsection not closed on its line');
    }
    sub.push(c);
  }
  if (r.next() !== 0x5d) throw new Fail("expected ']' right after the subsection's closing quote");
  // `[a.b "c"]` names section a, subsection "b.c", as git's lookup splits the joined name.
  const joined = splitDotted(base);
  const subsection = decode(sub);
  return {
    section: joined.section,
    subsection: joined.subsection === undefined ? subsection : `${joined.subsection}.${subsection}`,
  };
}

/** git's get_value: the key, then nothing (true) or '=' and a value. */
function parseVariable(r: Reader, first: number): { key: string; value: string | null } {
  const key: number[] = [lower(first)];
  let c: number;
  for (;;) {
    c = r.next();
    if (r.eof || !isKeyChar(c)) break;
    key.push(lower(c));
  }
  const name = decode(key);
  while (c === SPACE || c === TAB) c = r.next();
  if (c === LF) return { key: name, value: null };
  if (c !== 0x3d) throw new Fail(`expected '=' or the end of the line after key "${name}"`);
  return { key: name, value: parseValue(r) };
}

/**
 * git's parse_value (as git 2.39 reads it): blanks outside quotes before the value and at its end go, each blank
 * inside it reads as one space (newer git keeps the blank character itself: only which blank, never what is a key).
 */
function parseValue(r: Reader): string {
  const v: number[] = [];
  let quote = false;
  let comment = false;
  let spaces = 0;
  for (;;) {
    let c = r.next();
    if (c === LF) {
      if (quote) throw new Fail('value has an unclosed double quote');
      return decode(v);
    }
    if (comment) continue;
    if (isSpace(c) && !quote) {
      if (v.length) spaces++;
      continue;
    }
    if (!quote && (c === 0x3b || c === 0x23)) {
      comment = true;
      continue;
    }
    for (; spaces > 0; spaces--) v.push(SPACE);
    if (c === 0x5c) {
      c = r.next();
      if (c === LF) continue;
      if (c === 0x74) c = TAB;
      else if (c === 0x62) c = 0x08;
      else if (c === 0x6e) c = LF;
      else if (c !== 0x5c && c !== 0x22) throw new Fail(`unknown escape '\\${String.fromCharCode(c)}' in a value`);
      v.push(c);
      continue;
    }
    if (c === 0x22) {
      quote = !quote;
      continue;
    }
    v.push(c);
  }
}
