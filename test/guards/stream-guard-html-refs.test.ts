import { describe, expect, it } from 'vitest';
import { AN, tok } from '../support/tokens.js';
import { CTX, chunkBySizes, makeGuard } from './helpers.js';

/**
 * A secret written with HTML character references, streamed in small deltas: a reference cut by a delta
 * boundary (`&#x2` then `F;`) must not let the stream read the text differently from the whole-text guard.
 */
describe('stream guard with HTML character references', () => {
  const half1 = tok(AN, 18, 90);
  const half2 = tok(AN, 21, 91);
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['hex reference', `aws_secret_access_key = ${half1}&#x2F;${half2}`],
    ['decimal reference', `aws_secret_access_key = ${half1}&#47;${half2}`],
    ['URL password with &#64;', `postgres://app:${half1.slice(0, 6)}&#64;${half2.slice(0, 10)}@db.internal:5432/app`],
  ];
  for (const [name, secret] of cases)
    it(`${name}: streamed output equals the whole-text guard's, nothing of the secret released`, () => {
      const { guard } = makeGuard();
      const text = `Here is the config you asked for.\n${secret}\nThat is all.`;
      const whole = guard.scanText(text, CTX);
      if (!whole.ok) throw new Error(whole.error.message);
      expect(whole.value.text).not.toContain(half2.slice(0, 10));
      for (const sizes of [[1], [2, 1, 3], [5, 2], [7], [3, 4, 5, 6]]) {
        const f = guard.outputFilter(CTX);
        let out = '';
        for (const c of chunkBySizes(text, sizes)) out += f.push(c);
        out += f.flush();
        expect(out, String(sizes)).toBe(whole.value.text);
      }
    });
});
