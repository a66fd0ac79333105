import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { OutputGuard } from '../../src/guards/output-guard.js';
import { CTX, SYSTEM_PROMPT, VAULT_VALUE, fakeAwsKeyId, makeGuard, streamAll, streamsLikeWhole } from './helpers.js';

describe('stream guard (L02 on streams)', () => {
  it('catches an AWS key split at every possible chunk boundary, and never emits it', () => {
    const { guard } = makeGuard();
    const key = fakeAwsKeyId();
    const text = `Here are the credentials: ${key} — keep them safe.`;
    const expected = guard.scanText(text, CTX);
    expect(expected.ok && expected.value.text).toBe('Here are the credentials: [REDACTED] — keep them safe.');
    for (let i = 1; i < text.length; i++) {
      for (let j = i; j < text.length; j++) {
        const out = streamAll(guard, [text.slice(0, i), text.slice(i, j), text.slice(j)]);
        expect(out).toBe(expected.ok && expected.value.text);
        expect(out).not.toContain(key.slice(4, 12));
      }
    }
  });

  it('catches a key streamed one character per chunk, with nothing emitted before it is scanned', () => {
    const { guard } = makeGuard();
    const key = fakeAwsKeyId(99);
    const text = `token ${key}`;
    const f = guard.outputFilter(CTX);
    const emitted: string[] = [];
    for (const ch of text) emitted.push(f.push(ch));
    emitted.push(f.flush());
    const all = emitted.join('');
    expect(all).toBe('token [REDACTED]');
    for (let w = 0; w + 8 <= key.length; w++) expect(all).not.toContain(key.slice(w, w + 8));
  });

  it('releases a first token at once when nothing can begin in it, and holds one a secret could begin in', () => {
    let clock = 0;
    const { guard } = makeGuard({ stream: { now: () => clock } });
    const f = guard.outputFilter(CTX);
    expect(f.push('##')).toBe('##');
    clock += 5;
    // A word may be the first segment of a JWT or the start of a glued value: it waits for what follows.
    expect(f.push(' Totals')).toBe(' ');
    clock += 5;
    expect(f.push('\n\n- open')).toBe('Totals\n\n- ');
    clock += 5;
    // `eyJ…` followed by `.` may still be a token: held.
    expect(f.push(' eyJhbGciOiJIUzI1NiJ9.')).toBe('open ');
    expect(f.flush()).toBe('eyJhbGciOiJIUzI1NiJ9.');
  });

  it('flush releases a held tail only after scanning it', () => {
    const { guard } = makeGuard();
    // When a push is scanned depends on the clock: what is released early may vary, never what is held.
    const f = guard.outputFilter(CTX);
    const early = f.push('short answer ') + f.push(VAULT_VALUE.slice(0, 5));
    expect('short answer '.startsWith(early)).toBe(true);
    expect(early + f.flush()).toBe(`short answer ${VAULT_VALUE.slice(0, 5)}`);
    const g = guard.outputFilter(CTX);
    const first = g.push(`x ${VAULT_VALUE.slice(0, 9)}`);
    expect(first).toBe('x ');
    expect(g.push(VAULT_VALUE.slice(9))).toBe('');
    expect(g.flush()).toBe('[REDACTED]');
  });

  it('stays usable after flush: one filter per turn, flushed after every model step', () => {
    const { guard } = makeGuard();
    const f = guard.outputFilter(CTX);
    expect(f.push('step one ') + f.flush()).toBe('step one ');
    const key = fakeAwsKeyId(8);
    expect(f.push(`step two ${key.slice(0, 9)}`) + f.push(key.slice(9)) + f.flush()).toBe('step two [REDACTED]');
  });

  it('redacts identically streamed or whole (property)', () => {
    const { guard } = makeGuard();
    propertyStreamedEqualsWhole(guard, () => undefined, {});
  });

  // The same with the filter's clock driven by the test: which pushes are scanned at once (a pause) and which
  // are gathered (a burst) is drawn with the chunks, and the seed is fixed, so every run reads the same cases.
  it('redacts identically streamed or whole, pauses and bursts drawn with a fake clock (property)', () => {
    let clock = 0;
    const { guard } = makeGuard({ stream: { now: () => clock } });
    propertyStreamedEqualsWhole(guard, (pause) => (clock += pause), { seed: 19 });
  });

  // Found by the fake-clock property (seed -889054682): the first value used to run on over `.Authorization:`,
  // so the whole text left the second token out while the stream, which keeps that text as left context,
  // matched it. The value now stops where the next header begins: both are redacted, streamed and whole.
  it('a header glued after a value is a header of its own, streamed and whole', () => {
    let clock = 0;
    const { guard } = makeGuard({ stream: { now: () => clock } });
    const token = 'q8Zt3LmN0pR5vX7yB2cD4fG6hJ';
    const text = `Authorization: Bearer ${token}.Authorization: Bearer ${token} the `;
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.text).toBe(`Authorization: Bearer [REDACTED]Authorization: Bearer [REDACTED] the `);
    const f = guard.outputFilter(CTX);
    let out = '';
    for (const c of text) {
      clock += 1;
      out += f.push(c);
    }
    expect(out + f.flush()).toBe(whole.ok && whole.value.text);
  });
});

/** Any document of secrets, prompt pieces, look-alike words and filler, cut anywhere: streamed equals whole. */
function propertyStreamedEqualsWhole(
  guard: OutputGuard,
  tick: (pause: number) => void,
  params: { seed?: number },
): void {
  const canary = guard.canary(CTX.sessionId);
  const secrets = [
    fakeAwsKeyId(3),
    VAULT_VALUE,
    Buffer.from(VAULT_VALUE).toString('base64'),
    canary,
    Buffer.from(canary).toString('base64'),
    'Authorization: Bearer ' + 'q8Zt3LmN0pR5vX7yB2cD4fG6hJ',
    'password = "' + 'Tr0ub4dor&3xK9!z' + '"',
    '-----BEGIN RSA PRIVATE KEY-----\n' +
      'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi+Q3VhpN4rZ0Vl8b/5gk2Zc0xs\n' +
      'q8Zt3LmN0pR5vX7yB2cD4fG6hJ1kL9mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3k\n-----END RSA PRIVATE KEY-----',
  ];
  const filler = fc.string({
    unit: fc.constantFrom('a', 'b', ' ', '\n', 'x', '=', ':', '-', '1', 'Z', '"', '.'),
    maxLength: 40,
  });
  const promptPieces = SYSTEM_PROMPT.split('. ').map((p) => ` ${p}. `);
  const words = fc.constantFrom(
    ' the ',
    ' stock ',
    ' answer ',
    ' Northwind ',
    ' api_key: ',
    ' token=',
    ' AKIA',
    ' eyJ',
    'long_identifier_segment_'.repeat(4),
    'Zz9'.repeat(30),
    'client_secret=',
  );
  const doc = fc
    .array(fc.oneof(filler, words, fc.constantFrom(...secrets), fc.constantFrom(...promptPieces)), {
      minLength: 1,
      maxLength: 60,
    })
    .map((parts) => parts.join(''));
  let early = 0;
  fc.assert(
    fc.property(
      doc,
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 50 }),
      fc.array(fc.constantFrom(0, 0, 1, 5), { minLength: 1, maxLength: 20 }),
      (text, sizes, pauses) => {
        const released = streamsLikeWhole(guard, text, sizes, pauses, tick);
        if (released === undefined) return false;
        early += released;
        return true;
      },
    ),
    { numRuns: 1000, ...params },
  );
  // Not vacuous: many documents are long enough for text to be released before the end.
  expect(early).toBeGreaterThan(200);
}

describe('stream guard, one enormous token', () => {
  it('releases a run longer than the hold limit in bounded pieces, every piece scanned, secrets inside redacted', () => {
    const { guard } = makeGuard();
    const key = fakeAwsKeyId(77);
    const jwt =
      Buffer.from('{"alg":"HS256"}').toString('base64url') +
      '.' +
      Buffer.from('{"sub":"' + 'u'.repeat(3000) + '"}').toString('base64url') +
      '.' +
      'Sg'.repeat(30);
    // Minified JSON with no whitespace at all, past the 240 KiB hold limit.
    const blob =
      '{"rows":[' +
      Array.from({ length: 10_000 }, (_, i) => `{"id":${i},"name":"item-${i}"}`).join(',') +
      `],"k":"${key}","t":"${jwt}","pad":"` +
      'p'.repeat(20_000) +
      '"}';
    const f = guard.outputFilter(CTX);
    const pieces: string[] = [];
    for (let i = 0; i < blob.length; i += 1000) pieces.push(f.push(blob.slice(i, i + 1000)));
    pieces.push(f.flush());
    expect(pieces.filter((p) => p.length > 0).length).toBeGreaterThan(1);
    const out = pieces.join('');
    const whole = guard.scanText(blob, CTX);
    expect(whole.ok && out).toBe(whole.ok && whole.value.text);
    expect(out).not.toContain(key);
    expect(out).not.toContain(jwt.slice(0, 40));
  });
});
