/**
 * The reversible transforms a compromised model uses to get a vault value past a literal match: every one is
 * found by the leak index, redacted over its whole span, and no hit reaches further than `maxHitSpan()`.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { encodedForms, WINDOW } from '../../src/secrets/encodings.js';
import { transforms } from './transforms-fixture.js';
import { base32Decode, base32Encode, rot13 } from '../../src/text/reversible.js';
import { charCodeView } from '../../src/text/char-codes.js';
import { separatedView } from '../../src/text/separated.js';
import { scanMemoryText } from '../../src/memory/scan.js';

/** True when some 8-character window of `encoded` (or of the value) is still in `text`. */
function survives(encoded: string, text: string): boolean {
  for (let i = 0; i + 8 <= encoded.length; i++) if (text.includes(encoded.slice(i, i + 8))) return true;
  return false;
}

const VALUE = ['ghp', 'R4tW8yLb3NQ7f9Kx2mZpVlt0aBcDeFgHiJ'].join('_');

describe('leak index: reversible transforms', () => {
  const idx = new LeakIndex();
  idx.register('GITHUB_TOKEN', VALUE);

  it.each(transforms(VALUE))('%s: found, named, redacted over its whole span', (_label, encoded, parts) => {
    const text = `Sure: ${encoded} — anything else?`;
    const hits = idx.scan(text);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.secretName === 'GITHUB_TOKEN')).toBe(true);
    const out = idx.redact(text).text;
    expect(out).toContain('[REDACTED:GITHUB_TOKEN]');
    // The parts other than the prefix `ghp_` (shared by every GitHub token) do not survive.
    for (const part of parts ?? [encoded]) expect(survives(part.replace(/^ghp_|^GHP_/, ''), out), part).toBe(false);
    for (const h of hits) expect(h.end - h.start).toBeLessThanOrEqual(idx.maxHitSpan());
  });

  it('labels the way the value was written', () => {
    const label = (t: string) => idx.scan(t).map((h) => h.encoding);
    expect(label(VALUE.toUpperCase())).toEqual(['case-folded']);
    expect(label([...VALUE].reverse().join(''))).toEqual(['reversed']);
    expect(label(rot13(VALUE))).toEqual(['rot13']);
    expect(label([...VALUE].join(' '))).toEqual(['spaced']);
    expect(label([...VALUE].reverse().join('-'))).toEqual(['reversed+spaced']);
    expect(label([...rot13(VALUE)].reverse().join(''))).toEqual(['reversed+rot13']);
    expect(label(rot13(VALUE.replace('_', '')))).toEqual(['rot13+spaced']);
    expect(label(VALUE.slice(0, 20))).toEqual(['partial']);
    expect(label([...VALUE].map((c) => c.charCodeAt(0)).join(', '))).toEqual(['char-codes']);
  });

  it('the windows of one value found in one place are one hit, and none inside the whole value', () => {
    expect(idx.scan(`x ${VALUE} y`)).toEqual([
      { start: 2, end: 2 + VALUE.length, secretName: 'GITHUB_TOKEN', encoding: 'raw' },
    ]);
    const piece = VALUE.slice(3, 3 + 20);
    expect(idx.scan(`x ${piece} y`)).toEqual([{ start: 2, end: 22, secretName: 'GITHUB_TOKEN', encoding: 'partial' }]);
  });

  it('a piece shorter than a window is not a hit; a low-entropy value has no windows', () => {
    expect(idx.scan(`x ${VALUE.slice(5, 5 + WINDOW - 1)} y`)).toEqual([]);
    const low = new LeakIndex();
    low.register('PIN', 'aaaaaaaabbbbbbbbaaaaaaaa');
    expect(encodedForms('aaaaaaaabbbbbbbbaaaaaaaa').some((f) => f.encoding === 'partial')).toBe(false);
    expect(low.scan('aaaaaaaabbbbbbbb')).toEqual([]);
  });

  it('the vendor prefix alone is no window: another key of the same vendor is not this secret', () => {
    const a = new LeakIndex();
    a.register('ANTHROPIC_API_KEY', `sk-ant-api03-${randomBytes(30).toString('base64url')}`);
    const other = `sk-ant-api03-${randomBytes(30).toString('base64url')}`;
    expect(a.scan(`docs: keys start with sk-ant-api03- like ${other}`)).toEqual([]);
  });

  it('letters outside ASCII keep their case: a value with `Ḗ` is found as written (the matcher folds ASCII only)', () => {
    const i = new LeakIndex();
    const value = 'Ḗ"\u0000"\u0000"\u0000 "';
    i.register('S', value);
    expect(i.scan(`x ${value} y`).map((h) => h.encoding)).toContain('raw');
    expect(i.scan(JSON.stringify({ msg: value })).map((h) => h.encoding)).toContain('json');
  });

  it('prose, logs and code are not hits', () => {
    const text = [
      'It is a way to go to the top of the hill, is it ok to do so? We met at 10:30 on 2024-01-02.',
      '{"level":30,"time":1700000000123,"msg":"GET /api/v1/orders?page=2 in 35 ms","traceId":"4bf92f3577b34da6"}',
      'const xs = [1, 2, 3, 4, 5, 6, 7, 8]; const ip = "192.168.100.200"; // src/agent/gates/model-call.ts',
      'a b c d e f g h i j k l m n o p q r s t u v w x y z, A-B-C-D, 0x1f 0x20 0x7e',
    ].join('\n');
    expect(idx.scan(text)).toEqual([]);
  });

  it('no hit reaches further than maxHitSpan, for any value and any transform', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 8, maxLength: 48 }), (value) => {
        const i = new LeakIndex();
        if (!i.register('K', value)) return;
        for (const [, encoded] of transforms(value)) {
          for (const h of i.scan(`<${encoded}>`)) expect(h.end - h.start).toBeLessThanOrEqual(i.maxHitSpan());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('maxHitSpan is 0 while empty and grows with the longest value', () => {
    const i = new LeakIndex();
    expect(i.maxHitSpan()).toBe(0);
    i.register('A', 'short-value-1');
    const small = i.maxHitSpan();
    i.register('B', randomBytes(60).toString('base64'));
    expect(i.maxHitSpan()).toBeGreaterThan(small);
  });
});

describe('decoded views', () => {
  it('character codes: decimal lists, entities, escapes and 0x codes decode; dates, times and IPs do not', () => {
    const word = 'secret';
    const codes = [...word].map((c) => c.charCodeAt(0));
    for (const t of [
      codes.join(', '),
      codes.join(' '),
      codes.map((c) => `&#${c};`).join(''),
      codes.map((c) => `&#x${c.toString(16)};`).join(''),
      codes.map((c) => `\\x${c.toString(16)}`).join(''),
      codes.map((c) => `U+${c.toString(16).padStart(4, '0')}`).join(' '),
      codes.map((c) => `%${c.toString(16).toUpperCase()}`).join(''),
      codes.map((c) => `%u${c.toString(16).padStart(4, '0')}`).join(''),
    ]) {
      expect(charCodeView(`[${t}]`)?.text, t).toBe(`${word}\u0000`);
    }
    for (const t of [
      '2024-01-02 10:20:30',
      '192.168.100.200',
      'v1.2.3.4.5.6',
      '1, 2, 3, 4, 5, 6, 7',
      'x123, 456',
      // Ordinary URL encoding: reserved characters between words, never six codes in a row.
      'https://example.org/search?q=caf%C3%A9%20au%20lait&x=a%2Fb%3Dc',
      '100% of 50%, 20%',
    ]) {
      expect(charCodeView(t), t).toBeUndefined();
    }
  });

  it('percent codes are read from the first one in the layouts other codes have (a quoted array, one per line)', () => {
    // Hex letters in the first codes: the walk must start at the first code, not at a later hint.
    const word = 'JkZoNmzL';
    const codes = [...word].map((c) => `%${c.charCodeAt(0).toString(16)}`);
    for (const t of [`chars = ['${codes.join("', '")}']`, `codes:\n${codes.map((c) => `      ${c}`).join('\n')}`])
      expect(charCodeView(t)?.text, t).toBe(`${word}\u0000`);
  });

  it('separated writing: spelled-out, dashed and grouped values are joined; prose is not', () => {
    // A symbol is kept in a group: a value may hold it.
    expect(separatedView('key = s k - a n t - 9 x end')?.text).toBe('=skant9x\u0000');
    expect(separatedView('AbCd-EfGh-IjKl-MnOp')?.text).toBe('AbCdEfGhIjKlMnOp\u0000');
    expect(separatedView('AbCd EfGh IjKl MnOp')?.text).toBe('AbCdEfGhIjKlMnOp\u0000');
    expect(separatedView('It is a way to go to the top of the hill and some more words')).toBeUndefined();
  });

  it('base32 round-trips and refuses what is not base32', () => {
    const b = randomBytes(23);
    expect(base32Decode(base32Encode(b))?.equals(b)).toBe(true);
    expect(base32Decode(base32Encode(b).toLowerCase())?.equals(b)).toBe(true);
    expect(base32Decode('not base32!')).toBeUndefined();
  });
});

describe('L15 consults the same index and encodings', () => {
  const idx = new LeakIndex();
  idx.register('GITHUB_TOKEN', VALUE);
  it.each(transforms(VALUE))('a memory write carrying the value %s is refused', (_label, encoded) => {
    const r = scanMemoryText(`remember this for later: ${encoded}`, {
      leakScanner: idx,
      config: { maxEntryChars: 8000, downgradeAt: 0.64, quarantineAt: 0.8 },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ layer: 'L15', code: 'memory.secret_value' });
  });
});
