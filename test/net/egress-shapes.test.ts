/**
 * L08.1 and values that are binary by structure: a presigned S3 URL, a subresource-integrity digest, an inline image
 * are not held for what they are; a secret put into one of them is. Decoded text in such a shape, or text inside its
 * decoded bytes, is a candidate; a known vault value copied into one raw (which no decoding can tell from random data)
 * is the leak index's catch, through the tool-call guard every web_fetch passes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { egressCandidates, MAX_SCAN_CHARS } from '../../src/net/egress-candidates.js';
import { isImage, signedQuery, sigV4Query, sriDigest, textRuns } from '../../src/net/egress-shapes.js';
import { base32Encode } from '../../src/text/index.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { createOutputGuard } from '../../src/guards/output-guard.js';
import { EventBus } from '../../src/core/events.js';
import { CANARY_SECRET, CTX } from '../guards/helpers.js';

const SECRET = ['sk', 'live', '4fQ9zX2mB7kL1pR8wT3vYb6N'].join('-');
const enc = encodeURIComponent;
const at = (u: string, body?: string) => egressCandidates(new URL(u), body);
const shows = (u: string, secret = SECRET) => at(u).some((c) => c.decoded.includes(secret));

const akid = (prefix: string) =>
  prefix + Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('');

function presigned(over: Record<string, string> = {}): string {
  const params: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${akid('AKIA')}/20240611/us-east-1/s3/aws4_request`,
    'X-Amz-Date': '20240611T093012Z',
    'X-Amz-Expires': '3600',
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': randomBytes(32).toString('hex'),
    ...over,
  };
  const query = Object.entries(params)
    .map(([k, v]) => `${k}=${enc(v)}`)
    .join('&');
  return `https://bucket.s3.us-east-1.amazonaws.com/exports/report.csv?${query}`;
}

const SA = 'uploader@my-project-123456.iam.gserviceaccount.com';
/** A user account's HMAC access id (24 characters); a service account's (61) is judged as any value. */
const hmacId = () => `GOOG1E${akid('').slice(0, 16)}WQ`;

/** A Cloud Storage V4 signed URL (RSA by default: a 2048-bit key's 256-byte signature as hex). */
function gcsV4(over: Record<string, string> = {}, hmac = false): string {
  const params: Record<string, string> = {
    'X-Goog-Algorithm': hmac ? 'GOOG4-HMAC-SHA256' : 'GOOG4-RSA-SHA256',
    'X-Goog-Credential': `${hmac ? hmacId() : SA}/20261207/us-central1/storage/goog4_request`,
    'X-Goog-Date': '20261207T101500Z',
    'X-Goog-Expires': '900',
    'X-Goog-SignedHeaders': 'host',
    'X-Goog-Signature': randomBytes(hmac ? 32 : 256).toString('hex'),
    ...over,
  };
  const query = Object.entries(params)
    .map(([k, v]) => `${k}=${enc(v)}`)
    .join('&');
  return `https://storage.googleapis.com/example-bucket/reports/q3.pdf?${query}`;
}

/** A Cloud Storage V2 signed URL (an RSA signature as base64). */
function gcsV2(over: Record<string, string> = {}): string {
  const params: Record<string, string> = {
    GoogleAccessId: SA,
    Expires: '1765103700',
    Signature: randomBytes(256).toString('base64'),
    ...over,
  };
  const query = Object.entries(params)
    .map(([k, v]) => `${k}=${enc(v)}`)
    .join('&');
  return `https://storage.googleapis.com/example-bucket/cat.jpeg?${query}`;
}

const sessionToken = (inside: Buffer = randomBytes(380)) =>
  Buffer.concat([Buffer.from('!\n\torigin_ec\x10'), randomBytes(24), inside, randomBytes(24)]).toString('base64');

const sri = (alg: 'sha256' | 'sha384' | 'sha512', data: Buffer) =>
  `${alg}-${createHash(alg).update(data).digest('base64')}`;

/** A PNG file's first bytes (signature and an IHDR chunk), then `body`. */
const png = (body: Buffer) =>
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    Buffer.from('IHDR'),
    randomBytes(17),
    body,
  ]);

describe('binary by structure: not held', () => {
  it.each([
    ['a presigned S3 URL', presigned()],
    ['a presigned S3 URL with a session token', presigned({ 'X-Amz-Security-Token': sessionToken() })],
    ['a Cloud Storage V4 signed URL (RSA)', gcsV4()],
    ['a Cloud Storage V4 signed URL with a short HMAC access id', gcsV4({}, true)],
    ['a Cloud Storage V2 signed URL', gcsV2()],
    [
      'a Cloud Storage V2 signed URL with an HMAC access id',
      gcsV2({ GoogleAccessId: hmacId(), Signature: randomBytes(20).toString('base64') }),
    ],
    ['an SRI sha384 digest', `https://www.srihash.org/?integrity=${enc(sri('sha384', randomBytes(64)))}`],
    ['an SRI sha512 digest', `https://registry.example/audit?integrity=${enc(sri('sha512', randomBytes(64)))}`],
    [
      'two SRI digests',
      `https://cdn.example/v?i=${enc(`${sri('sha512', randomBytes(8))} ${sri('sha256', randomBytes(8))}`)}`,
    ],
    [
      'a data: URL of a PNG',
      `https://api.example/thumb?image=${enc(`data:image/png;base64,${png(randomBytes(90)).toString('base64')}`)}`,
    ],
    [
      'a bare base64 JPEG',
      `https://ocr.example/r?img=${enc(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(120)]).toString('base64'))}`,
    ],
  ])('%s', (_what, url) => {
    expect(at(url).map((c) => c.decoded)).toEqual([]);
  });

  it('the shapes are read exactly: digest length, image magic, SigV4 signature and scope', () => {
    expect(sriDigest(sri('sha512', Buffer.from('x')))?.length).toBe(64);
    // The right label over a body of the wrong length is no digest.
    expect(sriDigest(`sha512-${Buffer.from(SECRET).toString('base64')}`)).toBeUndefined();
    expect(isImage(png(randomBytes(8)))).toBe(true);
    expect(isImage(Buffer.from(SECRET))).toBe(false);
    const ok = new URL(presigned()).searchParams;
    expect(sigV4Query(ok)).toBeDefined();
    const base32Signature = new URL(presigned({ 'X-Amz-Signature': base32Encode(Buffer.from(SECRET)) })).searchParams;
    expect(sigV4Query(base32Signature)).toBeUndefined();
    expect(signedQuery(new URL(gcsV4()).searchParams)?.scheme).toBe('gcs-v4');
    expect(signedQuery(new URL(gcsV2()).searchParams)?.scheme).toBe('gcs-v2');
    // A signature whose length is not the algorithm's, or a scope of another service, is no signed URL.
    expect(
      signedQuery(new URL(gcsV4({ 'X-Goog-Signature': randomBytes(32).toString('hex') })).searchParams),
    ).toBeUndefined();
    const otherService = gcsV4({ 'X-Goog-Credential': `${SA}/20261207/us/compute/goog4_request` });
    expect(signedQuery(new URL(otherService).searchParams)).toBeUndefined();
    expect(
      signedQuery(new URL(gcsV2({ Signature: randomBytes(100).toString('base64') })).searchParams),
    ).toBeUndefined();
    expect(signedQuery(new URL(gcsV2({ Expires: 'soon' })).searchParams)).toBeUndefined();
    expect(textRuns(Buffer.concat([randomBytes(4).fill(1), Buffer.from(SECRET), Buffer.from([0])]), 20)).toEqual([
      SECRET,
    ]);
  });
});

describe('a secret hidden in such a shape: still a candidate, shown decoded', () => {
  it.each([
    ['base32 in place of the SigV4 signature', presigned({ 'X-Amz-Signature': base32Encode(Buffer.from(SECRET)) })],
    [
      'base64 in place of the SigV4 signature',
      presigned({ 'X-Amz-Signature': Buffer.from(SECRET).toString('base64') }),
    ],
    [
      'hex of a 32-character secret as the signature (64 hex digits, a well-formed SigV4 query)',
      presigned({ 'X-Amz-Signature': Buffer.from(SECRET.slice(0, 32)).toString('hex') }),
      SECRET.slice(0, 32),
    ],
    [
      'base64 of the secret as the session token',
      presigned({ 'X-Amz-Security-Token': Buffer.from(SECRET).toString('base64') }),
    ],
    [
      'the secret inside the session token bytes',
      presigned({ 'X-Amz-Security-Token': sessionToken(Buffer.from(SECRET)) }),
    ],
    [
      'the secret as a part of the credential scope',
      presigned({ 'X-Amz-Credential': `${akid('AKIA')}/20240611/${SECRET}/s3/aws4_request` }),
    ],
    [
      'the secret in another parameter of a presigned URL',
      `${presigned()}&d=${enc(Buffer.from(SECRET).toString('base64'))}`,
    ],
    [
      'hex of the secret in place of the Cloud Storage signature (wrong length: judged as any value)',
      gcsV4({ 'X-Goog-Signature': Buffer.from(SECRET).toString('hex') }),
    ],
    [
      'the secret inside the bytes of a well-formed Cloud Storage V4 signature',
      gcsV4({
        'X-Goog-Signature': Buffer.concat([
          randomBytes(100).fill(7),
          Buffer.from(SECRET),
          randomBytes(256 - 100 - SECRET.length).fill(8),
        ]).toString('hex'),
      }),
    ],
    [
      'the secret inside the bytes of a Cloud Storage V2 signature',
      gcsV2({
        Signature: Buffer.concat([
          randomBytes(100).fill(7),
          Buffer.from(SECRET),
          randomBytes(256 - 100 - SECRET.length).fill(8),
        ]).toString('base64'),
      }),
    ],
    [
      'the secret as a part of the Cloud Storage credential scope',
      gcsV4({ 'X-Goog-Credential': `${SA}/20261207/${SECRET}/storage/goog4_request` }),
    ],
    [
      'the secret in another parameter of a Cloud Storage signed URL',
      `${gcsV4()}&d=${enc(Buffer.from(SECRET).toString('base64'))}`,
    ],
    [
      'the secret as text in place of an SRI digest',
      `https://cdn.example/v?integrity=sha512-${enc(Buffer.from(SECRET.padEnd(64, '.')).toString('base64'))}`,
    ],
    [
      'the secret inside SRI digest bytes',
      `https://cdn.example/v?integrity=sha512-${enc(Buffer.concat([randomBytes(8).fill(2), Buffer.from(SECRET), randomBytes(64 - 8 - SECRET.length).fill(3)]).toString('base64'))}`,
    ],
    [
      'the secret in a PNG text chunk',
      `https://api.example/thumb?image=${enc(`data:image/png;base64,${png(Buffer.from(`tEXtComment\0${SECRET}\0`)).toString('base64')}`)}`,
    ],
    [
      'base64 of the secret in a GIF comment',
      `https://x.example/i?g=${Buffer.concat([Buffer.from('GIF89a'), randomBytes(6).fill(4), Buffer.from(` ${Buffer.from(SECRET).toString('base64')} `), randomBytes(6).fill(5)]).toString('base64url')}`,
    ],
  ])('%s', (_what, url, secret = SECRET) => {
    expect(shows(url, secret)).toBe(true);
  });

  it('a long Cloud Storage HMAC access id is judged as any value: base32 of a key after its GOOG prefix is held', () => {
    const id = `GOOG${base32Encode(Buffer.from(SECRET.slice(0, 30))).replace(/=/g, '')}`;
    const url = gcsV2({ GoogleAccessId: id, Signature: randomBytes(20).toString('base64') });
    expect(signedQuery(new URL(url).searchParams)?.scheme).toBe('gcs-v2');
    expect(at(url).map((c) => c.decoded)).toEqual([id]);
  });

  it('a body longer than what is read is a candidate itself', () => {
    const body = `a=${'x'.repeat(MAX_SCAN_CHARS)}&d=${Buffer.from(SECRET).toString('hex')}`;
    const found = egressCandidates(new URL('https://x.example/upload'), body);
    expect(found.some((c) => c.where === 'body' && c.decoded.includes('longer than'))).toBe(true);
  });
});

describe('a vault value copied raw into such a shape: the leak index refuses the fetch', () => {
  const vault = ['AbCdEfGh', 'IjKlMnOp', 'QrStUvWx', 'Yz012345'].join('');
  const leaks = new LeakIndex();
  leaks.register('AWS_SECRET_ACCESS_KEY', vault);
  const guard = createOutputGuard({ leakScanner: leaks, canarySecret: CANARY_SECRET, bus: new EventBus() });
  const fetches = (url: string) => guard.checkToolCall({ name: 'web_fetch', arguments: JSON.stringify({ url }) }, CTX);

  it.each([
    [
      'inside the session token',
      presigned({ 'X-Amz-Security-Token': `${sessionToken().slice(0, 100)}${vault}${sessionToken().slice(0, 60)}` }),
    ],
    ['as an SRI body', `https://cdn.example/v?integrity=sha384-${vault}${vault}`],
    ['inside base64 image data', `https://api.example/t?image=${enc(`data:image/png;base64,iVBORw0KGgo${vault}AAAA`)}`],
    ['base32 in place of the signature', presigned({ 'X-Amz-Signature': base32Encode(Buffer.from(vault)) })],
    [
      'base64url of it as the session token',
      presigned({ 'X-Amz-Security-Token': Buffer.from(vault).toString('base64url') }),
    ],
  ])('%s', (_what, url) => {
    // L08.1 may or may not see it (raw characters in a binary slot decode to nothing); the known value is found.
    const r = fetches(url);
    expect(r.ok).toBe(false);
  });
});
