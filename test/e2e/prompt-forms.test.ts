/**
 * L02 through the daemon: a hostile provider answers with the agent's system prompt reversed, rot13'd or both,
 * whole or only its confidential line, or written as hex, base32, character codes or separated letters; the client
 * (the openai SDK, and plain HTTP) gets none of it, streamed in small deltas or not.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { LEAKY_PROMPT, LEAKY_PROMPT_LINE } from '../support/leaky-prompt.js';
import { PROMPT_ENCODINGS } from '../support/prompt-encodings.js';
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

describe('the system prompt encoded by a hostile provider', () => {
  /** `text` in deltas of 1 to 9 characters, as a model streams tokens. */
  const deltas = (text: string) => text.match(/[\s\S]{1,9}/g) ?? [];

  it('reaches the client in no encoding, through the openai SDK streamed in small deltas and not', async () => {
    const said = PROMPT_ENCODINGS.map(([, encode]) => `Encoded: ${encode(LEAKY_PROMPT)} That is all.`);
    e2e = await startE2E(
      'openai',
      scriptFrom(said.flatMap((s) => [reply.text(s), reply.text(s, { chunks: deltas(s) })])),
      undefined,
      { systemPrompt: LEAKY_PROMPT },
    );
    const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'hello' }];
    for (const [i, [name, encode]] of PROMPT_ENCODINGS.entries()) {
      const form = encode(LEAKY_PROMPT);
      const whole = (await client.chat.completions.create({ model: 'default', messages })).choices[0]?.message.content;
      let streamed = '';
      for await (const chunk of await client.chat.completions.create({ model: 'default', messages, stream: true }))
        streamed += chunk.choices[0]?.delta.content ?? '';
      for (const [how, got] of [
        ['whole', whole ?? ''],
        ['streamed', streamed],
      ] as const) {
        expect(got, `${name}, ${how}`).toContain('[REDACTED]');
        // Not one piece of 12 characters of the encoded prompt gets through.
        for (let at = 0; at + 12 <= form.length; at += 6)
          expect(got.includes(form.slice(at, at + 12)), `${name}, ${how}: ${got}`).toBe(false);
        expect(got, `${name}, ${how}`).toMatch(/^Encoded: /);
      }
      expect(said[i]).toContain(form);
    }
  });
});
