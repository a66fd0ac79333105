/**
 * A window hit of a known value grows back over text that spells the value's preceding characters, which may have
 * arrived long before the hit (src/secrets/grow-back.ts). A stream holds from the earliest character from which its
 * end spells part of a windowed value, so nothing a later hit grows over has gone out: streamed output equals the
 * whole-text output, for any cut and any pause between pushes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CTX, makeGuard, streamsLikeWhole } from './helpers.js';
import { pieces, seededValue as seeded } from '../support/seeded-text.js';

/** Over 780 characters: windows at a stride. */
const LONG = seeded(900, 'stream-long');
/** Windows at a stride, with runs of its own separators (a hit grows over up to 16 separators added to those). */
const OWN_RUNS = (seeded(900, 'stream-own-runs').match(/.{1,30}/g) ?? []).join('+/-_');
/** A word-like piece ends the separated region before the part that is matched. */
const DEPLOY = 'dk-vwfNSnWTorguqcvoxQ7mZp2Rk9Lw3Xc8Hn4Bv6Jt';

const writings = fc.oneof(
  fc
    .tuple(fc.integer({ min: 8, max: 100 }), fc.constantFrom('\n', '\r\n', '\n  ', ' - ', ' ', '" + "'))
    .map(([n, sep]) => pieces(LONG, n).join(sep)),
  fc
    .tuple(fc.integer({ min: 0, max: LONG.length - 1 }), fc.integer({ min: 1, max: 200 }))
    .map(([at, len]) => LONG.slice(at, at + len)),
  fc.integer({ min: 0, max: LONG.length - 1 }).map((at) => `${LONG.slice(0, at)}#${LONG.slice(at + 1)}`),
  // Written in character codes or encoded: hits grow in the decoded text, which the stream holds too.
  fc
    .tuple(
      fc.integer({ min: 0, max: LONG.length - 1 }),
      fc.constantFrom<(v: string) => string>(
        (v) => Buffer.from(v).toString('hex'),
        (v) => Buffer.from(v).toString('base64'),
        (v) => [...v].map((c) => c.charCodeAt(0)).join(', '),
      ),
    )
    .map(([at, encode]) => encode(`${LONG.slice(0, at)}#${LONG.slice(at + 1)}`)),
  fc
    .tuple(fc.integer({ min: 8, max: 60 }), fc.integer({ min: 10, max: 15 }))
    .map(([n, indent]) => pieces(OWN_RUNS, n).join(`\n${' '.repeat(indent)}`)),
  fc.constantFrom(pieces(DEPLOY, 10).join(' - '), pieces(DEPLOY, 3).join(' '), DEPLOY.slice(0, 20)),
);
const filler = fc.string({
  unit: fc.constantFrom('a', 'b', ' ', '\n', 'x', '-', '1', 'Z', '.', 'k', 'Q', '/'),
  maxLength: 30,
});
const words = fc.constantFrom(' the key is ', ' -- keep it safe. ', ' and then ', '\n\n', ' rotated: ');
const doc = fc.array(fc.oneof(writings, filler, words), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));

describe('stream guard and hits grown back over a value', () => {
  it('redacts identically streamed or whole, for any cut and pauses (property)', () => {
    let clock = 0;
    const { guard, leaks } = makeGuard({ stream: { now: () => clock } });
    leaks.register('SESSION_COOKIE', LONG);
    leaks.register('DEPLOY_KEY', DEPLOY);
    leaks.register('SIGNING_KEY', OWN_RUNS);
    let early = 0;
    let grown = 0;
    fc.assert(
      fc.property(
        doc,
        fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.constantFrom(0, 0, 1, 5), { minLength: 1, maxLength: 20 }),
        (text, sizes, pauses) => {
          if (leaks.scan(text).some((h) => h.encoding === 'partial' && h.end - h.start > 12)) grown++;
          const released = streamsLikeWhole(guard, text, sizes, pauses, (pause) => (clock += pause));
          if (released === undefined) return false;
          early += released;
          return true;
        },
      ),
      { seed: 1414, numRuns: 150 },
    );
    // Not vacuous: hits grew, and text went out before the end.
    expect(grown).toBeGreaterThan(50);
    expect(early).toBeGreaterThan(50);
  });

  it('the value in pieces after a word-like piece is redacted whole, streamed a character at a time', () => {
    const { guard, leaks } = makeGuard();
    leaks.register('DEPLOY_KEY', DEPLOY);
    const text = `Your key: ${pieces(DEPLOY, 10).join(' - ')} (keep it).`;
    const f = guard.outputFilter(CTX);
    let out = '';
    for (const c of text) out += f.push(c);
    out += f.flush();
    expect(out).toBe('Your key: [REDACTED] (keep it).');
  });
});
