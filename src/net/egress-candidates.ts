/**
 * L08.1's candidates: values in an outbound request (path segments, query keys and values, body tokens) that could
 * carry secret material in some encoding. A value is a candidate when it, URL-decoded, or its decoding as base64,
 * base64url, hex or base32 is text of at least 20 characters at 4 bits per character or more (Shannon entropy over
 * its characters) — unless it is a UUID or one of the given git object ids (the workspace's own commits and blobs)
 * whose bytes are not text: hex of a secret written in a UUID's or an object id's shape is judged by its text.
 *
 * Pieces: a secret cut into pieces too short to count alone (base64 of 12 characters per query parameter) is put back
 * together: the decodings of a request's short tokens that are text are joined in order and judged as one value.
 *
 * A canary-shaped value (L17's `CTKN_` + 16 hex) is a candidate whatever its entropy.
 *
 * Decodings must give printable text: secret values are text, and random bytes (a hash written as hex) are not a
 * way of writing one. Base64 that decodes to JSON (pagination cursors, a JWT's header and claims) is judged by the
 * JSON's own keys and values. A raw (URL-decoded) value must mix letters and digits, as keys and tokens do and words
 * and slugs do not, in a run of 16 or more between separators, with a credential's structure around it (keyLike).
 *
 * Values that carry binary data by their structure (egress-shapes.ts: a subresource-integrity digest, base64 that
 * decodes to an image, the signature and session token of an AWS SigV4 presigned URL, the signature of a Cloud Storage
 * V4 or V2 signed URL) are judged by their decodings
 * only: decoded text, or a run of text inside the decoded bytes, is a candidate; their raw characters are not.
 *
 * A token that is no candidate is judged once more without low-entropy filler (egress-filler.ts): a key padded or
 * interleaved with a repeated character is diluted under the entropy threshold, and its decoding broken.
 *
 * Header values (those the caller hands in: the broker leaves out the ones it injects) are judged as the body is, one
 * by one, and take part in the pieces and fragments read of the request, between the query and the body.
 *
 * The finder reads at most `MAX_SCAN_CHARS` of a request body; a longer body is a candidate itself (what lies past
 * that is not read, so it cannot be cleared). The URL is read whole: the fetch layer refuses one longer than 8,192.
 */
import { base32Decode } from '../text/index.js';
import { withoutFiller } from './egress-filler.js';
import type { FragmentScan } from '../secrets/index.js';
import { fragmentCandidates } from './egress-fragments.js';
import { isImage, signedQuery, sriDigest, textRuns } from './egress-shapes.js';

export type CandidateEncoding = 'url' | 'base64' | 'base64url' | 'hex' | 'base32';

export interface EgressCandidate {
  /** Where it was: path, query, a header's value, body. */
  readonly where: 'path' | 'query' | 'header' | 'body';
  readonly encoding: CandidateEncoding;
  /** The decoded text (what the operator is shown). */
  readonly decoded: string;
  readonly bitsPerChar: number;
  /** Joined from short pieces of the request (each too short to count alone). */
  readonly pieces?: true;
}

export const MIN_CANDIDATE_CHARS = 20;
export const MIN_BITS_PER_CHAR = 4;
export const MAX_SCAN_CHARS = 256 * 1024;

/** L17's canary shape (guards/canary.ts), without importing upward. */
const CANARY_SHAPE = /CTKN[_-]?[0-9a-f]{16}/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const BASE32 = /^[A-Z2-7]+=*$/i;
/** Printable text: no control characters (tab, line breaks allowed), no U+FFFD from bad UTF-8. */
function printable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd) return false;
  }
  return text.length > 0;
}

/** A body is text when it holds no NUL or undecodable byte and at most 1 % other control characters. */
function textBody(body: string): boolean {
  let control = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0 || c === 0xfffd) return false;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) control++;
  }
  return control * 100 <= body.length;
}

export function bitsPerChar(s: string): number {
  const counts = new Map<string, number>();
  const chars = [...s];
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function utf8(bytes: Buffer): string | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return printable(text) ? text : undefined;
}

/** A bare base62 run (no vendor prefix, no base64 punctuation) counts raw from this length on (AWS secret keys: 40). */
export const MIN_BARE_RUN = 40;

/**
 * A raw value that looks like a credential as credentials are issued: a run of at least 16 characters between
 * separators that mixes letters and digits (slugs and words, `how-to-configure-nginx-2024`, have short runs), and
 * credential structure around it: a short letters-only part joined to it by `-`, `_`, `.` or `~` (a vendor prefix,
 * `sk-`, `ghp_`, `sk_live_`, or its reversal), base64 punctuation (`+`, `/`, `=`), or a bare run of MIN_BARE_RUN or
 * more. A shorter bare base62 run is how platforms name public resources (documents, files, media, short links,
 * a JWT's signature): indistinguishable from a prefix-less key, it is not held raw (encoded, it still is).
 */
function keyLike(token: string): boolean {
  const runs = token.split(/[-_.~]/);
  const random = runs.filter((run) => run.length >= 16 && /[0-9]/.test(run) && /[A-Za-z]/.test(run));
  if (random.length === 0) return false;
  if (/[+/=]/.test(token)) return true;
  if (runs.length > 1 && runs.some((run) => /^[A-Za-z]{2,8}$/.test(run))) return true;
  return random.some((run) => run.length >= MIN_BARE_RUN);
}

/** JSON text (an object or an array): its keys and values are judged one by one, not the text as a whole. */
function json(text: string): boolean {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/** What a token decodes to: text worth a look, JSON judged by its own values, and decodings that are not text. */
interface Decodings {
  readonly texts: Array<[CandidateEncoding, string]>;
  readonly nested: string[];
  readonly binary: Buffer[];
  /** Its base64 decoding is an image: judged by the text inside, not raw. */
  readonly image: boolean;
}

/**
 * The decodings of one token worth a look, as text, and the decoded structured values (JSON) whose own tokens are
 * judged instead. A token whose base64 decoding is text is judged by that text, not raw: pagination cursors and a
 * JWT's header and claims are base64 of JSON with nothing secret-like inside, and a random key never decodes to text.
 * With `raw` false (a value whose structure says it is binary) the token's own characters are never a candidate.
 */
function decodings(token: string, raw: boolean): Decodings {
  const texts: Array<[CandidateEncoding, string]> = [];
  const nested: string[] = [];
  const binary: Buffer[] = [];
  let base64Text = false;
  let image = false;
  const push = (enc: CandidateEncoding, bytes: Buffer | undefined) => {
    if (!bytes || bytes.length < MIN_CANDIDATE_CHARS) return;
    if ((enc === 'base64' || enc === 'base64url') && isImage(bytes)) image = true;
    const text = utf8(bytes);
    if (text === undefined) {
      binary.push(bytes);
      return;
    }
    if (enc === 'base64' || enc === 'base64url') base64Text = true;
    if (json(text)) nested.push(text);
    else texts.push([enc, text]);
  };
  if (token.length >= 27) {
    if (HEX.test(token) && token.length % 2 === 0) push('hex', Buffer.from(token, 'hex'));
    if (BASE32.test(token) && token.length % 8 !== 1) push('base32', base32Decode(token));
    if (BASE64URL.test(token) && /[-_]/.test(token)) push('base64url', Buffer.from(token, 'base64url'));
    else if (BASE64.test(token)) push('base64', Buffer.from(token, 'base64'));
  }
  if (raw && !image && !base64Text && keyLike(token)) texts.unshift(['url', token]);
  return { texts, nested, binary, image };
}

function urlDecoded(s: string): string {
  let text: string;
  try {
    text = decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    text = s;
  }
  return compatible(text);
}

/** Compatibility forms (fullwidth letters and digits, ligatures) read as what they stand for, as L23 reads them. */
function compatible(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFKC') : text;
}
const NON_ASCII = /[^\t\n\r\x20-\x7e]/;

/** Tokens of a value: runs of characters an encoding uses (base64's `+/=`, base64url's `-_`). */
function tokens(value: string): string[] {
  // An `=` followed by more than padding joins a key to its value (`blob=…`), it does not end base64.
  return value.split(/[^A-Za-z0-9+/=_-]+|=(?=[^=])/).filter((t) => t.length >= MIN_CANDIDATE_CHARS);
}

export interface CandidateOptions {
  /** True for a git object id of the workspace (40 or 64 hex digits): not a candidate. */
  readonly isGitObject?: (id: string) => boolean;
  /** A window of the request's letters and digits that holds a known value's characters in order (the leak index). */
  readonly fragmentsIn?: (symbols: Uint8Array) => FragmentScan;
}

/** How deep base64 of JSON of base64… is followed. */
const MAX_NESTING = 3;

/** Hex digits in an id's shape (UUID, git object id) that decode to text: a secret written in that shape. */
function hexText(token: string): string | undefined {
  const bytes = Buffer.from(token.replace(/-/g, ''), 'hex');
  return utf8(bytes);
}

/** The shortest token whose decoding is kept as a piece (base64 of 3 bytes, hex of 2), and the shortest decoded piece. */
const MIN_PIECE_TOKEN = 4;
/** Hex of 19 characters is 38 long, base32 31: longer tokens decode to a candidate's length and are judged alone. */
const MAX_PIECE_TOKEN = 40;
const MIN_PIECE_TEXT = 2;

/** The decoded text of one short token, when one of the encodings makes text of it (in the order tried). */
function pieceText(token: string): [CandidateEncoding, string] | undefined {
  const tries: Array<[CandidateEncoding, () => Buffer | undefined]> = [];
  if (HEX.test(token) && token.length % 2 === 0) tries.push(['hex', () => Buffer.from(token, 'hex')]);
  if (BASE64URL.test(token) && /[-_]/.test(token)) tries.push(['base64url', () => Buffer.from(token, 'base64url')]);
  else if (BASE64.test(token) && token.length % 4 !== 1) tries.push(['base64', () => Buffer.from(token, 'base64')]);
  if (BASE32.test(token) && token.length % 8 !== 1) tries.push(['base32', () => base32Decode(token)]);
  for (const [encoding, decode] of tries) {
    const bytes = decode();
    if (!bytes || bytes.length < MIN_PIECE_TEXT) continue;
    const text = utf8(bytes);
    if (text !== undefined && !json(text)) return [encoding, text];
  }
  return undefined;
}

/**
 * The short tokens of a request's values (each under what counts alone) whose decoding is text, joined in order: a
 * secret sent in pieces in one request. Random ids and words seldom decode to text (each byte printable by chance
 * about one time in three), so the join of ordinary requests stays short.
 */
function joinedPieces(values: ReadonlyArray<[EgressCandidate['where'], string]>, out: EgressCandidate[]): void {
  let joined = '';
  let first: [EgressCandidate['where'], CandidateEncoding] | undefined;
  for (const [where, value] of values) {
    for (const token of value.split(/[^A-Za-z0-9+/=_-]+|=(?=[^=])/)) {
      if (token.length < MIN_PIECE_TOKEN || token.length > MAX_PIECE_TOKEN) continue;
      // A piece is what decodes to less than a candidate: base32 of 19 characters is a 31-character token.
      const piece = pieceText(token);
      if (!piece || piece[1].length >= MIN_CANDIDATE_CHARS) continue;
      first ??= [where, piece[0]];
      joined += piece[1];
    }
  }
  if (!first || joined.length < MIN_CANDIDATE_CHARS || out.some((c) => c.decoded.includes(joined))) return;
  const before = out.length;
  consider(first[0], first[1], joined, out);
  if (out.length > before) out[out.length - 1] = { ...(out[out.length - 1] as EgressCandidate), pieces: true };
}

/** A decoded text as a candidate when it is long and random enough, or canary-shaped. */
function consider(
  where: EgressCandidate['where'],
  encoding: CandidateEncoding,
  decoded: string,
  out: EgressCandidate[],
) {
  if (decoded.length < MIN_CANDIDATE_CHARS) return;
  const bits = bitsPerChar(decoded);
  // A canary (CTKN_ + 16 hex) sits near 4 bits per character: its shape counts whatever its entropy.
  if (bits >= MIN_BITS_PER_CHAR || CANARY_SHAPE.test(decoded))
    out.push({ where, encoding, decoded, bitsPerChar: Number(bits.toFixed(2)) });
}

/**
 * The tokens of `value` judged one by one. `raw` false: the value is binary by its structure (a SigV4 signature or
 * session token), so its characters are not judged raw and text inside its decoded bytes is.
 */
function judge(
  where: EgressCandidate['where'],
  value: string,
  opts: CandidateOptions,
  out: EgressCandidate[],
  depth = 0,
  raw = true,
): void {
  const nestedText = (text: string) => {
    // Too deep a nesting is held whole: it is no way an ordinary request writes a value.
    if (depth >= MAX_NESTING) out.push({ where, encoding: 'base64', decoded: text, bitsPerChar: 0 });
    else judge(where, text, opts, out, depth + 1);
  };
  // Text found in bytes that are binary by structure: judged by its tokens, and a long random token counts as
  // decoded text does (raw, a key without digits would not be key-like; an image or a digest holds no such text).
  const carriedText = (text: string) => {
    nestedText(text);
    for (const t of tokens(text)) if (!out.some((c) => c.decoded === t)) consider(where, 'base64', t, out);
  };
  for (const token of tokens(value)) {
    if (UUID.test(token)) {
      // A UUID's bytes are random (RFC 9562 variant bits alone make byte 8 non-text); text there was put there.
      const text = hexText(token);
      if (text !== undefined)
        out.push({ where, encoding: 'hex', decoded: text, bitsPerChar: Number(bitsPerChar(text).toFixed(2)) });
      continue;
    }
    const gitId = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(token);
    if (gitId && hexText(token) === undefined && opts.isGitObject?.(token.toLowerCase()) === true) continue;
    // A subresource-integrity digest is binary: text in place of the digest, or inside it, is what counts.
    const digest = sriDigest(token);
    if (digest) {
      // Text where a digest belongs is judged whole and by its own tokens (padding cannot dilute a key in it).
      const text = utf8(digest);
      if (text !== undefined) consider(where, 'base64', text, out);
      for (const run of text !== undefined ? [text] : textRuns(digest, MIN_CANDIDATE_CHARS)) carriedText(run);
      continue;
    }
    const found = out.length;
    const { texts, nested, binary, image } = decodings(token, raw);
    for (const [encoding, decoded] of texts) consider(where, encoding, decoded, out);
    for (const text of nested) nestedText(text);
    if (image || !raw)
      for (const bytes of binary) for (const run of textRuns(bytes, MIN_CANDIDATE_CHARS)) carriedText(run);
    // Nothing found: the token once more without low-entropy filler, which can dilute a key under the threshold.
    const stripped = out.length === found && depth < MAX_NESTING ? withoutFiller(token) : undefined;
    if (stripped !== undefined && stripped.length >= MIN_CANDIDATE_CHARS)
      judge(where, stripped, opts, out, depth + 1, raw);
  }
}

/** A request header: its name and its value as text (a value sent as UTF-8 read as UTF-8). */
export type RequestHeader = readonly [name: string, value: string];

/** The candidates of one request (URL, optional body and header values), in the order found. */
export function egressCandidates(
  url: URL,
  body: string | undefined,
  opts: CandidateOptions = {},
  headers: readonly RequestHeader[] = [],
): EgressCandidate[] {
  const out: EgressCandidate[] = [];
  const values: Array<[EgressCandidate['where'], string]> = [];
  // Every parameter, a signed URL's binary ones too: characters in order are judged wherever they stand.
  const pairs: Array<[string, string]> = [];
  for (const segment of url.pathname.split('/')) {
    judge('path', urlDecoded(segment), opts, out);
    values.push(['path', urlDecoded(segment)]);
  }
  // A signed URL's signature and session token are binary by construction, and its credential is a scope whose
  // parts are judged one by one; every other parameter of the URL is judged as any. A Cloud Storage HMAC access id
  // (`GOOG` + 56 characters) is judged as any value too: base32 of a key after its prefix would pass a shape check.
  const signed = signedQuery(url.searchParams);
  for (const [rawKey, rawValue] of url.searchParams) {
    const k = compatible(rawKey);
    const v = compatible(rawValue);
    judge('query', k, opts, out);
    if (signed?.scope === k) for (const part of v.split('/')) judge('query', part, opts, out);
    else if (signed?.binary.has(k)) judge('query', v, opts, out, 0, false);
    else judge('query', v, opts, out);
    if (!signed?.binary.has(k)) values.push(['query', k], ['query', v]);
    pairs.push([k, v]);
  }
  // A header's value is judged as a body is; its name is the sender's choice too (`X-<key>: 1`), so it is read as well.
  for (const [name, value] of headers) {
    const v = urlDecoded(value.slice(0, MAX_SCAN_CHARS));
    const k = compatible(name);
    judge('header', k, opts, out);
    judge('header', v, opts, out);
    values.push(['header', k], ['header', v]);
  }
  if (body !== undefined) {
    judge('body', urlDecoded(body.slice(0, MAX_SCAN_CHARS)), opts, out);
    values.push(['body', urlDecoded(body.slice(0, MAX_SCAN_CHARS))]);
  }
  joinedPieces(values, out);
  if (body !== undefined && !textBody(body.slice(0, MAX_SCAN_CHARS)))
    out.push({
      where: 'body',
      encoding: 'url',
      decoded: `a body of ${body.length} characters that is not text (compressed or binary data, such as a git push's pack, cannot be judged)`,
      bitsPerChar: 0,
    });
  // Any candidate holds the request already; fragments are looked for only in a request nothing else holds. The
  // request is read with its query values next to each other (`?a=half1&b=half2` carries one fragment), then, when
  // it has a query, in the URL's own order (`?half1=half2&half3=half4`).
  if (opts.fragmentsIn && out.length === 0) {
    const path = values.filter(([w]) => w === 'path');
    const rest = values.filter(([w]) => w === 'header' || w === 'body');
    const query = (text: string): [EgressCandidate['where'], string] => ['query', text];
    const valuesFirst = [...path, ...pairs.map(([, v]) => query(v)), ...pairs.map(([k]) => query(k)), ...rest];
    out.push(...fragmentCandidates(valuesFirst, opts.fragmentsIn));
    if (out.length === 0 && pairs.length > 0) {
      const inOrder = [...path, ...pairs.flatMap(([k, v]) => [query(k), query(v)]), ...rest];
      out.push(...fragmentCandidates(inOrder, opts.fragmentsIn));
    }
  }
  if (body !== undefined && body.length > MAX_SCAN_CHARS)
    out.push({
      where: 'body',
      encoding: 'url',
      decoded: `a body of ${body.length} characters, longer than the ${MAX_SCAN_CHARS} read`,
      bitsPerChar: 0,
    });
  return out;
}
