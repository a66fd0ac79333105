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

/** Rewrites of a value that act on its characters one by one or on their order; they compose (see `compositions`). */
export type CharacterTransform = 'reversed' | 'rot13';

/** A composition of character transforms, optionally with the value's separators dropped (`spaced`). */
type Composed = CharacterTransform | 'reversed+rot13' | `${CharacterTransform | 'reversed+rot13'}+spaced`;

export type LeakEncoding =
  | 'raw'
  | 'base64'
  | 'base64url'
  | 'hex'
  | 'url'
  | 'json'
  | 'base32'
  /** Hex of the value's bytes in little-endian 16-bit words, as `od -x` and `hexdump` print them. */
  | 'hex-words'
  /** The value with its separator characters dropped (matched in a copy of separated writing). */
  | 'spaced'
  /** A window of WINDOW characters of a high-entropy value. */
  | 'partial'
  | Composed;

/**
 * Forms derived character by character from the value (what separated writing and character codes can carry):
 * the value itself, without its separators, its windows, and every composition of these with the character
 * transforms.
 */
export function isCharacterForm(encoding: LeakEncoding): boolean {
  return (
    encoding === 'raw' ||
    encoding === 'spaced' ||
    encoding === 'partial' ||
    encoding.startsWith('reversed') ||
    encoding.startsWith('rot13')
  );
}

/** A window of a value (or of a transform of it): its hits are pieces, merged per secret. */
export function isWindow(encoding: LeakEncoding): boolean {
  return encoding === 'partial';
}

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
/**
 * At most this many windows per form: a longer value gets them at a stride, one in each slot of `stride` positions
 * (the first one worth indexing there) and the value's last one, so a window hit grows over the rest (grow-back.ts).
 */
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
  const worth = (i: number) => {
    const w = text.slice(i, i + WINDOW);
    return i + WINDOW - Math.max(i, body) >= WINDOW_MIN_BODY && distinct(w) >= WINDOW_MIN_DISTINCT ? w : undefined;
  };
  if (count <= MAX_WINDOWS) return Array.from({ length: count }, (_, i) => worth(i)).filter((w) => w !== undefined);
  const stride = Math.ceil((count - 1) / (MAX_WINDOWS - 1));
  const out: string[] = [];
  // In each slot the first window worth indexing: one low in distinct characters does not leave the slot empty.
  for (let slot = 0; slot < count - 1; slot += stride) {
    for (let i = slot; i < Math.min(slot + stride, count - 1); i++) {
      const w = worth(i);
      if (w === undefined) continue;
      out.push(w);
      break;
    }
  }
  // And the last one worth indexing: a piece after a changed character near the value's end has a window to grow from.
  for (let i = count - 1; i >= 0; i--) {
    const w = worth(i);
    if (w === undefined) continue;
    if (!out.includes(w)) out.push(w);
    break;
  }
  return out;
}

interface Composition {
  readonly names: readonly CharacterTransform[];
  readonly apply: (s: string) => string;
}

const CHARACTER_TRANSFORMS: ReadonlyArray<readonly [CharacterTransform, (s: string) => string]> = [
  ['reversed', reverseText],
  ['rot13', rot13],
];

/** Every composition of the character transforms, each used at most once (they commute), the identity first. */
function compositions(): Composition[] {
  let out: Composition[] = [{ names: [], apply: (s) => s }];
  for (const [name, f] of CHARACTER_TRANSFORMS)
    out = out.flatMap((c) => [c, { names: [...c.names, name], apply: (s: string) => f(c.apply(s)) }]);
  return out;
}

const COMPOSITIONS = compositions();

/**
 * The value's hex as a dump of little-endian 16-bit words shows it (`od -x`, `hexdump` without `-C`), starting at
 * either byte of a word: only the whole words that hold value bytes alone, each with its two bytes swapped. (32-bit
 * words, `od -X`, would take four more forms per value, past the dense automaton for 100 secrets: the leak index
 * rewrites runs of them into byte order instead, see hex-words32.ts.)
 */
function wordSwappedHex(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let skip = 0; skip < 2; skip++) {
    let t = '';
    for (let i = skip; i + 2 <= bytes.length; i += 2)
      t += (bytes[i + 1] as number).toString(16).padStart(2, '0') + (bytes[i] as number).toString(16).padStart(2, '0');
    out.push(t);
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
  for (const t of wordSwappedHex(bytes)) candidates.push({ encoding: 'hex-words', text: t });
  const url = encodeURIComponent(value);
  candidates.push({ encoding: 'url', text: url });
  candidates.push({ encoding: 'url', text: url.replace(/%20/g, '+') });
  candidates.push({ encoding: 'json', text: JSON.stringify(value).slice(1, -1) });
  // JSON inside JSON (a log line that carries a serialized body): escape twice.
  candidates.push({ encoding: 'json', text: JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1) });
  for (const t of base32Cores(bytes)) candidates.push({ encoding: 'base32', text: t });
  const stripped = stripSeparators(value);
  const body = bodyStart(value);
  const strippedBody = stripSeparators(value.slice(0, body)).length;
  // The value as written and without its separators, under every composition of the character transforms: a
  // reversed value written with dashes between its letters is the reversal of the value without separators,
  // whatever order the model applied them in. Windows are taken of the value itself only: under each transform
  // too they would double the automaton per transform (measured: 4,500 → 8,100 forms for 100 keys, past the
  // dense table, the plain pass 3.5× slower).
  for (const c of COMPOSITIONS) {
    const label = c.names.join('+');
    candidates.push({ encoding: (c.names.length ? label : 'raw') as LeakEncoding, text: c.apply(value) });
    candidates.push({
      encoding: (c.names.length ? `${label}+spaced` : 'spaced') as LeakEncoding,
      text: c.apply(stripped),
    });
  }
  for (const w of windowsOf(value, body)) candidates.push({ encoding: 'partial', text: w });
  if (stripped !== value)
    for (const w of windowsOf(stripped, strippedBody)) candidates.push({ encoding: 'partial', text: w });

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
