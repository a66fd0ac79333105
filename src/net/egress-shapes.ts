/**
 * Values whose structure says they carry binary data by design — a digest, an image, the signature of a presigned
 * URL (AWS SigV4 and its session token, Google Cloud Storage V4 and V2) — so that long, random-looking text in them is what they are, not a sign of a key written raw.
 * L08.1 judges such a value by what it decodes to instead: decoded text is a candidate as anywhere else, and so is
 * any run of text inside the decoded bytes (a secret put into an image's metadata or after a digest's first bytes).
 * What the shapes cannot tell apart is a known key's characters copied into them raw: that is the leak index's
 * part (it matches vault values and their windows wherever they stand).
 */

/** Subresource-integrity digest lengths in bytes, by algorithm (`sha384-<base64 of 48 bytes>`). */
const SRI_DIGEST_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };
const SRI = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/;

/** The digest bytes of a subresource-integrity string, or undefined when it is not one (wrong length included). */
export function sriDigest(token: string): Buffer | undefined {
  const m = SRI.exec(token);
  if (!m) return undefined;
  const bytes = Buffer.from(m[2] as string, 'base64');
  return bytes.length === SRI_DIGEST_BYTES[m[1] as string] ? bytes : undefined;
}

/** Leading bytes of the image formats a web page or an API carries inline. */
const IMAGE_MAGIC: ReadonlyArray<readonly number[]> = [
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  [0x47, 0x49, 0x46, 0x38], // GIF8
  [0x42, 0x4d], // BMP
  [0x00, 0x00, 0x01, 0x00], // ICO
];

/** True when `bytes` begin as an image file does (WebP: RIFF....WEBP). */
export function isImage(bytes: Buffer): boolean {
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP')
    return true;
  return IMAGE_MAGIC.some((m) => bytes.length > m.length && m.every((b, i) => bytes[i] === b));
}

/** Runs of printable ASCII in binary data at least `min` long (what `strings` shows), joined by line breaks. */
export function textRuns(bytes: Buffer, min: number): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const b = i < bytes.length ? (bytes[i] as number) : 0;
    const printable = b >= 0x20 && b < 0x7f;
    if (printable && start < 0) start = i;
    else if (!printable && start >= 0) {
      if (i - start >= min) out.push(bytes.toString('latin1', start, i));
      start = -1;
    }
  }
  return out;
}

/** The query of an AWS SigV4 presigned URL: which values are its signature, session token and credential. */
export interface SigV4Query {
  readonly signature: string;
  readonly credential: string;
  readonly token: string | undefined;
}

const SIGV4_SIGNATURE = /^[0-9a-f]{64}$/;
/** Access key id, date, region, service, `aws4_request`. */
const SIGV4_CREDENTIAL = /^[A-Z0-9]{16,128}\/\d{8}\/[a-z0-9-]{1,32}\/[a-z0-9-]{1,32}\/aws4_request$/;

/**
 * The SigV4 parameters of a query when they are all there and well formed: algorithm `AWS4-HMAC-SHA256`, a
 * credential scope, and a signature that is an HMAC-SHA256 written as 64 lower-case hex digits. Anything else
 * (a signature of another length or alphabet, a scope with other parts) is no SigV4 query and is judged as any.
 */
export function sigV4Query(params: URLSearchParams): SigV4Query | undefined {
  const get = (name: string) => {
    const values = params.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const signature = get('X-Amz-Signature');
  const credential = get('X-Amz-Credential');
  if (get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || signature === undefined || credential === undefined)
    return undefined;
  if (!SIGV4_SIGNATURE.test(signature) || !SIGV4_CREDENTIAL.test(credential)) return undefined;
  const token = params.getAll('X-Amz-Security-Token');
  if (token.length > 1) return undefined;
  return { signature, credential, token: token[0] };
}

/** A signed URL's query: which parameters carry binary data, and which one is a credential scope (`id/date/…`). */
export interface SignedQuery {
  readonly scheme: 'aws-sigv4' | 'gcs-v4' | 'gcs-v2';
  /** Parameters whose value is binary by construction (a signature, a session token): judged by decodings only. */
  readonly binary: ReadonlySet<string>;
  /** The parameter holding a credential scope, whose `/`-separated parts are judged one by one. */
  readonly scope: string | undefined;
}

/** A V4 signature: HMAC-SHA256 (32 bytes) or an RSA signature of a 2048-, 3072- or 4096-bit key, lower-case hex. */
const GOOG4_SIGNATURE = /^(?:[0-9a-f]{64}|[0-9a-f]{512}|[0-9a-f]{768}|[0-9a-f]{1024})$/;
/** Service account e-mail or HMAC access id, date, location, `storage`, `goog4_request`. */
const GOOG4_CREDENTIAL =
  /^(?:[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}|GOOG[0-9A-Z]{16,60})\/\d{8}\/[a-z0-9-]{1,32}\/storage\/goog4_request$/;
/** V2 signature bytes: HMAC-SHA1, or RSA with a 1024- to 4096-bit key. */
const GOOG2_SIGNATURE_BYTES = new Set([20, 128, 256, 384, 512]);
const GOOG2_ACCESS = /^(?:[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}|GOOG[0-9A-Z]{16,60})$/;
const BASE64_STRICT = /^[A-Za-z0-9+/]+={0,2}$/;

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

/**
 * A Cloud Storage V4 signed URL: algorithm `GOOG4-RSA-SHA256` or `GOOG4-HMAC-SHA256`, a credential scope ending in
 * `storage/goog4_request`, and a signature whose length is the algorithm's. Anything else is judged as any query.
 */
function gcsV4(params: URLSearchParams): SignedQuery | undefined {
  const algorithm = single(params, 'X-Goog-Algorithm');
  const signature = single(params, 'X-Goog-Signature');
  const credential = single(params, 'X-Goog-Credential');
  if (signature === undefined || credential === undefined) return undefined;
  const hmac = algorithm === 'GOOG4-HMAC-SHA256';
  if (!hmac && algorithm !== 'GOOG4-RSA-SHA256') return undefined;
  if (!GOOG4_SIGNATURE.test(signature) || (signature.length === 64) !== hmac) return undefined;
  if (!GOOG4_CREDENTIAL.test(credential)) return undefined;
  return { scheme: 'gcs-v4', binary: new Set(['X-Goog-Signature']), scope: 'X-Goog-Credential' };
}

/** A Cloud Storage V2 signed URL: `GoogleAccessId`, a Unix `Expires`, and a base64 `Signature` of a signature's size. */
function gcsV2(params: URLSearchParams): SignedQuery | undefined {
  const access = single(params, 'GoogleAccessId');
  const expires = single(params, 'Expires');
  const signature = single(params, 'Signature');
  if (access === undefined || expires === undefined || signature === undefined) return undefined;
  if (!GOOG2_ACCESS.test(access) || !/^\d{1,12}$/.test(expires) || !BASE64_STRICT.test(signature)) return undefined;
  if (!GOOG2_SIGNATURE_BYTES.has(Buffer.from(signature, 'base64').length)) return undefined;
  return { scheme: 'gcs-v2', binary: new Set(['Signature']), scope: undefined };
}

/** The signed-URL scheme of a query when one is there whole and well formed, else undefined. */
export function signedQuery(params: URLSearchParams): SignedQuery | undefined {
  if (sigV4Query(params))
    return {
      scheme: 'aws-sigv4',
      binary: new Set(['X-Amz-Signature', 'X-Amz-Security-Token']),
      scope: 'X-Amz-Credential',
    };
  return gcsV4(params) ?? gcsV2(params);
}
