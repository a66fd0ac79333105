/**
 * The shortcuts that keep the leak index fast on prose lose nothing: separated writing is only copied where a
 * region keeps as many letters and digits as the shortest character form (every transform is still found when
 * it is exactly that long, and in a stream cut anywhere), and the hex gate's run-at-a-time walk answers as a
 * per-character reading of the same rules does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeakIndex, hexPassApplies, hexStretchAtLeast } from '../../src/secrets/leak-index.js';
import { separatedView } from '../../src/text/separated.js';
import { transforms } from './leak-transforms.test.js';

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
    expect(separatedView(text, 17)?.text ?? '').not.toContain('AbCdEfGhIjKlMnOp');
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

/** The hex gate as the rules read one character at a time (the form it had before its runs were read whole). */
function hexGateReference(text: string): boolean {
  const kindOf = (c: number) =>
    c >= 0x30 && c <= 0x39 ? 1 : c >= 0x61 && c <= 0x66 ? 2 : c >= 0x41 && c <= 0x46 ? 3 : 0;
  let run = 0;
  let lower = false;
  let upper = false;
  let size = 0;
  let groups = 0;
  let escapes = false;
  let wrapped = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    const kind = kindOf(c);
    if (kind !== 0) {
      if (wrapped && run === 0) return true;
      run += 1;
      lower ||= kind === 2;
      upper ||= kind === 3;
      if (run >= 12 && lower && upper) return true;
      continue;
    }
    if ((c | 0x20) === 0x78 && !escapes) {
      const p = text.charCodeAt(i - 1);
      escapes = p === 0x5c || p === 0x30;
    }
    if (run === 2 || run === 4 || run === 8) {
      if (run === size && groups >= 3) return true;
      const separator = [0x3a, 0x2d, 0x2c, 0x20, 0x09, 0x0a, 0x0d].includes(c);
      groups = separator ? (run === size ? groups + 1 : 1) : 0;
      size = run;
    } else if (run > 0 || ![0x3a, 0x2d, 0x2c, 0x20].includes(c)) {
      groups = 0;
    }
    wrapped = (c === 0x0a || c === 0x0d) && (run >= 12 || (wrapped && run === 0));
    run = 0;
    lower = false;
    upper = false;
  }
  return escapes && fourEscapesReference(text);
}

/** Four byte escapes (`\\x61`, or `0x61` not glued to a word) in a row, joined by nothing, `,`, ` `, `, ` or a tab. */
function fourEscapesReference(text: string): boolean {
  const hex = (c: string | undefined) => c !== undefined && '0123456789abcdefABCDEF'.includes(c);
  const word = (c: string | undefined) => c !== undefined && /[0-9A-Za-z]/.test(c);
  const escapeAt = (i: number) =>
    (text[i] === '\\' || (text[i] === '0' && !word(text[i - 1]))) &&
    (text[i + 1] === 'x' || text[i + 1] === 'X') &&
    hex(text[i + 2]) &&
    hex(text[i + 3]);
  for (let start = 0; start < text.length; start++) {
    let i = start;
    let count = 0;
    while (escapeAt(i)) {
      count++;
      if (count === 4) return true;
      i += 4;
      const gap = ['', ',', ' ', ', ', '\t'].filter((g) => text.startsWith(g, i) && escapeAt(i + g.length));
      if (gap.length === 0) break;
      i += (gap[0] as string).length;
    }
  }
  return false;
}

describe('hex gate', () => {
  it('answers as the per-character reading of its rules on hex-like text', () => {
    const alphabet = [...'aB3F0x\\ :-\n\r\tgz,'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 90 }), (chars) => {
        const text = chars.join('');
        expect(hexPassApplies(text)).toBe(hexGateReference(text));
      }),
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
        (parts) => {
          // Each part is a group repeated with its separator: `ab:ab:ab:`, `\\x6a, \\x6a, `.
          const text = parts.map(([g, sep, times]) => (g + sep).repeat(times)).join('');
          expect(hexPassApplies(text)).toBe(hexGateReference(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('opens for grouped, escaped, wrapped and mixed-case hex; not for prose with dates, times and paths', () => {
    expect(hexPassApplies('aa:bb:cc:dd')).toBe(true);
    expect(hexPassApplies('6162 6364 6566 6768')).toBe(true);
    expect(hexPassApplies('\\x61\\x62\\x63\\x64')).toBe(true);
    expect(hexPassApplies(`${'ab'.repeat(6)}\ncd`)).toBe(true);
    expect(hexPassApplies('aBcDeF012345')).toBe(true);
    expect(hexPassApplies('It is a way to go; we met at 10:30 on 2024-01-02 (see src/agent/x.ts) to talk. ')).toBe(
      false,
    );
  });
});

describe('hex stretch: the least a hex hit needs', () => {
  it('is true exactly when, separators and byte prefixes dropped, that many hex digits stand together', () => {
    const chars = [...'aF09 :,-\\xX\n\tgZ.é\u00a0'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chars), { maxLength: 60 }),
        fc.integer({ min: 1, max: 16 }),
        (cs, min) => {
          const text = cs.join('');
          const reference = new RegExp(`[0-9a-fA-F]{${min}}`).test(text.replace(/[ \t\n\v\f\r:,\\xX-]/g, ''));
          expect(hexStretchAtLeast(text, min)).toBe(reference);
        },
      ),
      { numRuns: 3000 },
    );
  });

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
      // (Three groups of four are below the gate's four groups: not found before these shortcuts either.)
      `${hex}${hex.slice(0, 4)}`.match(/.{1,4}/g)?.join(' ') ?? '',
    ]) {
      const hits = idx.scan(`dump: ${written} (end)`);
      expect(
        hits.some((h) => h.encoding === 'hex'),
        written,
      ).toBe(true);
    }
  });
});
