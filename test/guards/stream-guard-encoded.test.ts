import { describe, expect, it } from 'vitest';
import { base32Encode, reverseText, rot13 } from '../../src/text/reversible.js';
import { CTX, VAULT_VALUE, chunkBySizes, makeGuard } from './helpers.js';

/**
 * The leak index's encoded forms streamed in many small deltas: the stream must never release the first
 * characters of a form before its last one has arrived (the whole-text guard redacts the form whole), and it
 * must still release the prose before the form at once (the hold-back is what a form could span, no more).
 */
const bytes = Buffer.from(VAULT_VALUE, 'utf8');
const FORMS: ReadonlyArray<readonly [string, string]> = [
  ['reversed', reverseText(VAULT_VALUE)],
  ['rot13', rot13(VAULT_VALUE)],
  ['base32', base32Encode(bytes)],
  ['base32, lower case', base32Encode(bytes).toLowerCase()],
  ['spaced letters', [...VAULT_VALUE.replace(/-/g, '')].join(' ')],
  ['groups of four', (VAULT_VALUE.replace(/-/g, '').match(/.{1,4}/g) ?? []).join(' ')],
  ['character codes', [...VAULT_VALUE].map((c) => c.charCodeAt(0)).join(', ')],
  ['HTML entities', [...VAULT_VALUE].map((c) => `&#${c.charCodeAt(0)};`).join(' ')],
  ['hex in pairs', [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')],
  [
    'hex in little-endian words (od -x)',
    (bytes.toString('hex').match(/..../g) ?? []).map((w) => w.slice(2) + w.slice(0, 2)).join(' '),
  ],
  [
    'hex in little-endian 32-bit words (od -X, the last word zero-padded)',
    (
      Buffer.concat([bytes, Buffer.alloc(3)])
        .toString('hex')
        .match(/.{8}/g) ?? []
    )
      .map((w) => (w.match(/../g) ?? []).reverse().join(''))
      .join(' '),
  ],
  ['hex groups split by ", "', (bytes.toString('hex').match(/..../g) ?? []).join(', ')],
];

/** The session canary's forms (canary.ts), built from the canary the guard derives for the session. */
const CANARY_FORMS: ReadonlyArray<readonly [string, (canary: string) => string]> = [
  ['reversed', (c) => reverseText(c)],
  ['base32', (c) => base32Encode(Buffer.from(c, 'utf8'))],
  ['spaced', (c) => [...c].join(' ')],
  ['character codes', (c) => [...c].map((ch) => ch.charCodeAt(0)).join(', ')],
];

const LEAD = 'Sure, here is what the configuration holds for the payment account right now: ';
const TAIL = ' and that is all there is to it.';

function streamsLikeWhole(form: (guard: ReturnType<typeof makeGuard>['guard']) => string): void {
  // Every push is scanned: each reading of the clock moves it on, as when tokens arrive slower than a scan takes.
  let clock = 0;
  const { guard } = makeGuard({ stream: { latencyMs: 1, now: () => (clock += 5) } });
  expectHeldUntilComplete(guard, form(guard));
}

describe('stream guard with the encoded forms of a known value', () => {
  for (const [name, form] of FORMS)
    it(`${name}: no part of the form goes out before its end arrives, identical to the whole-text guard`, () =>
      streamsLikeWhole(() => form));
});

describe('stream guard with the encoded forms of the session canary', () => {
  for (const [name, form] of CANARY_FORMS)
    it(`${name}: no part of the form goes out before its end arrives, identical to the whole-text guard`, () =>
      streamsLikeWhole((guard) => form(guard.canary(CTX.sessionId))));
});

function expectHeldUntilComplete(guard: ReturnType<typeof makeGuard>['guard'], form: string): void {
  const text = LEAD + form + TAIL;
  const whole = guard.scanText(text, CTX);
  if (!whole.ok) throw new Error(whole.error.message);
  // Not vacuous: the whole-text guard finds the form.
  expect(whole.value.text).not.toContain(form);
  const formStart = LEAD.length;
  const formEnd = formStart + form.length;
  for (const sizes of [[1], [2, 1, 3], [5, 2], [7]]) {
    const f = guard.outputFilter(CTX);
    let out = '';
    let pushed = 0;
    let releasedBeforeForm = 0;
    for (const c of chunkBySizes(text, sizes)) {
      out += f.push(c);
      pushed += c.length;
      if (pushed <= formStart) releasedBeforeForm = out.length;
      if (pushed < formEnd) {
        // Until the form is complete, what went out is plain text from before it.
        expect(text.startsWith(out)).toBe(true);
        expect(out.length).toBeLessThanOrEqual(formStart);
      }
    }
    expect(out + f.flush()).toBe(whole.value.text);
    // Live: the prose before the form went out while it streamed, all but its last words.
    expect(releasedBeforeForm).toBeGreaterThan(formStart - 24);
  }
}
