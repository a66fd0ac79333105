import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MultiMatcher, replaceSpans } from '../../src/text/multi-match.js';

/** Reference: every occurrence by indexOf, for comparison. */
function naive(patterns: string[], text: string): string[] {
  const out: string[] = [];
  patterns.forEach((p, id) => {
    for (let i = text.indexOf(p); i !== -1; i = text.indexOf(p, i + 1)) out.push(`${id}:${i}:${i + p.length}`);
  });
  return out.sort();
}

const found = (m: MultiMatcher, text: string) =>
  m
    .matchAll(text)
    .map((x) => `${x.pattern}:${x.start}:${x.end}`)
    .sort();

describe('MultiMatcher (Aho-Corasick)', () => {
  it('finds overlapping and nested patterns', () => {
    const patterns = ['he', 'she', 'his', 'hers'];
    const m = new MultiMatcher(patterns);
    expect(found(m, 'ushers')).toEqual(naive(patterns, 'ushers'));
    expect(found(m, 'ushers')).toEqual(['0:2:4', '1:1:4', '3:2:6']);
  });

  it('agrees with a naive search on random inputs, dense and sparse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '😀'), minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'é', '😀'), maxLength: 60 }),
        (patterns, text) => {
          const expected = naive(patterns, text);
          expect(found(new MultiMatcher(patterns), text)).toEqual(expected);
          expect(found(new MultiMatcher(patterns, { maxDenseEntries: 0 }), text)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('skipping reports what forEachMatch reports, in the same order (case folded, dense and sparse, short patterns)', () => {
    /** Occurrences in the order reported. */
    const all = (m: MultiMatcher, text: string, skipping: boolean) => {
      const out: string[] = [];
      const f = (pattern: number, start: number, end: number) => void out.push(`${pattern}:${start}:${end}`);
      if (skipping) m.forEachMatchSkipping(text, f);
      else m.forEachMatch(text, f);
      return out;
    };
    const unit = fc.constantFrom('a', 'B', 'b', 'c', '1', '-', ' ', 'é');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, minLength: 6, maxLength: 14 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.oneof(fc.string({ unit, maxLength: 20 }), fc.nat(11)), { maxLength: 12 }),
        fc.boolean(),
        (patterns, pieces, caseless) => {
          // Text made of the patterns (in the other case too) and noise: occurrences start, end and overlap anywhere.
          const text = pieces
            .map((p) => (typeof p === 'number' ? (patterns[p % patterns.length] as string) : p))
            .map((p, i) => (caseless && i % 2 ? p.toUpperCase() : p))
            .join('');
          for (const options of [
            { asciiCaseInsensitive: caseless },
            { asciiCaseInsensitive: caseless, maxDenseEntries: 0 },
          ]) {
            const m = new MultiMatcher(patterns, options);
            expect(all(m, text, true)).toEqual(all(m, text, false));
          }
        },
      ),
      { numRuns: 600 },
    );
    // Long enough to skip: prose against random values goes by in jumps, and a value in it is still found.
    const values = Array.from({ length: 200 }, (_, i) => `v${i}q8Zx${(i * 7919).toString(36)}Kp0w3r`);
    const m = new MultiMatcher(values, { asciiCaseInsensitive: true });
    const prose = 'The shipment left the warehouse on Tuesday and should arrive by Friday. '.repeat(40);
    const text = `${prose}${(values[77] as string).toUpperCase()} ${prose}${values[3]}`;
    expect(all(m, text, true)).toEqual(all(m, text, false));
    expect(all(m, text, true)).toHaveLength(2);
  });

  it('uses the sparse path when the dense table would be too big', () => {
    expect(new MultiMatcher(['abc']).isDense).toBe(true);
    expect(new MultiMatcher(['abc'], { maxDenseEntries: 1 }).isDense).toBe(false);
  });

  it('refuses an empty pattern and handles no patterns', () => {
    expect(() => new MultiMatcher(['a', ''])).toThrow(/empty/);
    expect(new MultiMatcher([]).matchAll('anything')).toEqual([]);
  });

  it('stops early and honours a limit', () => {
    const m = new MultiMatcher(['a']);
    expect(m.matchAll('aaaa', 2)).toHaveLength(2);
    expect(m.hasMatch('xxa')).toBe(true);
    expect(m.hasMatch('xxx')).toBe(false);
  });

  it('replaceSpans merges overlapping spans', () => {
    const text = '0123456789';
    const out = replaceSpans(
      text,
      [
        { start: 2, end: 5 },
        { start: 4, end: 7 },
        { start: 8, end: 9 },
      ],
      () => '#',
    );
    expect(out).toBe('01#7#9');
  });
});

describe('MultiMatcher.forEachKeyMatch', () => {
  it('finds the patterns in the key of a text, as in the key built first', () => {
    const key = new Uint16Array(128);
    for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789') key[c.charCodeAt(0)] = c.charCodeAt(0);
    for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') key[c.charCodeAt(0)] = c.toLowerCase().charCodeAt(0);
    const keyOf = (t: string) =>
      [...t]
        .map((c) => (c.charCodeAt(0) < 128 ? key[c.charCodeAt(0)] : 0))
        .filter((k) => k)
        .map((k) => String.fromCharCode(k as number))
        .join('');
    const m = new MultiMatcher(['ctkn', 'abc1', 'zz']);
    for (const text of ['C-T K_N: x', 'a.b.c.1 and é zz', 'nothing here', 'ctk']) {
      const viaKey = new Set<number>();
      m.forEachKeyMatch(text, key, (id) => void viaKey.add(id));
      const built = new Set(m.matchAll(keyOf(text)).map((x) => x.pattern));
      expect([...viaKey].sort()).toEqual([...built].sort());
    }
    const first: number[] = [];
    m.forEachKeyMatch('ctkn abc1 zz', key, (id) => (first.push(id), false));
    expect(first).toEqual([0]);
  });

  it('reads only the range it is given, as the key of that slice', () => {
    const key = new Uint16Array(128);
    for (const c of 'abcd') key[c.charCodeAt(0)] = c.charCodeAt(0);
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', '-'), maxLength: 40 }),
        fc.nat(40),
        fc.nat(40),
        (patterns, text, x, y) => {
          const [from, to] = x <= y ? [x, y] : [y, x];
          for (const m of [new MultiMatcher(patterns), new MultiMatcher(patterns, { maxDenseEntries: 0 })]) {
            const inRange: number[] = [];
            m.forEachKeyMatch(text, key, (id) => void inRange.push(id), from, to);
            const sliced: number[] = [];
            m.forEachKeyMatch(text.slice(from, to), key, (id) => void sliced.push(id));
            expect(inRange.sort()).toEqual(sliced.sort());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with a naive search of the built key on random inputs, dense and sparse, whatever the table', () => {
    // Two key tables on one matcher: the composed table it keeps must follow the one it is given.
    const lower = new Uint16Array(128);
    for (const c of 'abcd') lower[c.charCodeAt(0)] = c.charCodeAt(0);
    for (const c of 'ABCD') lower[c.charCodeAt(0)] = c.toLowerCase().charCodeAt(0);
    const swap = new Uint16Array(100);
    for (const [from, to] of [
      ['a', 'b'],
      ['b', 'a'],
      ['c', 'c'],
      ['x', 'd'],
    ])
      swap[(from as string).charCodeAt(0)] = (to as string).charCodeAt(0);
    const keyOf = (t: string, table: Uint16Array) =>
      [...t]
        .map((c) => (c.charCodeAt(0) < table.length ? (table[c.charCodeAt(0)] as number) : 0))
        .filter((k) => k !== 0)
        .map((k) => String.fromCharCode(k))
        .join('');
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'C', 'D', 'x', '-', ' ', 'é', '😀'), maxLength: 60 }),
        (patterns, text) => {
          for (const m of [new MultiMatcher(patterns), new MultiMatcher(patterns, { maxDenseEntries: 0 })])
            for (const table of [lower, swap, lower]) {
              const viaKey: number[] = [];
              m.forEachKeyMatch(text, table, (id) => void viaKey.push(id));
              const built = naive(patterns, keyOf(text, table)).map((x) => Number(x.split(':')[0]));
              expect(viaKey.sort()).toEqual(built.sort());
            }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('MultiMatcher.forEachKeyMatch: where a match ends in the raw text', () => {
  it('gives the raw index after the last character of each match, dense and sparse', () => {
    const key = new Uint16Array(128);
    for (const c of 'abcd') key[c.charCodeAt(0)] = c.charCodeAt(0);
    for (const c of 'ABCD') key[c.charCodeAt(0)] = c.toLowerCase().charCodeAt(0);
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'C', 'D', '-', ' ', 'é'), maxLength: 60 }),
        (patterns, text) => {
          // The key built with the raw index of each of its characters.
          let built = '';
          const rawOf: number[] = [];
          for (let i = 0; i < text.length; i++) {
            const c = text.charCodeAt(i);
            const k = c < key.length ? (key[c] as number) : 0;
            if (k === 0) continue;
            built += String.fromCharCode(k);
            rawOf.push(i);
          }
          const expected = naive(patterns, built).map((x) => {
            const [id, , end] = x.split(':').map(Number);
            return `${id}:${(rawOf[(end as number) - 1] as number) + 1}`;
          });
          for (const m of [new MultiMatcher(patterns), new MultiMatcher(patterns, { maxDenseEntries: 0 })]) {
            const seen: string[] = [];
            m.forEachKeyMatch(text, key, (id, end) => void seen.push(`${id}:${end}`));
            expect(seen.sort()).toEqual([...expected].sort());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
