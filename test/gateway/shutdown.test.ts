import { describe, expect, it } from 'vitest';
import type { TurnEvent, TurnRequest } from '../../src/agent/types.js';
import { startTestGateway } from './support.js';

describe('gateway shutdown', () => {
  it('cancels turns in flight and stops accepting', async () => {
    let sawAbort = false;
    async function* script(req: TurnRequest): AsyncIterable<TurnEvent> {
      yield { type: 'session', sessionId: 's' };
      yield { type: 'text_delta', text: 'working' };
      await new Promise<void>((resolve) => req.signal?.addEventListener('abort', () => resolve(), { once: true }));
      sawAbort = true;
      yield { type: 'done', finishReason: 'cancelled', text: 'working' };
    }
    const gw = await startTestGateway(script);
    const token = gw.token(['chat']);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'go' }], stream: true }),
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk');
    await gw.close();
    expect(sawAbort).toBe(true);
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
  });
});
