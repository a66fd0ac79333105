/**
 * The encoded forms under which a secret value can appear in text: what the leak index looks for.
 *
 * Base64 and base32 forms are taken at every byte alignment and trimmed to the characters that depend on the
 * value alone, so a secret inside a larger blob (e.g. `Basic base64("user:" + secret)`) is still found wherever
 * it starts. Letters match in either case (the index compares case-insensitively), so upper- and lower-cased
 * copies need no forms of their own. A value of high entropy is also held as its windows of WINDOW characters,
 * so any part of it that long (one half of it, a piece cut out of it) is found too.
 */
import {
  base64Cores,
  asciiLower,
  shannonEntropy,
  base32Cores,
  reverseText,
  rot13,
  stripSeparators,
} from '../text/index.js';

export type LeakEncoding =
  | 'raw'
  | 'base64'
  | 'base64url'
  | 'hex'
  | 'url'
  | 'json'
  | 'reversed'
  | 'rot13'
  | 'base32'
  /** The value with its separator characters dropped (matched in a copy of separated writing). */
  | 'spaced'
  /** A window of WINDOW characters of a high-entropy value. */
  | 'partial';

/** Forms derived character by character from the value (what separated writing and character codes can carry). */
export const CHARACTER_FORMS: ReadonlySet<LeakEncoding> = new Set(['raw', 'reversed', 'rot13', 'spaced', 'partial']);

export interface EncodedForm {
  readonly encoding: LeakEncoding;
  readonly text: string;
}

/** Shortest form worth indexing: shorter ones would match ordinary text. */
export const MIN_FORM_LENGTH = 6;
/** Length of the windows a high-entropy value is also held as. */
export const WINDOW = 12;
/** A value gets windows when it is at least this long and this random (bits per character, Shannon). */
export const WINDOW_MIN_VALUE = 16;
export const WINDOW_MIN_BITS = 3;
/** At most this many windows per form (a longer value gets them at a stride: any piece of WINDOW + stride - 1 characters holds one). */
export const MAX_WINDOWS = 64;
/** A window needs this many distinct characters (a run like `AAAAAAAAAAAA` of a key is no evidence). */
const WINDOW_MIN_DISTINCT = 8;
/** And this many characters after a vendor prefix (`sk-ant-api03-`, `ghp_`): the prefix is shared by every key. */
const WINDOW_MIN_BODY = 8;

/**
 * Where the random part of a value starts: after the last separator among its first 16 characters when what
 * comes before it looks like a vendor prefix (letters, digits and separators), else 0.
 */
function bodyStart(value: string): number {
  let start = 0;
  let run = 0;
  for (let i = 0; i < Math.min(value.length, 16); i++) {
    const c = value.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
    if (alnum && run < 8) run++;
    else if ((c === 0x2d || c === 0x5f || c === 0x2e) && run > 0) {
      start = i + 1;
      run = 0;
    } else break;
  }
  return start;
}

function distinct(s: string): number {
  return new Set(s.toLowerCase()).size;
}

/** Windows of `text` worth indexing (see the module comment); `body` is where its random part starts. */
function windowsOf(text: string, body: number): string[] {
  if (text.length < WINDOW_MIN_VALUE || shannonEntropy(text) < WINDOW_MIN_BITS) return [];
  const count = text.length - WINDOW + 1;
  const stride = Math.max(1, Math.ceil(count / MAX_WINDOWS));
  const out: string[] = [];
  for (let i = 0; i < count; i += stride) {
    const w = text.slice(i, i + WINDOW);
    if (i + WINDOW - Math.max(i, body) < WINDOW_MIN_BODY) continue;
    if (distinct(w) >= WINDOW_MIN_DISTINCT) out.push(w);
  }
  return out;
}

/** All distinct forms of `value`, each labelled with its encoding; forms shorter than MIN_FORM_LENGTH are left out. */
export function encodedForms(value: string): EncodedForm[] {
  const bytes = Buffer.from(value, 'utf8');
  const candidates: EncodedForm[] = [{ encoding: 'raw', text: value }];
  for (const t of base64Cores(bytes, 'base64')) candidates.push({ encoding: 'base64', text: t });
  for (const t of base64Cores(bytes, 'base64url')) candidates.push({ encoding: 'base64url', text: t });
  candidates.push({ encoding: 'hex', text: bytes.toString('hex') });
  const url = encodeURIComponent(value);
  candidates.push({ encoding: 'url', text: url });
  candidates.push({ encoding: 'url', text: url.replace(/%20/g, '+') });
  candidates.push({ encoding: 'json', text: JSON.stringify(value).slice(1, -1) });
  // JSON inside JSON (a log line that carries a serialized body): escape twice.
  candidates.push({ encoding: 'json', text: JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1) });
  candidates.push({ encoding: 'reversed', text: reverseText(value) });
  candidates.push({ encoding: 'rot13', text: rot13(value) });
  for (const t of base32Cores(bytes)) candidates.push({ encoding: 'base32', text: t });
  const stripped = stripSeparators(value);
  candidates.push({ encoding: 'spaced', text: stripped });
  const body = bodyStart(value);
  for (const w of windowsOf(value, body)) candidates.push({ encoding: 'partial', text: w });
  if (stripped !== value)
    for (const w of windowsOf(stripped, stripSeparators(value.slice(0, body)).length))
      candidates.push({ encoding: 'partial', text: w });

  // ASCII letters compare case-insensitively: forms that differ in their case only are one form.
  const seen = new Set<string>();
  const out: EncodedForm[] = [];
  for (const c of candidates) {
    const key = asciiLower(c.text);
    if (c.text.length < MIN_FORM_LENGTH || seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}
