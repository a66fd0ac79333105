/**
 * Checks a secret format's validate uses: entropy, placeholders and stand-ins, and the checksums and
 * structures vendors define (GitHub/npm CRC32 in base62, PyPI's macaroon header). A checksum confirms a
 * value; it never vetoes one on its own: a model that wants a key through could flip one character
 * and say which, so a well-formed random value whose checksum fails is still treated as the secret.
 */

const asciiCounts = new Uint32Array(128);

/** Shannon entropy in bits per character (code points). */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
  if (ascii) {
    asciiCounts.fill(0);
    for (let i = 0; i < s.length; i++) asciiCounts[s.charCodeAt(i)] = (asciiCounts[s.charCodeAt(i)] as number) + 1;
    let h = 0;
    for (let c = 0; c < 128; c++) {
      const k = asciiCounts[c] as number;
      if (k > 0) h -= (k / s.length) * Math.log2(k / s.length);
    }
    return h;
  }
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * A run of x in one case stands for hidden characters. Five, case-sensitive: in a random base62 token a run
 * of four x/X in any case turns up about once in 30,000 tokens, which would leave a real key unredacted.
 */
const PLACEHOLDER_X = /x{5}|X{5}/;
const PLACEHOLDER_WORDS =
  /(?:\*{3}|#{3}|\.\.|example|your[_-]|changeme|placeholder|redacted|dummy|<[^>]*>|\$\{|\$\(|\{\{|%[A-Za-z_]+%)/i;

/** True for obvious stand-ins: xxxxx, ***, <token>, ${VAR}, "EXAMPLE", one repeated character. */
export function looksLikePlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value) || PLACEHOLDER_X.test(value)) return true;
  if (/^\$[A-Za-z_]/.test(value)) return true;
  return fewDistinct(value, 2);
}

/**
 * Whether `value` has at most `max` distinct code points, read without a set: every candidate a format validates
 * (and hostile text brings many) built one, a string per character included.
 */
function fewDistinct(value: string, max: number): boolean {
  const seen: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const cp = value.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    if (seen.includes(cp)) continue;
    if (seen.length === max) return false;
    seen.push(cp);
  }
  return true;
}

/**
 * A value made only of hex digits but in both letter cases is neither a hex encoding (one case by
 * convention) nor a random base62/base64 string (the chance that 16+ random base62 characters avoid
 * g–z and G–Z is below 1e-7): it is an edited or hand-made stand-in.
 */
export function mixedCaseHex(value: string): boolean {
  return value.length >= 16 && /^[0-9a-fA-F]+$/.test(value) && /[a-f]/.test(value) && /[A-F]/.test(value);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(text: string): number {
  let c = -1;
  for (let i = 0; i < text.length; i++) c = (c >>> 8) ^ (CRC_TABLE[(c ^ text.charCodeAt(i)) & 0xff] as number);
  return (c ^ -1) >>> 0;
}

/** `n` in base62 (0-9A-Za-z), left-padded with zeros to `width`. */
export function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}

/**
 * GitHub's and npm's token checksum: the last six characters are the CRC32 of the 30 random characters
 * before them, in base62 (github.blog, "Behind GitHub's new authentication token formats", 2021; npm's
 * format announcement of 2021-09-23 says it follows the same scheme).
 */
export function githubStyleChecksumOk(body: string): boolean {
  if (body.length !== 36) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

/**
 * A PyPI API token is `pypi-` + a base64url macaroon (version 2 binary format: version byte 2, then
 * packets of field type, length, data) whose first packet is the location, `pypi.org` or
 * `test.pypi.org`, and whose second is the identifier (field type 2).
 */
export function pypiMacaroonOk(token: string): boolean {
  const body = token.replace(/^pypi-/, '');
  const head = Buffer.from(body.slice(0, 40).replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (head[0] !== 0x02 || head[1] !== 0x01) return false;
  const len = head[2] ?? 0;
  const location = head.subarray(3, 3 + len).toString('latin1');
  return (location === 'pypi.org' || location === 'test.pypi.org') && head[3 + len] === 0x02;
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** A bech32 string (BIP 173: human-readable part, `1`, data with a 6-character checksum), case-insensitive. */
export function bech32Ok(text: string): boolean {
  const s = text.toLowerCase();
  const sep = s.lastIndexOf('1');
  if (sep < 1 || s.length - sep < 7) return false;
  const values: number[] = [];
  for (const c of s.slice(sep + 1)) {
    const v = BECH32.indexOf(c);
    if (v < 0) return false;
    values.push(v);
  }
  const hrp = s.slice(0, sep);
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of [...expanded, ...values]) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i] as number;
  }
  return chk === 1;
}
