/**
 * The leak index skips a rewritten copy of the text (separated writing, hex with separators, wrapped base64) when a
 * matcher pass over the text's key finds no form there, and reads character codes, hex dumps, 32-bit words and
 * decoded runs in single walks (issue 14: hostile text of megabytes). A value hidden in such text must still be found,
 * with the same label, wherever in it it stands.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { hostileTexts } from '../../bench/hostile-text.js';

// Built at run time: a test value, not a credential.
const VALUE = ['tok', 'Qz8vK2mL9xP4rT7wY3nB6hJ1aW5e'].join('_');
const bytes = Buffer.from(VALUE);
const hex = bytes.toString('hex');

/** [label, the value written that way, the encoding its hit must carry]. */
const FORMS: Array<[string, string, string]> = [
  ['colon hex', (hex.match(/../g) ?? []).join(':'), 'hex'],
  ['byte escapes', (hex.match(/../g) ?? []).map((b) => `\\x${b}`).join(''), 'hex'],
  ['0x list', (hex.match(/../g) ?? []).map((b) => `0x${b}`).join(', '), 'hex'],
  ['wrapped base64', (bytes.toString('base64').match(/.{1,24}/g) ?? []).join('\n'), 'base64'],
  ['spaced', [...VALUE].join(' '), 'spaced'],
  ['decimal codes', [...bytes].join(', '), 'char-codes'],
  ['reversed in base64', Buffer.from([...VALUE].reverse().join('')).toString('base64'), 'decoded+reversed'],
];

describe('a value hidden in hostile text', () => {
  const leaks = new LeakIndex();
  for (let i = 0; i < 20; i++) leaks.register(`OTHER_${i}`, `tok_${randomBytes(24).toString('base64url')}`);
  leaks.register('K', VALUE);
  const noise = hostileTexts(64 * 1024);

  it('costs no hit when it is not there', () => {
    for (const [, text] of noise) expect(leaks.scan(text)).toEqual([]);
  });

  for (const [label, form, encoding] of FORMS)
    it(`is found written as ${label}, between lines of every hostile kind`, () => {
      for (const [kind, text] of noise) {
        const at = text.indexOf('\n', text.length / 2) + 1 || text.length / 2;
        const hits = leaks.scan(`${text.slice(0, at)}\n${form}\n${text.slice(at)}`).filter((h) => h.secretName === 'K');
        expect(
          hits.map((h) => h.encoding),
          `${label} in ${kind}`,
        ).toContain(encoding);
      }
    });
});
