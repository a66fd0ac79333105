/**
 * L21's after-the-call token estimate: by kind of text, close to what byte-pair tokenizers produce without going
 * above it, and independent of how a stream cut the text.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateTextTokens, TokenEstimator } from '../../src/agent/budget/token-estimate.js';
import { requestTokens } from '../../src/agent/budget/estimate.js';

const PROSE =
  'The shipment left the warehouse on Tuesday and should arrive before the end of the week. Stock levels for ' +
  'the blue widgets are low; consider reordering from the usual supplier. The quarterly report lists 42 open ' +
  'orders, 7 returns and 3 pending invoices for review.';

describe('estimateTextTokens', () => {
  it('English prose: about one token per word, between 4 and 5.5 characters per token', () => {
    const words = PROSE.split(/\s+/).length;
    const n = estimateTextTokens(PROSE);
    expect(n).toBeGreaterThanOrEqual(words);
    expect(PROSE.length / n).toBeGreaterThan(4);
    expect(PROSE.length / n).toBeLessThan(5.5);
  });

  it('base64 and hex of random bytes: about 3 characters per token, not 4', () => {
    const b64 = randomBytes(3000).toString('base64');
    const hex = randomBytes(2000).toString('hex');
    expect(estimateTextTokens(b64)).toBeGreaterThanOrEqual(Math.floor(b64.length / 3.2));
    expect(estimateTextTokens(hex)).toBeGreaterThanOrEqual(Math.floor(hex.length / 3.2));
  });

  it('CJK at 0.6 per character, Cyrillic at 3 characters per token', () => {
    const ja = 'これは日本語の文章です。東京の天気は晴れです。'.repeat(10);
    expect(estimateTextTokens(ja)).toBeGreaterThanOrEqual(Math.floor([...ja].length * 0.55));
    const ru = 'Поставка покинула склад во вторник и прибудет до конца недели. '.repeat(10);
    const letters = (ru.match(/\p{L}/gu) ?? []).length;
    expect(estimateTextTokens(ru)).toBeGreaterThanOrEqual(Math.floor(letters / 3));
  });

  it('whitespace and repeated characters count little (indentation, rules, padding)', () => {
    expect(estimateTextTokens(' '.repeat(4000))).toBe(0);
    expect(estimateTextTokens('='.repeat(800))).toBeLessThanOrEqual(101);
    expect(estimateTextTokens(`if (x) {\n${' '.repeat(16)}return y;\n}`)).toBeLessThanOrEqual(10);
  });

  it('does not depend on where a stream cut the text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 8 }),
        (text, cuts) => {
          const e = new TokenEstimator();
          let at = 0;
          for (const c of [...cuts].sort((a, b) => a - b)) {
            e.push(text.slice(at, Math.max(at, c)));
            at = Math.max(at, c);
          }
          e.push(text.slice(at));
          expect(e.tokens()).toBe(estimateTextTokens(text));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('requestTokens', () => {
  it('counts the content, not the wire framing: the same words in more messages cost about the same', () => {
    const tools: never[] = [];
    const one = requestTokens({ system: 'sys', messages: [{ role: 'user', content: PROSE }], tools });
    const parts = PROSE.split('. ');
    const many = requestTokens({
      system: 'sys',
      messages: parts.map((p) => ({ role: 'user' as const, content: p })),
      tools,
    });
    expect(Math.abs(many - one)).toBeLessThanOrEqual(parts.length);
  });
});
