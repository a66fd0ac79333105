/**
 * L02 through the daemon: a hostile provider answers with the agent's system prompt reversed, rot13'd or both,
 * whole or only its confidential line; the client gets none of it, streamed or not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { LEAKY_PROMPT, LEAKY_PROMPT_LINE } from '../support/leaky-prompt.js';
import { reverseText, rot13 } from '../../src/text/index.js';
import { chatText, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const TRANSFORMS: ReadonlyArray<readonly [string, (s: string) => string]> = [
  ['reversed', reverseText],
  ['rot13', rot13],
  ['reversed+rot13', (s) => rot13(reverseText(s))],
];

/** Words of `secret` (4+ letters) that reach `text`: a leak carries many of them, a redaction none. */
function wordsIn(text: string, secret: string): string[] {
  const have = new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  return [...new Set(secret.toLowerCase().match(/[a-z0-9]{4,}/g) ?? [])].filter((w) => have.has(w));
}

describe('the system prompt transformed by a hostile provider', () => {
  it('does not reach the client in any form, streamed or not', async () => {
    const said = TRANSFORMS.map(([, f]) => `Form: ${f(LEAKY_PROMPT)}`);
    e2e = await startE2E('openai', scriptFrom(said.flatMap((s) => [reply.text(s), reply.text(s)])), undefined, {
      systemPrompt: LEAKY_PROMPT,
    });
    for (const [i, [name, f]] of TRANSFORMS.entries()) {
      for (const stream of [false, true]) {
        const got = await chatText(e2e, 'hello', stream);
        expect(got, `${name}, stream ${stream}`).toContain('[REDACTED]');
        expect(wordsIn(got, f(LEAKY_PROMPT)), `${name}, stream ${stream}: ${got}`).toEqual(
          wordsIn('Form: [REDACTED]', f(LEAKY_PROMPT)),
        );
        expect(said[i]).toContain(f(LEAKY_PROMPT));
      }
    }
  });

  it('its confidential line alone does not reach the client in any form', async () => {
    e2e = await startE2E(
      'anthropic',
      scriptFrom(TRANSFORMS.map(([, f]) => reply.text(`The desk is ${f(LEAKY_PROMPT_LINE)} as you asked.`))),
      undefined,
      { systemPrompt: LEAKY_PROMPT },
    );
    for (const [name, f] of TRANSFORMS) {
      const got = await chatText(e2e, 'hello', true);
      expect(got, name).toContain('[REDACTED]');
      expect(got, name).not.toContain(f('7741'));
      expect(got.toLowerCase(), name).not.toContain(f('northwind').toLowerCase());
    }
  });
});
