import { describe, expect, it } from 'vitest';
import { CTX, makeGuard } from './helpers.js';

/**
 * A streamed answer written as character codes of a known value, cut at every position: what goes out before the
 * cut is always a prefix of what the whole-text guard makes of the complete answer. The whole-text guard redacts
 * the run from its first code, so no digit (nor the `&` or `\` that opens a code) of a run that may still become a
 * match may go out, even while that first code is all that has arrived.
 */
/** Values built at run time (not real keys): one whose codes have three digits, one with two-digit codes first. */
const VALUES = [['vlt', 'Q7f9', 'Kx2mZp', 'R4tW8yLb3N'].join('-'), ['Q7f9', 'Kx2mZpR4', 'tW8yLb3N'].join('')];

const codes = (v: string, write: (code: number) => string, sep: string) =>
  [...v].map((c) => write(c.charCodeAt(0))).join(sep);

const FORMS: ReadonlyArray<readonly [string, (v: string) => string]> = [
  ['decimal, comma', (v) => codes(v, String, ', ')],
  ['decimal, bracketed', (v) => `[${codes(v, String, ',')}]`],
  ['hex with 0x', (v) => codes(v, (c) => `0x${c.toString(16)}`, ', ')],
  ['\\x escapes', (v) => codes(v, (c) => `\\x${c.toString(16)}`, '')],
  ['HTML entities', (v) => codes(v, (c) => `&#${c};`, '')],
  ['hex HTML entities', (v) => codes(v, (c) => `&#x${c.toString(16)};`, ' ')],
  ['U+ code points', (v) => codes(v, (c) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`, ' ')],
];
const LEADS = ['The codes are: ', ''];

describe('stream guard: an answer of character codes cut at every position', () => {
  for (const [name, form] of FORMS)
    it(`${name}: nothing of the run goes out before the codes after its first one have arrived`, () => {
      let clock = 0;
      const { guard, leaks } = makeGuard({ stream: { latencyMs: 1, now: () => (clock += 5) } });
      for (const [i, v] of VALUES.entries()) {
        leaks.register(`V${i}`, v);
        for (const lead of LEADS) {
          const text = `${lead}${form(v)} and done.`;
          const whole = guard.scanText(text, CTX);
          if (!whole.ok) throw new Error(whole.error.message);
          // Not vacuous: the whole-text guard redacts the run.
          expect(whole.value.text).not.toContain(form(v).slice(0, 12));
          for (let cut = 1; cut < text.length; cut++) {
            const f = guard.outputFilter(CTX);
            const early = f.push(text.slice(0, cut));
            expect(
              whole.value.text.startsWith(early),
              `${JSON.stringify(text.slice(0, cut))} released ${JSON.stringify(early)}`,
            ).toBe(true);
            expect(early + f.push(text.slice(cut)) + f.flush()).toBe(whole.value.text);
          }
        }
      }
    });
});
