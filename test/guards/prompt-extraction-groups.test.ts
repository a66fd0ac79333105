/**
 * Containment groups are bounded in characters as well as words: a stream holds an open group from its first
 * piece, so prose that shares one phrase with the system prompt is held back at most the piece and the gap.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PromptFingerprint } from '../../src/guards/prompt-extraction.js';
import { CTX, makeGuard, SYSTEM_PROMPT } from './helpers.js';

const words = SYSTEM_PROMPT.split(' ');
const pieces = (size: number, filler: string): string => {
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(' '));
  return out.join(` ${filler} `);
};

/** Model-like tokens: a word with its leading whitespace, punctuation apart. */
const tokens = (text: string): string[] => text.match(/\s*(?:[A-Za-z]+|[0-9]+|[^\sA-Za-z0-9])/g) ?? [];

describe('prompt extraction: containment groups bounded in characters', () => {
  it('pieces within maxPieceGap words but further apart than maxPieceGapChars are judged one by one', () => {
    const fp = new PromptFingerprint(SYSTEM_PROMPT);
    // 12 words, 107 characters of filler: within 24 words, beyond 80 characters.
    const far = pieces(10, Array.from({ length: 12 }, (_, i) => `elsewhere${i % 10}`).join(' '));
    expect(fp.scan(far).spans).toEqual([]);
    const near = pieces(10, 'one two three four');
    expect(fp.scan(near).spans.length).toBeGreaterThanOrEqual(4);
    const wide = new PromptFingerprint(SYSTEM_PROMPT, { maxPieceGapChars: 200 });
    expect(wide.scan(far).spans.length).toBeGreaterThanOrEqual(4);
  });

  it('prose sharing a phrase with the prompt, streamed token by token, is held back at most 128 characters', () => {
    let clock = 0;
    const { guard } = makeGuard({ stream: { now: () => clock } });
    const answer =
      'I can answer questions about shipping schedules and the stock we keep, and about our suppliers too; ' +
      'the team keeps the assistant up to date every single week and handles the rest by mail.';
    const f = guard.outputFilter(CTX);
    let out = '';
    let pushed = 0;
    let held = 0;
    for (const t of tokens(answer)) {
      clock += 10;
      out += f.push(t);
      pushed += t.length;
      held = Math.max(held, pushed - out.length);
    }
    expect(out + f.flush()).toBe(answer);
    expect(held).toBeGreaterThan(40);
    expect(held).toBeLessThanOrEqual(128);
  });

  it('stream and whole agree when the filler crosses the character bound (property, fake clock)', () => {
    let clock = 0;
    const { guard } = makeGuard({ stream: { now: () => clock } });
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 12 }),
        fc.array(fc.constantFrom('um', 'meanwhile', 'x', 'elsewhere'), { minLength: 0, maxLength: 14 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 12 }),
        (size, filler, sizes, gaps) => {
          const text = 'Sure. ' + pieces(size, filler.join(' ')) + ' Done.';
          const whole = guard.scanText(text, CTX);
          if (!whole.ok) return false;
          const f = guard.outputFilter(CTX);
          let out = '';
          for (let at = 0, i = 0; at < text.length; i++) {
            const n = sizes[i % sizes.length] ?? 1;
            clock += gaps[i % gaps.length] ?? 0;
            out += f.push(text.slice(at, at + n));
            at += n;
          }
          expect(out + f.flush()).toBe(whole.value.text);
          return true;
        },
      ),
      { numRuns: 60, seed: 19 },
    );
  });
});
