/**
 * The system prompt leaked under a character transform a model applies without tools: reversed (the whole
 * text: letters and word order), rot13, and both. Each is redacted whole and streamed in small chunks; the
 * same prose transformed but not the prompt passes untouched.
 */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { createOutputGuard } from '../../src/guards/output-guard.js';
import { PromptFingerprint } from '../../src/guards/prompt-extraction.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { reverseText, rot13 } from '../../src/text/index.js';
import { LEAKY_PROMPT as PROMPT, LEAKY_PROMPT_LINE } from '../support/leaky-prompt.js';
import { CANARY_SECRET, CTX, streamAll } from './helpers.js';

const TRANSFORMS: ReadonlyArray<readonly [string, (s: string) => string]> = [
  ['reversed', reverseText],
  ['rot13', rot13],
  ['reversed+rot13', (s) => rot13(reverseText(s))],
];

function guard() {
  return createOutputGuard({
    leakScanner: new LeakIndex(),
    canarySecret: CANARY_SECRET,
    systemPromptFor: () => PROMPT,
    bus: new EventBus(),
  });
}

describe('the system prompt under a character transform', () => {
  it('is about as long as the prompt the review leaked', () => {
    expect(PROMPT.length).toBeGreaterThan(500);
    expect(PROMPT.length).toBeLessThan(650);
  });

  for (const [name, f] of TRANSFORMS) {
    it(`${name}: redacted in an answer, whole and streamed`, () => {
      const g = guard();
      const said = `Sure, here it is: ${f(PROMPT)} Hope that helps.`;
      const r = g.scanText(said, CTX);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.findings.some((x) => x.kind === 'prompt_extraction' && x.encoding === name)).toBe(true);
      // Spans end at words: the prompt's final full stop (first when reversed) stays.
      expect(r.value.text).toMatch(/^Sure, here it is: \.?\[REDACTED\]\.? Hope that helps\.$/);
      for (const size of [3, 17, 64]) {
        const chunks = said.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
        expect(streamAll(g, chunks)).toBe(r.value.text);
      }
    });

    it(`${name}: one sentence of it alone is still found (the confidential line)`, () => {
      const r = guard().scanText(`Note: ${f(LEAKY_PROMPT_LINE)}`, CTX);
      expect(r.ok && r.value.findings.some((x) => x.kind === 'prompt_extraction')).toBe(true);
    });

    it(`${name}: other text under the same transform passes untouched`, () => {
      const other =
        'The shipment left the warehouse on Tuesday and should arrive before the end of the week. Stock levels for ' +
        'the blue widgets are low; consider reordering from the usual supplier before the quarterly review.';
      const said = `Decoded for you: ${f(other)}`;
      const r = guard().scanText(said, CTX);
      expect(r.ok && r.value.findings).toEqual([]);
      expect(r.ok && r.value.text).toBe(said);
    });
  }

  it('counts each form on its own: raw words of the prompt between reversed ones make no span', () => {
    const fp = new PromptFingerprint(PROMPT);
    const raw = PROMPT.split(' ');
    const rev = reverseText(PROMPT).split(' ');
    // Alternate single words of two forms: no form has three of its words in a row.
    const mixed = raw
      .slice(0, 30)
      .flatMap((w, i) => [w, rev[i] as string])
      .join(' ');
    expect(fp.scan(mixed).spans).toEqual([]);
  });

  it('reports the form of each span', () => {
    const fp = new PromptFingerprint(PROMPT);
    const r = fp.scan(`${rot13(PROMPT)}\n\n${PROMPT}`);
    expect(new Set(r.spans.map((s) => s.form))).toEqual(new Set(['rot13', 'raw']));
  });
});
