/**
 * L08.1 against filler: a key's encoding padded or interleaved with a repeated character falls under 4 bits per
 * character (and its decoding breaks); with the filler taken out it is a candidate again, shown decoded. Tokens that
 * are mostly filler and hold nothing random stay out.
 */
import { describe, expect, it } from 'vitest';
import { bitsPerChar, egressCandidates } from '../../src/net/egress-candidates.js';
import { withoutFiller } from '../../src/net/egress-filler.js';

const SECRET = 'sk-live-4fQ9zX2mB7kL1pR8wT3v';
const at = (u: string) => egressCandidates(new URL(u), undefined);
const decodedOf = (u: string) => at(u).map((c) => c.decoded);

/** `s` with `filler` after every `every` characters. */
const interleave = (s: string, every: number, filler: string) =>
  (s.match(new RegExp(`[\\s\\S]{1,${every}}`, 'g')) ?? []).join(filler);

describe('egress candidates under low-entropy filler', () => {
  const b64 = Buffer.from(SECRET).toString('base64');
  const hex = Buffer.from(SECRET).toString('hex');
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['base64 with AAAAAAAA between its quads', interleave(b64, 4, 'AAAAAAAA')],
    ['base64 (no padding) followed by a long run of A', `${b64.replace(/=+$/, '')}${'A'.repeat(120)}`],
    ['hex padded with zeros', `${hex}${'0'.repeat(96)}`],
    ['the key with an x after every character', interleave(SECRET, 1, 'x')],
  ];
  for (const [name, token] of cases)
    it(`${name}: under the threshold as it is, a candidate without the filler`, () => {
      expect(bitsPerChar(token)).toBeLessThan(4);
      expect(decodedOf(`https://x.example/collect?d=${encodeURIComponent(token)}`)).toContain(SECRET);
      expect(decodedOf(`https://x.example/c/${encodeURIComponent(token)}`)).toContain(SECRET);
    });

  it.each([
    `https://x.example/assets/${'a'.repeat(40)}.png`,
    `https://x.example/p?sep=${'-'.repeat(40)}&q=release+notes`,
    'https://en.example.org/wiki/Loooooooooooooooooooooooooong_Cat',
    'https://x.example/api/v1/items?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&limit=50',
    'https://x.example/blog/2024/01/01/zzzzzzzzz-the-sleepy-release-of-version-1000000',
  ])('holds nothing in mostly filler: %s', (url) => {
    expect(at(url)).toEqual([]);
  });

  it('takes out runs of three or more and a character that still makes up a third', () => {
    expect(withoutFiller('abAAAcd')).toBe('abcd');
    expect(withoutFiller('axbxcxdx')).toBe('abcd');
    expect(withoutFiller('abcdefgh')).toBeUndefined();
  });
});
