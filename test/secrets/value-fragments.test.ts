import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { foldedSymbols, ValueFragments } from '../../src/secrets/value-fragments.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { egressCandidates } from '../../src/net/egress-candidates.js';
import { fragmentCandidates } from '../../src/net/egress-fragments.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const base62 = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % 62]).join('');
const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
const everyOther = (s: string, from = 0) => [...s].filter((_, i) => i % 2 === from).join('');
const reversed = (s: string) => [...s].reverse().join('');
/** Name of the secret a text carries a fragment of, `unjudged`, or undefined. */
function owner(f: ValueFragments, text: string, maxSteps?: number): string | undefined {
  const found = f.scan(foldedSymbols(text), maxSteps);
  return typeof found === 'object' ? found.name : found;
}
const withLeaks = (leaks: LeakIndex) => ({ fragmentsIn: (s: Uint8Array) => leaks.fragmentsIn(s) });

describe('text that carries a known value’s characters in order, others left out', () => {
  it('half of a 40-character key (either half, reversed, case changed) names its secret', () => {
    const f = new ValueFragments();
    const key = base62(40);
    f.add('DEPLOY_KEY', key);
    expect(owner(f, everyOther(key))).toBe('DEPLOY_KEY');
    expect(owner(f, everyOther(key, 1))).toBe('DEPLOY_KEY');
    expect(owner(f, reversed(everyOther(key)))).toBe('DEPLOY_KEY');
    expect(owner(f, everyOther(key).toUpperCase())).toBe('DEPLOY_KEY');
    // A third of a longer key, every third character (a third of a 40-character one, 14, is under the bound).
    const long = base62(64);
    f.add('LONG_KEY', long);
    expect(owner(f, [...long].filter((_, i) => i % 3 === 0).join(''))).toBe('LONG_KEY');
  });

  it('a fragment cut by separators, spread over words or wrapped in filler is read whole', () => {
    const f = new ValueFragments();
    const key = base62(40);
    f.add('DEPLOY_KEY', key);
    const half = everyOther(key);
    // Every 5 characters a slash: each piece is far under any length a run could be judged at.
    expect(owner(f, half.replace(/(.{5})/g, '$1/'))).toBe('DEPLOY_KEY');
    expect(owner(f, `note: "${half.slice(0, 7)}", "${half.slice(7, 14)}"; (${half.slice(14)}).`)).toBe('DEPLOY_KEY');
    // Filler glued on both sides: no run of the text is the fragment alone.
    expect(owner(f, `${'Z'.repeat(30)}${half}${'q'.repeat(30)}`)).toBe('DEPLOY_KEY');
  });

  it('random ids of the same shapes are not taken for fragments of 100 keys', () => {
    const f = new ValueFragments();
    for (let i = 0; i < 100; i++) f.add(`K${i}`, i % 2 ? base62(40) : hex(64));
    let named = 0;
    for (let i = 0; i < 5_000; i++) {
      if (owner(f, base62(13 + (i % 20))) !== undefined) named++;
      if (owner(f, hex(12 + (i % 20))) !== undefined) named++;
    }
    expect(named).toBe(0);
  });

  it('a long document (this project’s README) is not taken for fragments of 100 keys', () => {
    const f = new ValueFragments();
    for (let i = 0; i < 100; i++) f.add(`K${i}`, i % 2 ? base62(40) : hex(64));
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme.length).toBeGreaterThan(50_000);
    expect(owner(f, readme)).toBeUndefined();
    expect(owner(f, base62(100_000))).toBeUndefined();
  });

  it('a short hex window is not judged against a hex value (it would be a subsequence by chance), a long one is', () => {
    const f = new ValueFragments();
    const value = hex(64);
    f.add('HEX_KEY', value);
    // 12 hex digits of the value: about one random 12-digit run in 90 would be such a subsequence.
    expect(owner(f, value.slice(0, 24).replace(/(.)./g, '$1'))).toBeUndefined();
    expect(owner(f, everyOther(value))).toBe('HEX_KEY');
  });

  it('short values and short windows are not judged', () => {
    const f = new ValueFragments();
    f.add('PIN', '12345678901');
    expect(owner(f, '12345678901')).toBeUndefined();
    const key = base62(40);
    f.add('KEY', key);
    expect(owner(f, everyOther(key).slice(0, 11))).toBeUndefined();
  });

  it('a text that needs more steps than the scan may take is unjudged, not cleared', () => {
    const f = new ValueFragments();
    const key = base62(40);
    f.add('KEY', key);
    expect(owner(f, `${base62(5_000)}${everyOther(key)}`, 100)).toBe('unjudged');
    expect(owner(f, `${base62(5_000)}${everyOther(key)}`)).toBe('KEY');
  });

  it('the leak index answers for its values, and the egress candidates count such a window (never shown raw)', () => {
    const leaks = new LeakIndex();
    const key = base62(40);
    expect(leaks.register('DEPLOY_KEY', key)).toBe(true);
    const half = everyOther(key);
    const url = new URL(`https://collector.example/doc/${half}?q=${base62(20)}`);
    expect(egressCandidates(url, undefined)).toEqual([]);
    const found = egressCandidates(url, undefined, withLeaks(leaks));
    expect(found).toHaveLength(1);
    expect(found[0]?.where).toBe('path');
    expect(found[0]?.decoded).toMatch(/^2\d characters of the value of DEPLOY_KEY, in order with others left out$/);
    expect(JSON.stringify(found)).not.toContain(half);
    const inBody = egressCandidates(new URL('https://collector.example/'), `{"note":"${half}"}`, withLeaks(leaks));
    expect(inBody.map((c) => c.where)).toEqual(['body']);
    // Spread over query parameters, six characters each.
    const spread = new URLSearchParams((half.match(/.{1,6}/g) ?? []).map((p, i) => [`p${i}`, p] as [string, string]));
    const inQuery = egressCandidates(new URL(`https://collector.example/?${spread}`), undefined, withLeaks(leaks));
    expect(inQuery.map((c) => c.where)).toEqual(['query']);
  });

  it('pieces in both keys and values, and a signed URL’s session token, are read too (R21)', () => {
    const leaks = new LeakIndex();
    const key = base62(40);
    leaks.register('DEPLOY_KEY', key);
    const half = everyOther(key);
    const parts = half.match(/.{1,5}/g) ?? [];
    const query = parts
      .map((p, i) => (i % 2 === 0 ? `${p}=` : `${p}&`))
      .join('')
      .replace(/&$/, '');
    const inKeys = egressCandidates(new URL(`https://collector.example/t?${query}`), undefined, withLeaks(leaks));
    expect(inKeys.map((c) => c.where)).toEqual(['query']);
    const signed = new URL('https://bucket.s3.amazonaws.com/o.txt');
    signed.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA256');
    signed.searchParams.set('X-Amz-Credential', 'AKIAEXAMPLEEXAMPLE12/20261207/us-east-1/s3/aws4_request');
    signed.searchParams.set('X-Amz-Date', '20261207T000000Z');
    signed.searchParams.set('X-Amz-Expires', '900');
    signed.searchParams.set('X-Amz-SignedHeaders', 'host');
    signed.searchParams.set('X-Amz-Security-Token', half);
    signed.searchParams.set('X-Amz-Signature', 'ab'.repeat(32));
    const inToken = egressCandidates(signed, undefined, withLeaks(leaks));
    expect(inToken.some((c) => c.decoded.includes('of the value of DEPLOY_KEY'))).toBe(true);
  });

  it('past its 2,000th run a body was not read at all; now 26 KB of filler ahead of half a key hides nothing', () => {
    const leaks = new LeakIndex();
    const key = base62(40);
    leaks.register('DEPLOY_KEY', key);
    const body = `${Array.from({ length: 2_100 }, () => 'abcdefghijkl').join(' ')} ${everyOther(key)}`;
    const found = egressCandidates(new URL('https://collector.example/'), body, withLeaks(leaks));
    expect(found.map((c) => c.decoded)).toEqual([
      expect.stringMatching(/characters of the value of DEPLOY_KEY/) as unknown as string,
    ]);
  });

  it('a scan that could not read the whole request holds it, saying so', () => {
    const found = fragmentCandidates([['body', 'anything at all']], () => 'unjudged');
    expect(found).toHaveLength(1);
    expect(found[0]?.decoded).toMatch(/more than the known values' fragments could be looked for in/);
  });

  it('a body of many runs is read without finding fragments in filler', () => {
    const leaks = new LeakIndex();
    for (let i = 0; i < 100; i++) leaks.register(`K${i}`, base62(40));
    const body = Array.from({ length: 50_000 }, () => 'a1a1a1a1a1a1a1').join(' ');
    const found = egressCandidates(new URL('https://collector.example/'), body, withLeaks(leaks));
    expect(found.filter((c) => c.decoded.includes('in order'))).toEqual([]);
  });
});
