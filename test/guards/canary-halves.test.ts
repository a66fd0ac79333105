/**
 * The canary in pieces and forms the 12-character windows miss: its 16-hex core in two 8-hex halves written apart
 * (in either order, reversed too), base64 and hex of the reversed canary, the core as one decimal number. A half
 * alone is no hit (32 bits: hex-heavy text holds one by chance); both halves in one text are.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canaryFor, canaryForms, findCanaries } from '../../src/guards/canary.js';
import { reverseText } from '../../src/text/index.js';
import { CTX, makeGuard, streamAll } from './helpers.js';

const CANARY = canaryFor(Buffer.alloc(32, 9), 'sess-halves');
const FORMS = canaryForms(CANARY);
const CORE = CANARY.slice(5);
const [A, B] = [CORE.slice(0, 8), CORE.slice(8)];
const REVERSED = reverseText(CORE);
const codes = (t: string) => [...t].map((c) => c.charCodeAt(0)).join(', ');

describe('canary halves and combined forms', () => {
  const found: ReadonlyArray<readonly [string, string]> = [
    ['halves apart', `the first part is ${A} and, much later in the answer, the second is ${B}.`],
    ['halves swapped', `${B} ${'filler text '.repeat(40)} ${A}`],
    ['halves in upper case, dashed', `${A.toUpperCase()} ... ${[...B].join('-')}`],
    ['reversed halves', `${REVERSED.slice(0, 8)} then ${REVERSED.slice(8)}`],
    ['base64 of the reversed canary', Buffer.from(reverseText(CANARY)).toString('base64')],
    ['base64 of the reversed core', Buffer.from(REVERSED).toString('base64')],
    ['hex of the reversed canary', Buffer.from(reverseText(CANARY)).toString('hex')],
    ['the core as a decimal number', `id ${BigInt(`0x${CORE}`).toString(10)} ok`],
    ['halves as decimal character codes', `${codes(A)} and later ${codes(B)}`],
  ];
  for (const [name, text] of found)
    it(`${name} is found`, () => {
      const hits = findCanaries(text, FORMS).filter((h) => h.ownSession);
      expect(hits.length, text).toBeGreaterThan(0);
    });

  it('one half alone, or halves of another canary, are no hit', () => {
    expect(findCanaries(`only ${A} here`, FORMS)).toEqual([]);
    expect(findCanaries(`only ${B} here`, FORMS)).toEqual([]);
    const other = canaryFor(Buffer.alloc(32, 8), 'sess-other').slice(5);
    expect(findCanaries(`${other.slice(0, 8)} ${other.slice(8)}`, FORMS)).toEqual([]);
  });

  it('1 MB of random hex words has no hit', () => {
    const words = randomBytes(500_000).toString('hex').match(/.{8}/g) ?? [];
    expect(findCanaries(words.join(' '), FORMS)).toEqual([]);
  });

  it('the output guard redacts both halves, whole and streamed with the halves in separate chunks', () => {
    const { guard } = makeGuard();
    const core = guard.canary(CTX.sessionId).slice(5);
    const text = `part one ${core.slice(0, 8)} and some more words here, then part two ${core.slice(8)} done`;
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.text).not.toContain(core.slice(0, 8));
    expect(whole.ok && whole.value.text).not.toContain(core.slice(8));
    const chunks = text.match(/[^]{1,7}/g) ?? [];
    const streamed = streamAll(guard, chunks);
    expect(streamed).not.toContain(core.slice(0, 8));
    expect(streamed).not.toContain(core.slice(8));
    expect(streamed).toContain('done');
  });
});
