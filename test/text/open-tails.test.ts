import { describe, expect, it } from 'vitest';
import { codeWalkStart, openCharCodeTail } from '../../src/text/char-codes.js';
import { openSpelledTail, openTailStart } from '../../src/text/spelled.js';
import { hostile } from '../guards/hostile-inputs.js';
import { seededText as text } from '../support/seeded-text.js';

/** Code tokens, their prefixes cut short, hex and other letters, gaps. */
const CODES = [
  '115',
  '7',
  '0x',
  '\\u',
  '\\x',
  '&#',
  'x',
  ';',
  'U+',
  'u',
  'a',
  'F',
  'g',
  'Z',
  ' ',
  ', ',
  '\n  ',
  '0',
  '#',
  '\\',
];
/** Single letters, words, separators (runs of them), what ends a region. */
const SPELLED = ['a', 'B', '7', 'you', ' ', '-', ':', '  ', '.', '\n', '=', '|', 'are'];

const read = (view: ReturnType<typeof openCharCodeTail>) =>
  view ? { text: view.text, spans: [...view.text].map((_, k) => view.toRaw(k, k + 1)) } : undefined;

describe('open tails read from where the walk starts afresh', () => {
  it('the open run of character codes is the one a walk from the start finds (property)', () => {
    for (let seed = 1; seed <= 4000; seed++) {
      const t = text(CODES, seed, 5 + (seed % 120));
      expect(read(openCharCodeTail(t)), JSON.stringify(t)).toEqual(read(openCharCodeTail(t, 0)));
    }
  });

  it('the open spelled region is the one a walk from the start finds (property)', () => {
    for (let seed = 1; seed <= 4000; seed++) {
      const t = text(SPELLED, seed, 5 + (seed % 120));
      expect(read(openSpelledTail(t)), JSON.stringify(t)).toEqual(read(openSpelledTail(t, 0)));
    }
  });

  it('still finds a run or a region that reaches back over the text', () => {
    const codes = '115, 107, 45, 97, 110, 116, 45';
    expect(openCharCodeTail(`said: ${codes}`)?.text).toBe('sk-ant'); // the last code may still grow
    expect(openCharCodeTail(`\\u0073\\u006b\\u002d\\u0061`)?.text).toBe('sk-');
    expect(openSpelledTail('words then Y o u  a r e  t h')?.text).toBe('Youareth');
    expect(openSpelledTail('Y-o-u-a-r-e-t-h-e')?.text).toBe('Youarethe');
  });

  // Text made only of words and separators (or of letters no code holds) has nothing that no walk reads: walking
  // back to such a character read all of a stream's held text at every scan.
  it('starts near the end of hostile text, not at its start', () => {
    for (const unit of ['Authorization: Bearer ', 'x-api-key: ', '-----BEGIN PRIVATE KEY-----', 'token: ']) {
      const t = hostile(unit, 64 * 1024);
      expect(openTailStart(t), unit).toBeGreaterThan(t.length - 2 * unit.length);
      expect(codeWalkStart(t), unit).toBeGreaterThan(t.length - 2 * unit.length - 16);
    }
    const cli = hostile(' -u a:', 64 * 1024);
    expect(codeWalkStart(cli)).toBeGreaterThan(cli.length - 32);
    expect(codeWalkStart(hostile('115, ', 4096))).toBe(0);
  });
});
