/**
 * The word walk reads the same words as the regex it replaces, whatever the script: letters and digits of any
 * script, combining marks inside a word (never starting one), astral letters and digits as surrogate pairs, lone
 * surrogates as no letter.
 */
import { describe, expect, it } from 'vitest';
import { forEachWord } from '../../src/text/word-spans.js';

const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

const byRegex = (text: string) => [...text.matchAll(WORD)].map((m) => [m.index, m.index + m[0].length]);
const byWalk = (text: string) => {
  const out: number[][] = [];
  forEachWord(text, (s, e) => out.push([s, e]));
  return out;
};

/** Pieces that make word boundaries hard: marks, digits of other scripts, astral letters, lone surrogates. */
const PIECES = [
  'a',
  'Z',
  '7',
  ' ',
  '-',
  '_',
  "'",
  '\u0301',
  '\u0308',
  'é',
  'ß',
  'İ',
  'Ж',
  'ω',
  '中',
  '가',
  '\uABAA',
  '٣',
  '१',
  '\u{1D400}',
  '\u{1F600}',
  '\u{10400}',
  '\u{1D7CE}',
  '\uD835',
  '\uDC00',
  '\u200D',
  '\u00A0',
  '\u2160',
  '.',
  '\n',
];

describe('word walk', () => {
  it('finds exactly the words of the regex (property over mixed scripts)', () => {
    let x = 7;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return (x >>> 16) % n;
    };
    let words = 0;
    for (let t = 0; t < 3000; t++) {
      let text = '';
      for (let k = rnd(24); k > 0; k--) text += PIECES[rnd(PIECES.length)];
      const want = byRegex(text);
      expect(byWalk(text), JSON.stringify(text)).toEqual(want);
      words += want.length;
    }
    expect(words).toBeGreaterThan(5000);
  });

  it('reads a megabyte-long word as one word', () => {
    const text = `x ${'\uABAA'.repeat(1 << 20)} y`;
    expect(byWalk(text)).toEqual([
      [0, 1],
      [2, 2 + (1 << 20)],
      [3 + (1 << 20), 4 + (1 << 20)],
    ]);
  });
});
