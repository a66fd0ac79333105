import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValueFragments } from '../../src/secrets/value-fragments.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { egressCandidates } from '../../src/net/egress-candidates.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const base62 = (n: number) => [...randomBytes(n)].map((b) => ALNUM[b % 62]).join('');
const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
const everyOther = (s: string, from = 0) => [...s].filter((_, i) => i % 2 === from).join('');

describe('runs that carry a known value’s characters in order, others left out', () => {
  it('half of a 40-character key (either half, reversed, case changed) names its secret', () => {
    const f = new ValueFragments();
    const key = base62(40);
    f.add('DEPLOY_KEY', key);
    expect(f.fragmentOf(everyOther(key))).toBe('DEPLOY_KEY');
    expect(f.fragmentOf(everyOther(key, 1))).toBe('DEPLOY_KEY');
    expect(f.fragmentOf([...everyOther(key)].reverse().join(''))).toBe('DEPLOY_KEY');
    expect(f.fragmentOf(everyOther(key).toUpperCase())).toBe('DEPLOY_KEY');
    // A third of it, every third character.
    expect(f.fragmentOf([...key].filter((_, i) => i % 3 === 0).join(''))).toBe('DEPLOY_KEY');
  });

  it('random ids of the same shapes are not taken for fragments of 100 keys', () => {
    const f = new ValueFragments();
    for (let i = 0; i < 100; i++) f.add(`K${i}`, i % 2 ? base62(40) : hex(64));
    let named = 0;
    for (let i = 0; i < 5_000; i++) {
      if (f.fragmentOf(base62(13 + (i % 20))) !== undefined) named++;
      if (f.fragmentOf(hex(12 + (i % 20))) !== undefined) named++;
    }
    expect(named).toBe(0);
  });

  it('a short hex run is not judged against a hex value (it would be a subsequence by chance), a long one is', () => {
    const f = new ValueFragments();
    const value = hex(64);
    f.add('HEX_KEY', value);
    // 12 hex digits of the value: about one random 12-digit run in 90 would be such a subsequence.
    expect(f.fragmentOf(value.slice(0, 24).replace(/(.)./g, '$1'))).toBeUndefined();
    expect(f.fragmentOf(everyOther(value))).toBe('HEX_KEY');
  });

  it('short values and short runs are not judged', () => {
    const f = new ValueFragments();
    f.add('PIN', '12345678901');
    expect(f.fragmentOf('12345678901')).toBeUndefined();
    const key = base62(40);
    f.add('KEY', key);
    expect(f.fragmentOf(everyOther(key).slice(0, 11))).toBeUndefined();
  });

  it('the leak index answers for its values, and the egress candidates count such a run (never shown raw)', () => {
    const leaks = new LeakIndex();
    const key = base62(40);
    expect(leaks.register('DEPLOY_KEY', key)).toBe(true);
    const half = everyOther(key);
    const url = new URL(`https://collector.example/doc/${half}?q=${base62(20)}`);
    expect(egressCandidates(url, undefined)).toEqual([]);
    const found = egressCandidates(url, undefined, { fragmentOf: (r) => leaks.fragmentOf(r) });
    expect(found).toHaveLength(1);
    expect(found[0]?.where).toBe('path');
    expect(found[0]?.decoded).toBe('20 characters of the value of DEPLOY_KEY, in order with others left out');
    const inBody = egressCandidates(new URL('https://collector.example/'), `{"note":"${half}"}`, {
      fragmentOf: (r) => leaks.fragmentOf(r),
    });
    expect(inBody.map((c) => c.where)).toEqual(['body']);
  });

  it('a body of many runs is read up to a bound, without finding fragments in filler', () => {
    const leaks = new LeakIndex();
    for (let i = 0; i < 100; i++) leaks.register(`K${i}`, base62(40));
    const body = Array.from({ length: 50_000 }, () => 'a1a1a1a1a1a1a1').join(' ');
    const found = egressCandidates(new URL('https://collector.example/'), body, {
      fragmentOf: (r) => leaks.fragmentOf(r),
    });
    expect(found.filter((c) => c.decoded.includes('in order'))).toEqual([]);
  });
});
