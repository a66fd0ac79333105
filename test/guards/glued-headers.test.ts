import { describe, expect, it } from 'vitest';
import { CTX, makeGuard, streamAll } from './helpers.js';
import { AN, tok } from '../support/tokens.js';

/**
 * A header written right after an Authorization value with nothing between them (`Bearer XAuthorization: Bearer Y`,
 * a log line that lost its separators): the first value stops where the header begins and the second header is
 * read as a header of its own, whole and streamed at any chunking.
 */
const X = tok(AN, 40, 81);
const Y = tok(AN, 40, 82);

function bothWays(text: string): string[] {
  const { guard } = makeGuard();
  const whole = guard.scanText(text, CTX);
  if (!whole.ok) throw new Error(whole.error.message);
  const outs = [whole.value.text];
  for (const size of [1, 7, 64]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    outs.push(streamAll(guard, chunks));
  }
  let clock = 0;
  const live = makeGuard({ stream: { now: () => (clock += 5) } }).guard;
  outs.push(streamAll(live, [...text]));
  return outs;
}

describe('a header glued to an Authorization value', () => {
  it.each([
    ['Authorization: Bearer ', 'Authorization: Bearer '],
    ['Authorization: Bearer ', 'authorization: token '],
    ['Authorization: ', 'Authorization: Bearer '],
  ])('%s X%s Y: both values are redacted', (first, second) => {
    const text = `${first}${X}${second}${Y} and the rest`;
    for (const out of bothWays(text)) expect(out).toBe(`${first}[REDACTED]${second}[REDACTED] and the rest`);
  });

  it('an x-api-key header glued after the value keeps its name and its value is redacted', () => {
    const text = `Authorization: Bearer ${X}x-api-key: ${Y} and the rest`;
    for (const out of bothWays(text))
      expect(out).toBe('Authorization: Bearer [REDACTED]x-api-key: [REDACTED] and the rest');
  });

  it('a Cookie header glued after the value is not taken into it', () => {
    const text = `Authorization: Bearer ${X}Cookie: session=abc and the rest`;
    for (const out of bothWays(text))
      expect(out).toBe('Authorization: Bearer [REDACTED]Cookie: session=abc and the rest');
  });

  it('an identifier that merely ends in Authorization is not a header after a plain word', () => {
    const text = 'the flag requiresAuthorization: someUserRoleName stays as written';
    for (const out of bothWays(text)) expect(out).toBe(text);
  });
});

describe('the values the stop must not cut', () => {
  it('a Basic user:password whose user is a header name keeps it', () => {
    const pass = tok(AN, 20, 83);
    const text = `Authorization: apikey:${pass} and the rest`;
    for (const out of bothWays(text)) expect(out).toBe('Authorization: [REDACTED] and the rest');
  });
});
