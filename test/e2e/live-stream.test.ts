/**
 * Live streaming through the real daemon: a model streaming word by word reaches an SSE client word by word
 * (the stream guard holds back only what a secret, canary or extraction match could still span), and an
 * encoded canary cut over many deltas never reaches the client in part.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, canaryIn } from '../support/fake-provider.js';
import { reverseText } from '../../src/text/reversible.js';
import { contentDeltas, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** Model-like tokens: each word with the space before it. */
const words = (text: string): string[] => text.match(/\s*\S+/g) ?? [];

async function streamChat(e: E2E): Promise<string[]> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${e.token}` },
    body: JSON.stringify({ model: 'default', stream: true, messages: [{ role: 'user', content: 'status?' }] }),
  });
  expect(res.status).toBe(200);
  return contentDeltas(await res.text());
}

const ANSWER = 'The order shipped on Tuesday from the north warehouse and should reach the customer by Friday morning.';

describe('live streaming through the daemon', () => {
  it('a 20-word answer streamed word by word arrives in many deltas, not as one at the end', async () => {
    e2e = await startE2E('openai', () => reply.text(ANSWER, { chunks: words(ANSWER), chunkDelayMs: 5 }));
    const deltas = await streamChat(e2e);
    expect(deltas.join('')).toBe(ANSWER);
    // Each word goes out once the next one shows it complete: about one delta per word.
    expect(deltas.length).toBeGreaterThanOrEqual(10);
  });

  it('a reversed canary cut into 2-character deltas is redacted whole; the words before it still stream', async () => {
    let reversed = '';
    const lead = 'Here is the marker you asked about, written backwards: ';
    e2e = await startE2E('openai', (req) => {
      reversed = reverseText(canaryIn(req));
      const text = `${lead}${reversed} and nothing else.`;
      const chunks = [...words(lead), ' ', ...(reversed.match(/.{1,2}/g) ?? []), ...words(' and nothing else.')];
      expect(chunks.join('')).toBe(text);
      return reply.text(text, { chunks, chunkDelayMs: 5 });
    });
    const deltas = await streamChat(e2e);
    const shown = deltas.join('');
    expect(reversed.length).toBeGreaterThan(0);
    expect(shown).toContain('[REDACTED]');
    for (let i = 0; i + 4 <= reversed.length; i++)
      expect(shown.toLowerCase()).not.toContain(reversed.slice(i, i + 4).toLowerCase());
    // The lead went out in several deltas before the marker.
    const before = deltas.findIndex((d) => d.includes('[REDACTED]'));
    expect(before).toBeGreaterThanOrEqual(4);
  });
});
