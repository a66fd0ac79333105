/**
 * L08.1's candidates: values in an outbound request (path segments, query keys and values, body tokens) that could
 * carry secret material in some encoding. A value is a candidate when it, URL-decoded, or its decoding as base64,
 * base64url, hex or base32 is text of at least 20 characters at 4 bits per character or more (Shannon entropy over
 * its characters) — unless it is a UUID or one of the given git object ids (the workspace's own commits and blobs).
 *
 * A canary-shaped value (L17's `CTKN_` + 16 hex) is a candidate whatever its entropy.
 *
 * Decodings must give printable text: secret values are text, and random bytes (a hash written as hex) are not a
 * way of writing one. Base64 that decodes to JSON (pagination cursors, a JWT's header and claims) is judged by the
 * JSON's own keys and values. A raw (URL-decoded) value must mix letters and digits, as keys and tokens do and words
 * and slugs do not, in a run of 16 or more between separators, with a credential's structure around it (keyLike). The finder reads at most `MAX_SCAN_CHARS` of a request; past that the request is a candidate itself.
 */
import { base32Decode } from '../text/index.js';

export type CandidateEncoding = 'url' | 'base64' | 'base64url' | 'hex' | 'base32';

export interface EgressCandidate {
  /** Where it was: path, query, body. */
  readonly where: 'path' | 'query' | 'body';
  readonly encoding: CandidateEncoding;
  /** The decoded text (what the operator is shown). */
  readonly decoded: string;
  readonly bitsPerChar: number;
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

/**
 * The decodings of one token worth a look, as text, and the decoded structured values (JSON) whose own tokens are
 * judged instead. A token whose base64 decoding is text is judged by that text, not raw: pagination cursors and a
 * JWT's header and claims are base64 of JSON with nothing secret-like inside, and a random key never decodes to text.
 */
function decodings(token: string): { texts: Array<[CandidateEncoding, string]>; nested: string[] } {
  const texts: Array<[CandidateEncoding, string]> = [];
  const nested: string[] = [];
  let base64Text = false;
  const push = (enc: CandidateEncoding, bytes: Buffer | undefined) => {
    const text = bytes && bytes.length >= MIN_CANDIDATE_CHARS ? utf8(bytes) : undefined;
    if (text === undefined) return;
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
  if (!base64Text && keyLike(token)) texts.unshift(['url', token]);
  return { texts, nested };
}

function urlDecoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Tokens of a value: runs of characters an encoding uses (base64's `+/=`, base64url's `-_`). */
function tokens(value: string): string[] {
  // An `=` followed by more than padding joins a key to its value (`blob=…`), it does not end base64.
  return value.split(/[^A-Za-z0-9+/=_-]+|=(?=[^=])/).filter((t) => t.length >= MIN_CANDIDATE_CHARS);
}

export interface CandidateOptions {
  /** True for a git object id of the workspace (40 or 64 hex digits): not a candidate. */
  readonly isGitObject?: (id: string) => boolean;
}

/** How deep base64 of JSON of base64… is followed. */
const MAX_NESTING = 3;

function judge(
  where: EgressCandidate['where'],
  value: string,
  opts: CandidateOptions,
  out: EgressCandidate[],
  depth = 0,
): void {
  for (const token of tokens(value)) {
    if (UUID.test(token)) continue;
    if (/^[0-9a-f]{40}$|^[0-9a-f]{64}$/i.test(token) && opts.isGitObject?.(token.toLowerCase()) === true) continue;
    const { texts, nested } = decodings(token);
    for (const [encoding, decoded] of texts) {
      if (decoded.length < MIN_CANDIDATE_CHARS) continue;
      const bits = bitsPerChar(decoded);
      // A canary (CTKN_ + 16 hex) sits near 4 bits per character: its shape counts whatever its entropy.
      if (bits >= MIN_BITS_PER_CHAR || CANARY_SHAPE.test(decoded))
        out.push({ where, encoding, decoded, bitsPerChar: Number(bits.toFixed(2)) });
    }
    for (const text of nested) {
      // Too deep a nesting is held whole: it is no way an ordinary request writes a value.
      if (depth >= MAX_NESTING) out.push({ where, encoding: 'base64', decoded: text, bitsPerChar: 0 });
      else judge(where, text, opts, out, depth + 1);
    }
  }
}

/** The candidates of one request (URL and optional body), in the order found. */
export function egressCandidates(url: URL, body: string | undefined, opts: CandidateOptions = {}): EgressCandidate[] {
  const out: EgressCandidate[] = [];
  for (const segment of url.pathname.split('/')) judge('path', urlDecoded(segment), opts, out);
  for (const [k, v] of url.searchParams) {
    judge('query', k, opts, out);
    judge('query', v, opts, out);
  }
  if (body !== undefined) judge('body', urlDecoded(body.slice(0, MAX_SCAN_CHARS)), opts, out);
  return out;
}
