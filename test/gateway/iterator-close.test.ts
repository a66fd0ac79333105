/**
 * The gateway closes the runtime's event iterator on every way an answer ends (error before the answer,
 * error in the middle, JSON or SSE, client gone), so the runtime's clean-up — its session lock — always
 * runs, also when the gateway stopped reading at an error event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnEvent, TurnRequest } from '../../src/agent/types.js';
import { bulwarkError } from '../../src/core/errors.js';
import { startTestGateway, type TestGateway } from './support.js';

/** Nonces of the turns whose generator ran its `finally`. */
const closed = new Set<string>();

function waitAbort(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal || signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

const providerDown = bulwarkError('provider.down', 'the provider answered 500', { status: 502 });

/** The user text is "<case> <nonce>". A consumer that stops reading leaves the generator suspended at its last yield. */
async function* script(req: TurnRequest): AsyncGenerator<TurnEvent> {
  const [kind = '', nonce = ''] = (req.messages.at(-1)?.content ?? '').split(' ');
  try {
    yield { type: 'session', sessionId: 'sess_close' };
    if (kind === 'early-error') {
      yield { type: 'error', error: providerDown };
    } else if (kind === 'late-error') {
      yield { type: 'text_delta', text: 'partial' };
      yield { type: 'error', error: providerDown };
    } else if (kind === 'disconnect') {
      yield { type: 'text_delta', text: 'partial' };
      await waitAbort(req.signal);
      yield { type: 'text_delta', text: 'more' };
    } else {
      yield { type: 'text_delta', text: 'fine' };
      yield { type: 'done', finishReason: 'stop', text: 'fine' };
    }
  } finally {
    closed.add(nonce);
  }
}

let gw: TestGateway;
let token: string;
beforeAll(async () => {
  gw = await startTestGateway(script);
  token = gw.token(['chat']);
});
afterAll(async () => gw.close());

let counter = 0;
function post(kind: string, stream: boolean, signal?: AbortSignal): { nonce: string; response: Promise<Response> } {
  counter += 1;
  const nonce = `n${counter}`;
  const response = fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', stream, messages: [{ role: 'user', content: `${kind} ${nonce}` }] }),
    ...(signal ? { signal } : {}),
  });
  return { nonce, response };
}

describe('the runtime iterator is closed on every way out', () => {
  it.each([
    ['an error before the answer, JSON', 'early-error', false, 502],
    ['an error before the answer, stream requested', 'early-error', true, 502],
    ['an error after some output, JSON', 'late-error', false, 502],
    ['an error in the middle of a stream', 'late-error', true, 200],
  ] as const)('%s', async (_what, kind, stream, status) => {
    const { nonce, response } = post(kind, stream);
    const res = await response;
    expect(res.status).toBe(status);
    const body = await res.text();
    expect(body).toContain('the provider answered 500');
    await expect.poll(() => closed.has(nonce)).toBe(true);
  });

  it('a finished answer, JSON and stream', async () => {
    const json = post('fine', false);
    expect((await json.response).status).toBe(200);
    const sse = post('fine', true);
    expect(await (await sse.response).text()).toContain('[DONE]');
    await expect.poll(() => closed.has(json.nonce) && closed.has(sse.nonce)).toBe(true);
  });

  it('a streaming client that goes away', async () => {
    const controller = new AbortController();
    const { nonce, response } = post('disconnect', true, controller.signal);
    const res = await response;
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('partial')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      seen += new TextDecoder().decode(chunk.value);
    }
    expect(seen).toContain('partial');
    controller.abort();
    await expect.poll(() => closed.has(nonce)).toBe(true);
  });
});
