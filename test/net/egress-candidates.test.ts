/** L08.1's candidates: values that decode to long, high-entropy text; not words, hashes, UUIDs or the workspace's git ids. */
import { describe, expect, it } from 'vitest';
import { egressCandidates } from '../../src/net/egress-candidates.js';

const SECRET = 'sk-live-4fQ9zX2mB7kL1pR8wT3v';

function base32(s: string): string {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let v = 0;
  let out = '';
  for (const b of Buffer.from(s)) {
    v = (v << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += a[(v >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + a[(v << (5 - bits)) & 31] : out;
}

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
    ['base32 in the path', `https://x.example/p/${base32(SECRET)}`, 'base32'],
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

  it("does not count the workspace's own git object ids", () => {
    const id = Buffer.from('0123456789abcdefghij').toString('hex');
    const url = new URL(`https://x.example/blob/${id}`);
    expect(egressCandidates(url, undefined).length).toBeGreaterThan(0);
    expect(egressCandidates(url, undefined, { isGitObject: (x) => x === id })).toEqual([]);
  });
});
