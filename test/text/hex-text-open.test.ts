import { describe, expect, it } from 'vitest';
import { openHexTextTail, openHexTextTailUnskipped } from '../../src/text/hex-text.js';
import { seededText } from '../support/seeded-text.js';

/** The characters the hex reader cares about: digits, hex and other letters, separators. */
const HEX_ALPHABET = [
  '4',
  '1',
  'a',
  'F',
  '0',
  'x',
  'X',
  'g',
  'Z',
  'q',
  ' ',
  ':',
  '-',
  ',',
  '\n',
  '\\',
  '.',
  '0x',
  '\\x',
];
const text = (seed: number, length: number) => seededText(HEX_ALPHABET, seed, length);

const read = (view: ReturnType<typeof openHexTextTail>) =>
  view ? { text: view.text, spans: [...view.text].map((_, k) => view.toRaw(k, k + 1)) } : undefined;

describe('openHexTextTail', () => {
  it('reads the same open run as parsing the whole tail, for any text (property)', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const t = text(seed, 10 + (seed % 90));
      expect(read(openHexTextTail(t)), JSON.stringify(t)).toEqual(read(openHexTextTailUnskipped(t)));
      const hexEnd = `${t} 41 42 43`;
      expect(read(openHexTextTail(hexEnd)), JSON.stringify(hexEnd)).toEqual(read(openHexTextTailUnskipped(hexEnd)));
    }
  });

  it('finds an open run after words that end runs, and none glued to such a word', () => {
    expect(openHexTextTail('-----BEGIN PRIVATE KEY----- 48 65 6c 6c 6f')?.text).toBe('Hello');
    expect(openHexTextTail('see key:48656c6c6f')?.text).toBe('Hello');
    expect(openHexTextTail('word48656c6c6f')).toBeUndefined();
  });
});
