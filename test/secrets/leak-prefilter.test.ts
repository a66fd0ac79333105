/**
 * The shortcuts that keep the leak index fast on prose lose nothing: separated writing is only copied where a
 * region keeps as many letters and digits as the shortest character form (every transform is still found when
 * it is exactly that long, and in a stream cut anywhere), and the hex gate's run-at-a-time walk answers as a
 * plain reading of its rule does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeakIndex, separatedHexStretch } from '../../src/secrets/leak-index.js';
import { separatedView } from '../../src/text/separated.js';
import { transforms } from './transforms-fixture.js';

describe('separated writing: regions shorter than the shortest form are not copied', () => {
  it('a region keeping fewer letters and digits than minKept is left out; one keeping as many stays', () => {
    const text = 'met at 10:30 on 2024-01-02 (see src/agent/x.ts) to talk!\nAbCd-EfGh-IjKl-MnOp';
    const all = separatedView(text)?.text ?? '';
    expect(all).toContain('at1030on');
    expect(all).toContain('AbCdEfGhIjKlMnOp');
    const twelve = separatedView(text, 12)?.text ?? '';
    expect(twelve).not.toContain('at1030on');
    expect(twelve).toContain('srcagentxtsto');
    expect(twelve).toContain('AbCdEfGhIjKlMnOp');
    expect(separatedView(text, 16)?.text).toContain('AbCdEfGhIjKlMnOp');
    // `!` is kept in a group (a value may hold it), so `talk!` joins the random-looking groups after the line break.
    expect(separatedView(text, 21)?.text).toContain('talk!AbCdEfGhIjKlMnOp');
    expect(separatedView(text, 22)?.text ?? '').not.toContain('AbCdEfGhIjKlMnOp');
    expect(separatedView('s k - a n t', 6)).toBeUndefined();
    expect(separatedView('s k - a n t - 9', 6)?.text).toBe('skant9\u0000');
  });

  it('every transform of the shortest indexable value is found when its region is exactly that long', () => {
    // Six characters, no windows: the shortest character form is the value itself (and its transforms).
    const value = 'q7Xk2Z';
    const idx = new LeakIndex();
    expect(idx.register('SHORT', value)).toBe(true);
    for (const [label, encoded] of transforms(value)) {
      if (!/dashed|spaced|quoted/.test(label)) continue;
      const hits = idx.scan(`it is ${encoded} then`);
      expect(hits.length, label).toBeGreaterThan(0);
      expect(hits.every((h) => h.secretName === 'SHORT')).toBe(true);
    }
  });

  it('in a stream cut at any point, a separated form under way is held back (openFrom) until it can be found', () => {
    const value = ['ghp', 'R4tW8yLb3NQ7f9Kx2mZpVlt0aBcDeFgHiJ'].join('_');
    const idx = new LeakIndex();
    idx.register('GITHUB_TOKEN', value);
    // Separated writing only: a decimal code cut short before the run's first code is complete (`1` of `103`)
    // is not held yet (char-codes.ts, a gap of its own).
    for (const [label, encoded] of transforms(value).filter(([l]) => /dashed|spaced|quoted/.test(l))) {
      const text = `The prose before it, at 10:30 on 2024-01-02: ${encoded} and after.`;
      const first = idx.scan(text)[0];
      expect(first, label).toBeDefined();
      if (!first) continue;
      for (let cut = first.start + 1; cut < first.end; cut++) {
        const prefix = text.slice(0, cut);
        expect(idx.openFrom(prefix), `${label} cut at ${cut}`).toBeLessThanOrEqual(first.start);
      }
    }
  });
});

/**
 * The hex gate as its rule reads: a stretch of hex digits and what the hex pass drops between them (separators,
 * `\\`, `x`) with `min` digits and a non-digit between two of them.
 */
function hexGateReference(text: string, min: number): boolean {
  return (text.match(/[0-9a-fA-F \t\n\v\f\r:,\\xX-]+/g) ?? []).some(
    (s) => s.replace(/[^0-9a-fA-F]/g, '').length >= min && /[0-9a-fA-F][^0-9a-fA-F]+[0-9a-fA-F]/.test(s),
  );
}

describe('a value as it is beside a rewritten copy', () => {
  it('the plain copy does not keep the separated, hex or wrapped copy from being found', () => {
    // The passes skip forms their key spells with nothing dropped (the plain scan finds those): a text holding
    // the value as it is and a rewritten copy must still yield every hit the copy yields alone, at its offset.
    const value = 'Zq8vR2mKx7LpW4nB9tYc';
    const idx = new LeakIndex();
    idx.register('PLAIN_AND_COPY', value);
    const hexed = Buffer.from(value).toString('hex');
    const copies: Array<[string, string]> = [
      ...transforms(value)
        .filter(([l]) => /dashed|spaced|quoted/.test(l))
        .map(([l, t]): [string, string] => [l, t]),
      ['hex in groups', (hexed.match(/.{1,4}/g) ?? []).join(' ')],
      [
        'base64 over lines',
        (
          Buffer.from(value)
            .toString('base64')
            .match(/.{1,8}/g) ?? []
        ).join('\n'),
      ],
      ['separated and plain in one region', `${value.slice(0, 10)} ${value.slice(10)}`],
    ];
    expect(copies.length).toBeGreaterThan(4);
    for (const [label, copy] of copies) {
      const alone = idx.scan(copy);
      expect(alone.length, label).toBeGreaterThan(0);
      for (const text of [`${value} then ${copy}`, `${copy} then ${value}`]) {
        const at = text.indexOf(copy);
        const hits = idx.scan(text).map((h) => `${h.start}:${h.end}`);
        for (const h of alone)
          expect(hits, `${label} in ${JSON.stringify(text)}`).toContain(`${h.start + at}:${h.end + at}`);
      }
    }
  });
});

describe('hex gate', () => {
  it('answers as its rule reads on hex-like text', () => {
    const alphabet = [...'aB3F0x\\ :-\n\r\tgz,é'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 90 }),
        fc.integer({ min: 2, max: 30 }),
        (chars, min) => {
          const text = chars.join('');
          expect(separatedHexStretch(text, min)).toBe(hexGateReference(text, min));
        },
      ),
      { numRuns: 3000 },
    );
    // Built from hex groups and escapes, each followed by a separator, so runs of them are frequent.
    const groups = ['\\x6a', '0x4F', '0X1', 'x41', 'ab', 'Cd12', 'eF3a9b0c', 'abcdefABCDEF', 'q', '7'];
    const separators = [', ', ',', ' ', '\t', '\n', ':', '-', '', '::', ' - '];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...groups), fc.constantFrom(...separators), fc.integer({ min: 1, max: 5 })), {
          maxLength: 6,
        }),
        fc.integer({ min: 2, max: 30 }),
        (parts, min) => {
          // Each part is a group repeated with its separator: `ab:ab:ab:`, `\\x6a, \\x6a, `.
          const text = parts.map(([g, sep, times]) => (g + sep).repeat(times)).join('');
          expect(separatedHexStretch(text, min)).toBe(hexGateReference(text, min));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('opens for hex in groups of any size, escaped and wrapped; not for a hash alone, or prose with dates and paths', () => {
    expect(separatedHexStretch('aa:bb:cc:dd:ee:ff', 12)).toBe(true);
    expect(separatedHexStretch('6162636465666768 6162636465666768', 24)).toBe(true);
    expect(separatedHexStretch('616263 646566 676869 6a6b6c', 24)).toBe(true);
    expect(separatedHexStretch('\\x61\\x62\\x63\\x64\\x65\\x66', 12)).toBe(true);
    expect(separatedHexStretch(`${'ab'.repeat(6)}\ncd`, 12)).toBe(true);
    // A trailing separator is not between two digits.
    expect(separatedHexStretch(`commit ${'0123456789abcdef'.repeat(2)} ok`, 24)).toBe(false);
    expect(separatedHexStretch(`commit ${'0123456789abcdef'.repeat(2)}, 1`, 24)).toBe(true);
    expect(
      separatedHexStretch('It is a way to go; we met at 10:30 on 2024-01-02 (see src/agent/x.ts) to talk. ', 12),
    ).toBe(false);
  });
});

describe('hex stretch: the least a hex hit needs', () => {
  it('hex of the shortest value is still found written in every way the hex pass reads', () => {
    const value = 'q7Xk2Z';
    const idx = new LeakIndex();
    idx.register('SHORT', value);
    const hex = Buffer.from(value).toString('hex');
    const pairs = hex.match(/../g) ?? [];
    for (const written of [
      pairs.join(':'),
      pairs.join(' ').toUpperCase(),
      pairs.map((p) => `\\x${p}`).join(''),
      pairs.map((p) => `0x${p}`).join(', '),
      // Three groups of four, and groups of six: any group size opens the pass.
      `${hex}${hex.slice(0, 4)}`.match(/.{1,4}/g)?.join(' ') ?? '',
      hex.match(/.{1,6}/g)?.join(' ') ?? '',
      hex.match(/.{1,16}/g)?.join(' ') ?? '',
    ]) {
      const hits = idx.scan(`dump: ${written} (end)`);
      expect(
        hits.some((h) => h.encoding === 'hex'),
        written,
      ).toBe(true);
    }
  });
});
