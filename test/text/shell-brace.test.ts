import { describe, expect, it } from 'vitest';
import { braceExpansions, MAX_BRACE_WORDS } from '../../src/text/shell-brace.js';

describe('brace expansion of one word, as bash does it', () => {
  it.each([
    ['.e{n,}v', ['.env', '.ev']],
    ['a{b,c{d,e}}f', ['abf', 'acdf', 'acef']],
    ['f{1..3}', ['f1', 'f2', 'f3']],
    ['{c..a}', ['c', 'b', 'a']],
    ['{0..10..5}', ['0', '5', '10']],
    ['{a,b}{1,2}', ['a1', 'a2', 'b1', 'b2']],
    ['plain', ['plain']],
    ['${HOME}', ['${HOME}']],
    ['{x}', ['{x}']],
    ['{unclosed,', ['{unclosed,']],
    ['{1..a}', ['{1..a}']],
  ])('%s → %j', (word, words) => {
    expect(braceExpansions(word)).toEqual(words);
  });

  it('stops at its bound, however many groups a hostile word holds', () => {
    const hostile = '{a,b}'.repeat(40);
    const out = braceExpansions(hostile);
    expect(out).toHaveLength(MAX_BRACE_WORDS);
    expect(out.truncated).toBe(true);
    expect(braceExpansions('{a,b}').truncated).toBeUndefined();
    expect(braceExpansions('{1..100000000}')).toHaveLength(MAX_BRACE_WORDS);
  });
});
