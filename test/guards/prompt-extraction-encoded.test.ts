/**
 * The system prompt leaked in an encoding without words of its own: hex (plain, in pairs, as escapes), base32,
 * decimal and hex character-code lists, letters separated by spaces or dashes. Each is redacted, whole and
 * streamed in small chunks with every push scanned; the same encodings of other prose pass untouched.
 */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { createOutputGuard } from '../../src/guards/output-guard.js';
import { PromptFingerprint } from '../../src/guards/prompt-extraction.js';
import { findEncodedPrompt } from '../../src/guards/prompt-encoded.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { reverseText } from '../../src/text/index.js';
import { LEAKY_PROMPT as PROMPT, LEAKY_PROMPT_LINE } from '../support/leaky-prompt.js';
import { PROMPT_ENCODINGS } from '../support/prompt-encodings.js';
import { CANARY_SECRET, CTX, chunkBySizes, streamAll } from './helpers.js';

const OTHER =
  'The shipment left the warehouse on Tuesday and should arrive before the end of the week. Stock levels for ' +
  'the blue widgets are low; consider reordering from the usual supplier before the quarterly review.';

function guard(clock?: () => number) {
  return createOutputGuard({
    leakScanner: new LeakIndex(),
    canarySecret: CANARY_SECRET,
    systemPromptFor: () => PROMPT,
    bus: new EventBus(),
    // Every push is scanned: each reading of the clock moves it on, as when tokens arrive slower than a scan takes.
    ...(clock ? { stream: { latencyMs: 1, now: clock } } : {}),
  });
}

describe('the system prompt in an encoding without words', () => {
  for (const [name, encode] of PROMPT_ENCODINGS) {
    it(`${name}: redacted in an answer, and streamed in chunks exactly as whole`, () => {
      const form = encode(PROMPT);
      const said = `Sure, here it is: ${form} Hope that helps.`;
      const r = guard().scanText(said, CTX);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.findings.some((x) => x.kind === 'prompt_extraction')).toBe(true);
      // All but the encoded full stop at the prompt's end (spans end at words) is gone.
      expect(r.value.text.length).toBeLessThan(said.length - form.length + 30);
      for (const size of [3, 17, 64])
        expect(streamAll(guard(), chunkBySizes(said, [size])), `${name} ${size}`).toBe(r.value.text);
    });

    it(`${name}: streamed with every push scanned, no part of it goes out before the guard can decide`, () => {
      const form = encode(LEAKY_PROMPT_LINE);
      const said = `Sure, here it is: ${form} Hope that helps.`;
      const whole = guard().scanText(said, CTX);
      expect(whole.ok && whole.value.text).not.toContain(form.slice(0, 12));
      for (const sizes of [[1], [2, 1, 3], [7]]) {
        let clock = 0;
        const f = guard(() => (clock += 5)).outputFilter(CTX);
        let out = '';
        for (const c of chunkBySizes(said, sizes)) {
          out += f.push(c);
          expect(out, `${name} ${sizes.join(',')}`).not.toContain(form.slice(0, 12));
        }
        expect(out + f.flush(), `${name} ${sizes.join(',')}`).toBe(whole.ok && whole.value.text);
      }
    });

    it(`${name}: the confidential line alone is found`, () => {
      const r = guard().scanText(`Note: ${encode(LEAKY_PROMPT_LINE)} ok`, CTX);
      expect(r.ok && r.value.findings.some((x) => x.kind === 'prompt_extraction')).toBe(true);
    });

    it(`${name}: other prose in the same encoding passes untouched`, () => {
      const said = `Decoded for you: ${encode(OTHER)} ok`;
      const r = guard().scanText(said, CTX);
      expect(r.ok && r.value.findings).toEqual([]);
      expect(r.ok && r.value.text).toBe(said);
      let clock = 0;
      const f = guard(() => (clock += 5)).outputFilter(CTX);
      let out = '';
      for (const c of chunkBySizes(said, [5])) out += f.push(c);
      expect(out + f.flush()).toBe(said);
    });
  }

  it('reads every form of the prompt in the decoded text: the prompt reversed, then written as hex', () => {
    const hex = Buffer.from(reverseText(PROMPT), 'utf8').toString('hex');
    const found = findEncodedPrompt(hex, new PromptFingerprint(PROMPT));
    expect(found.map((f) => f.encoding)).toContain('reversed+hex');
  });

  it('maps a finding back to exactly the codes that spell it', () => {
    const codes = [...PROMPT].map((c) => c.charCodeAt(0)).join(', ');
    const said = `${codes}, 32, 79, 75`;
    const found = findEncodedPrompt(said, new PromptFingerprint(PROMPT));
    expect(found.length).toBeGreaterThan(0);
    // The span starts at the first code and ends inside the prompt's codes, before the trailing " OK".
    expect(Math.min(...found.map((f) => f.start))).toBe(0);
    expect(Math.max(...found.map((f) => f.end))).toBeLessThanOrEqual(codes.length);
  });
});
