/** The generalized suffix automaton: followed from its start, it spells exactly the substrings of what was added. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubstringAutomaton } from '../../src/text/substring-automaton.js';

/** Whether the automaton reads `s` from its start without falling off. */
function reads(a: SubstringAutomaton, s: string): boolean {
  let state = SubstringAutomaton.START;
  for (let i = 0; i < s.length && state >= 0; i++) state = a.step(state, s.charCodeAt(i));
  return state >= 0;
}

describe('SubstringAutomaton', () => {
  it('reads a string exactly when it is a substring of one of the strings added (property)', () => {
    const small = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 30 });
    fc.assert(
      fc.property(
        fc.array(small, { minLength: 1, maxLength: 5 }),
        fc.array(small, { maxLength: 30 }),
        (added, asked) => {
          const a = new SubstringAutomaton();
          for (const s of added) a.add(s);
          // Every substring of what was added, and strings that may or may not be one.
          const probes = [...asked, ...added.flatMap((s) => [s, s.slice(1, -1), s.slice(2)])];
          for (const p of probes) expect(reads(a, p), p).toBe(added.some((s) => s.includes(p)));
        },
      ),
      { seed: 1414, numRuns: 500 },
    );
  });

  it('a string that spans two added strings is no substring', () => {
    const a = new SubstringAutomaton();
    a.add('abcdef');
    a.add('uvwxyz');
    expect(reads(a, 'cdef')).toBe(true);
    expect(reads(a, 'efuv')).toBe(false);
    expect(reads(a, 'xyzab')).toBe(false);
  });
});
