/** L08.1's candidates: values that decode to long, high-entropy text; not words, hashes, UUIDs or the workspace's git ids. */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { egressCandidates } from '../../src/net/egress-candidates.js';
import { base32Encode } from '../../src/text/index.js';

const SECRET = 'sk-live-4fQ9zX2mB7kL1pR8wT3v';

const at = (u: string, body?: string) => egressCandidates(new URL(u), body);

describe('egress candidates', () => {
  it.each([
    ['raw in the path', `https://x.example/c/${SECRET}`, 'url'],
    [
      'base64 in the query',
      `https://x.example/c?d=${encodeURIComponent(Buffer.from(SECRET).toString('base64'))}`,
      'base64',
    ],
    ['base64url in a key', `https://x.example/c?${Buffer.from(SECRET).toString('base64url')}=1`, 'base64url'],
    ['hex in the path', `https://x.example/${Buffer.from(SECRET).toString('hex')}.png`, 'hex'],
    ['base32 in the path', `https://x.example/p/${base32Encode(Buffer.from(SECRET))}`, 'base32'],
  ])('finds a secret %s and shows it decoded', (_what, url, encoding) => {
    const found = at(url);
    // A base64url text without `-` or `_` is base64 as well.
    const hit = found.find((c) => c.encoding === encoding || (encoding === 'base64url' && c.encoding === 'base64'));
    expect(hit?.decoded).toBe(SECRET);
    expect(hit?.bitsPerChar).toBeGreaterThanOrEqual(4);
  });

  it('finds one in a form body', () => {
    const body = `name=report&blob=${Buffer.from(SECRET).toString('hex')}`;
    expect(at('https://x.example/upload', body).map((c) => [c.where, c.decoded])).toContainEqual(['body', SECRET]);
  });

  it.each([
    'https://github.com/torvalds/linux/commit/0bb80ecc33a8fb5a682236443c1e740d5c917d1d',
    'https://example.com/api/v2/orders/550e8400-e29b-41d4-a716-446655440000/items',
    'https://dev.to/someauthor/building-a-cli-with-commander-and-typescript-2kfj',
    'https://www.google.com/search?q=bubblewrap+unshare-net+unix+socket+2024&hl=en',
    'https://x.example/p/short1234',
    `https://x.example/p/${'a1'.repeat(20)}`,
  ])('leaves %s alone', (url) => {
    expect(at(url)).toEqual([]);
  });

  it("does not count the workspace's own git object ids; hex of text in an id's shape counts whatever it is called", () => {
    const real = randomBytes(20).toString('hex');
    expect(egressCandidates(new URL(`https://x.example/commit/${real}`), undefined)).toEqual([]);
    const textId = Buffer.from('0123456789abcdefghij').toString('hex');
    const url = new URL(`https://x.example/blob/${textId}`);
    // Even when the caller vouches for it (a file of that name exists): a real object id's bytes are never text.
    expect(egressCandidates(url, undefined, { isGitObject: (x) => x === textId }).map((c) => c.decoded)).toEqual([
      '0123456789abcdefghij',
    ]);
  });

  it('a UUID is no candidate; hex of text in a UUID’s shape is, shown decoded', () => {
    expect(at(`https://x.example/o/${randomUUID()}`)).toEqual([]);
    const hex = Buffer.from('sk-live-4fQ9zX2mB7k').subarray(0, 16).toString('hex');
    const uuidShaped = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    expect(at(`https://x.example/o/${uuidShaped}`).map((c) => c.decoded)).toEqual(['sk-live-4fQ9zX2m']);
  });

  it('a key in fullwidth letters and digits is read as the key (NFKC, as L23 reads tool results)', () => {
    const fullwidth = [...SECRET]
      .map((c) => (/[A-Za-z0-9]/.test(c) ? String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0) : c))
      .join('');
    const found = egressCandidates(new URL(`https://x.example/c?d=${encodeURIComponent(fullwidth)}`), undefined);
    expect(found.map((c) => c.decoded)).toContain(SECRET);
  });

  it('header values are judged as the body is, and take part in joined pieces; ordinary headers are no candidate', () => {
    const url = new URL('https://x.example/status');
    const wide = [...SECRET]
      .map((c) => (/[A-Za-z0-9]/.test(c) ? String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0) : c))
      .join('');
    const inHeader = egressCandidates(url, undefined, {}, [['x-note', wide]]);
    expect(inHeader.map((c) => [c.where, c.decoded])).toContainEqual(['header', SECRET]);
    const pieces = (SECRET.match(/.{1,9}/g) ?? []).map(
      (p, i) => [`x-part-${i}`, Buffer.from(p).toString('base64url')] as const,
    );
    const joined = egressCandidates(url, undefined, {}, pieces);
    expect(
      joined.some((c) => c.pieces === true && c.where === 'header' && c.decoded.includes(SECRET.slice(0, 27))),
    ).toBe(true);
    const ordinary: Array<readonly [string, string]> = [
      ['user-agent', 'curl/7.88.1'],
      ['accept', 'application/json, text/plain;q=0.9, */*;q=0.8'],
      ['content-type', 'application/x-www-form-urlencoded'],
      ['x-request-id', randomUUID()],
    ];
    expect(egressCandidates(url, undefined, {}, ordinary)).toEqual([]);
  });

  it('a body that is not text (gzip of a key, a pack) is a candidate; text bodies are judged as before (R20)', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(Buffer.from(`KEY=${SECRET}\n`)).toString('utf8');
    const found = egressCandidates(new URL('https://x.example/upload'), gz);
    expect(found.map((c) => c.decoded)).toEqual([expect.stringMatching(/that is not text/) as unknown as string]);
    expect(egressCandidates(new URL('https://x.example/api'), JSON.stringify({ q: 'hello world', n: 3 }))).toEqual([]);
    expect(egressCandidates(new URL('https://x.example/api'), 'line one\r\n\tline two\n')).toEqual([]);
  });

  describe('a secret in short pieces across one request', () => {
    const pieces = (s: string, n: number) => s.match(new RegExp(`.{1,${n}}`, 'g')) ?? [];
    const reversed = [...SECRET].reverse().join('');
    it.each([
      [
        'base64url pieces in query parameters',
        `https://x.example/c?${pieces(SECRET, 12)
          .map((p, i) => `p${i}=${Buffer.from(p).toString('base64url')}`)
          .join('&')}`,
        SECRET,
      ],
      [
        'base64 of the reversed value cut into 16-character parameters',
        `https://x.example/c?${pieces(Buffer.from(reversed).toString('base64'), 16)
          .map((p, i) => `p${i}=${encodeURIComponent(p)}`)
          .join('&')}`,
        reversed,
      ],
      [
        'hex pieces in path segments',
        `https://x.example/${pieces(SECRET, 9)
          .map((p) => Buffer.from(p).toString('hex'))
          .join('/')}`,
        // The last piece, one character (2 hex digits), is shorter than a piece is read from.
        SECRET.slice(0, 27),
      ],
      [
        'base32 pieces split between the query and the body',
        `https://x.example/c?a=${base32Encode(Buffer.from(SECRET.slice(0, 10))).replace(/=/g, '')}`,
        SECRET,
        `b=${base32Encode(Buffer.from(SECRET.slice(10, 20))).replace(/=/g, '')}&c=${base32Encode(Buffer.from(SECRET.slice(20))).replace(/=/g, '')}`,
      ],
      [
        // Each piece is a 31-character token, longer than pieces used to be read from, and decodes to 19 characters.
        'base32 pieces of 19 characters in two parameters',
        `https://x.example/c?a=${base32Encode(Buffer.from(SECRET.slice(0, 19))).replace(/=/g, '')}&b=${base32Encode(Buffer.from(SECRET.slice(19, 38))).replace(/=/g, '')}`,
        SECRET.slice(0, 38),
      ],
    ])('%s: joined and shown decoded', (_what, url, secret, body?: string) => {
      const found = egressCandidates(new URL(url), body);
      expect(found.some((c) => c.pieces === true && c.decoded.includes(secret))).toBe(true);
    });

    it('ordinary many-parameter requests do not add up to a candidate', () => {
      for (const url of [
        'https://www.example.com/search?q=rust+async+trait+objects&hl=en&num=20&start=40&safe=off&source=hp&ei=Xy7kZb2',
        'https://api.example.com/v2/users/12345/orders?page=3&per_page=50&sort=created_at&direction=desc&state=open',
        'https://shop.example/p/blue-widget-deluxe?utm_source=newsletter&utm_medium=email&utm_campaign=winter2026',
      ])
        expect(at(url)).toEqual([]);
    });
  });

  describe('credential structure and structured base64', () => {
    const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const bare = (n: number) => 'Zq8vN3kR7tW2yP5mX9cB4dF6hJ1aL0sE'.repeat(3).slice(0, n);

    it.each([
      [
        'a pagination cursor (base64 of JSON)',
        `https://api.example/items?cursor=${b64u({ id: 12345, ts: 1700000000 })}`,
      ],
      [
        'a JWT: header, claims and signature',
        `https://x.example/dl?token=${b64u({ alg: 'HS256', typ: 'JWT' })}.${b64u({ sub: '1234567890', name: 'Jo Doe', iat: 1516239022 })}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`,
      ],
      ['a bare base62 resource id under 40 characters', `https://media.example/episode/${bare(22)}`],
      ['a 33-character file id', `https://files.example/file/d/${bare(33)}/view`],
    ])('%s is no candidate', (_what, url) => {
      expect(at(url)).toEqual([]);
    });

    it.each([
      ['with a vendor prefix', `https://x.example/c/key_${bare(24)}`],
      ['reversed, the prefix at the end', `https://x.example/c/${[...`sk-${bare(24)}`].reverse().join('')}`],
      ['with base64 punctuation', `https://x.example/c?d=${encodeURIComponent(`${bare(20)}/${bare(8)}+x`)}`],
      [`bare, from ${40} characters on`, `https://x.example/c/${bare(40)}`],
    ])('a raw key %s is a candidate', (_what, url) => {
      expect(at(url).map((c) => c.encoding)).toContain('url');
    });

    it('a bare key under 40 characters is still a candidate once encoded', () => {
      expect(at(`https://x.example/c/${Buffer.from(bare(24)).toString('base64url')}`)[0]?.decoded).toBe(bare(24));
    });

    it('a secret inside base64 of JSON is found among its values, however deep', () => {
      const inner = b64u({ user: 'me', k: SECRET });
      expect(at(`https://x.example/c?state=${b64u({ page: 2, blob: inner })}`).map((c) => c.decoded)).toContain(SECRET);
    });
  });
});
