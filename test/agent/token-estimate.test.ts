/**
 * L21's after-the-call token estimate: by kind of text, close to what byte-pair tokenizers produce without going
 * above it (checked against the real cl100k and o200k tokenizers, js-tiktoken; the eval suite token-estimate
 * measures whole corpora), and independent of how a stream cut the text.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { getEncoding } from 'js-tiktoken';
import { describe, expect, it } from 'vitest';
import { estimateTextTokens, TokenEstimator } from '../../src/agent/budget/token-estimate.js';
import { requestTokens } from '../../src/agent/budget/estimate.js';

const PROSE =
  'The shipment left the warehouse on Tuesday and should arrive before the end of the week. Stock levels for ' +
  'the blue widgets are low; consider reordering from the usual supplier. The quarterly report lists 42 open ' +
  'orders, 7 returns and 3 pending invoices for review.';

const cl100k = getEncoding('cl100k_base');
const o200k = getEncoding('o200k_base');
/** What the more frugal of two real tokenizers counts (the estimate must not be above it). */
const fewerTokens = (text: string) => Math.min(cl100k.encode(text).length, o200k.encode(text).length);

describe('estimateTextTokens', () => {
  it('English prose: about one token per word, between 4 and 5.5 characters per token', () => {
    const words = PROSE.split(/\s+/).length;
    const n = estimateTextTokens(PROSE);
    expect(n).toBeGreaterThanOrEqual(words);
    expect(PROSE.length / n).toBeGreaterThan(4);
    expect(PROSE.length / n).toBeLessThan(5.5);
    expect(n).toBeLessThanOrEqual(fewerTokens(PROSE));
  });

  it('base64 and hex of random bytes: between half and all of what the tokenizers count', () => {
    for (const text of [randomBytes(3000).toString('base64'), randomBytes(2000).toString('hex')]) {
      const real = fewerTokens(text);
      expect(estimateTextTokens(text)).toBeGreaterThanOrEqual(real * 0.5);
      expect(estimateTextTokens(text)).toBeLessThanOrEqual(real);
    }
  });

  it('other scripts: never more than the fewer of cl100k and o200k count (o200k reads them in long pieces)', () => {
    for (const text of [
      'これは日本語の文章です。東京の天気は晴れです。'.repeat(10),
      'Поставка покинула склад во вторник и прибудет до конца недели. '.repeat(10),
      'Η αποστολή έφυγε από την αποθήκη την Τρίτη και θα φτάσει πριν από το τέλος της εβδομάδας. '.repeat(5),
      'غادرت الشحنة المستودع يوم الثلاثاء وستصل قبل نهاية الأسبوع. '.repeat(5),
    ]) {
      const real = fewerTokens(text);
      expect(estimateTextTokens(text)).toBeLessThanOrEqual(real);
      expect(estimateTextTokens(text)).toBeGreaterThanOrEqual(real * 0.4);
    }
  });

  it('whitespace, blank lines and repeated characters count as little as the tokenizers make of them', () => {
    expect(estimateTextTokens(' '.repeat(4000))).toBe(0);
    for (const text of ['='.repeat(800), '-'.repeat(80), '.'.repeat(200), '\n'.repeat(40), `a\n\n\n\n\nb`]) {
      expect(estimateTextTokens(text)).toBeLessThanOrEqual(Math.max(2, Math.ceil(fewerTokens(text) * 1.1)));
    }
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
