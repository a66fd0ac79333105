/** The official openai client against the gateway (scripted runtime): models, completions, streaming, sessions, cancel. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnEvent, TurnRequest } from '../../src/agent/types.js';
import { replyWith, startTestGateway, type TestGateway } from './support.js';

let cancelled: { aborted: boolean; reason?: unknown } | undefined;
let releaseSlow: (() => void) | undefined;

function waitAbort(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal || signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function* script(req: TurnRequest): AsyncIterable<TurnEvent> {
  const last = req.messages.at(-1)?.content ?? '';
  if (last === 'slow') {
    yield { type: 'session', sessionId: 'sess_slow' };
    yield { type: 'text_delta', text: 'thinking' };
    cancelled = { aborted: false };
    await Promise.race([waitAbort(req.signal), new Promise<void>((r) => (releaseSlow = r))]);
    cancelled = { aborted: req.signal?.aborted === true, reason: req.signal?.reason };
    yield { type: 'done', finishReason: req.signal?.aborted ? 'cancelled' : 'stop', text: 'thinking' };
    return;
  }
  if (last === 'tools') {
    yield { type: 'session', sessionId: req.sessionId ?? 'sess_new' };
    yield { type: 'tool_started', id: 'c1', name: 'write' };
    yield { type: 'tool_finished', id: 'c1', name: 'write', ok: true };
    yield { type: 'text_delta', text: 'wrote it' };
    yield { type: 'done', finishReason: 'stop', text: 'wrote it' };
    return;
  }
  yield* replyWith(`echo: ${last}`, req.sessionId ?? 'sess_new');
}

let gw: TestGateway;
let client: OpenAI;
let token: string;
beforeAll(async () => {
  gw = await startTestGateway(script);
  token = gw.token(['chat']);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: token, maxRetries: 0 });
});
afterAll(async () => gw.close());

describe('OpenAI-compatible API with the official client', () => {
  it('lists one model per agent', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['default', 'helper']);
    expect((await client.models.retrieve('helper')).id).toBe('helper');
    await expect(client.models.retrieve('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('answers a non-streaming completion with usage and a session header', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'helper', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('helper');
    expect(data.choices[0]?.message.content).toBe('echo: hi');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toEqual({ prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 });
    expect(response.headers.get('x-bulwark-session')).toBe('sess_new');
    expect(gw.runtime.requests.at(-1)).toMatchObject({
      agentId: 'helper',
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('continues a session from the x-bulwark-session header', async () => {
    const { response } = await client.chat.completions
      .create(
        { model: 'default', messages: [{ role: 'user', content: 'again' }] },
        { headers: { 'x-bulwark-session': 'sess_abc' } },
      )
      .withResponse();
    expect(gw.runtime.requests.at(-1)?.sessionId).toBe('sess_abc');
    expect(response.headers.get('x-bulwark-session')).toBe('sess_abc');
  });

  it('accepts text-part content arrays', async () => {
    const r = await client.chat.completions.create({
      model: 'default',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    });
    expect(r.choices[0]?.message.content).toBe('echo: ab');
  });

  it('streams in the OpenAI chunk format, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'stream me please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: Array<string | null> = [];
    let usage: unknown;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: stream me please');
    expect(chunks).toBeGreaterThan(3);
    expect(finishes.at(-1)).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 });
  });

  it('ends the raw stream with data: [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(
      text
        .split('\n\n')
        .filter(Boolean)
        .every((e) => e.startsWith('data: ')),
    ).toBe(true);
  });

  it('adds tool progress chunks only when asked with x-bulwark-events: tools', async () => {
    const plain = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'tools' }],
      stream: true,
    });
    let plainChunks = 0;
    for await (const c of plain) if ((c as unknown as { bulwark?: unknown }).bulwark) plainChunks += 1;
    expect(plainChunks).toBe(0);
    const withTools = await client.chat.completions.create(
      { model: 'default', messages: [{ role: 'user', content: 'tools' }], stream: true },
      { headers: { 'x-bulwark-events': 'tools' } },
    );
    const tools: unknown[] = [];
    for await (const c of withTools) {
      const b = (c as unknown as { bulwark?: { tool: unknown } }).bulwark;
      if (b) tools.push(b.tool);
    }
    expect(tools).toEqual([
      { id: 'c1', name: 'write', status: 'started' },
      { id: 'c1', name: 'write', status: 'finished', ok: true },
    ]);
  });

  it('cancels the turn when a streaming client disconnects', async () => {
    cancelled = undefined;
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'default', messages: [{ role: 'user', content: 'slow' }], stream: true },
      { signal: controller.signal },
    );
    let got = '';
    for await (const chunk of stream) {
      got += chunk.choices[0]?.delta?.content ?? '';
      if (got === 'thinking') {
        controller.abort();
        break;
      }
    }
    expect(got).toBe('thinking');
    await expect.poll(() => cancelled?.aborted, { timeout: 5000 }).toBe(true);
  });

  it('cancels the turn when a non-streaming client disconnects', async () => {
    cancelled = undefined;
    const controller = new AbortController();
    const pending = client.chat.completions.create(
      { model: 'default', messages: [{ role: 'user', content: 'slow' }] },
      { signal: controller.signal },
    );
    await expect.poll(() => cancelled !== undefined, { timeout: 5000 }).toBe(true);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => cancelled?.aborted, { timeout: 5000 }).toBe(true);
    releaseSlow?.();
  });

  it('maps auth failures to the client error classes', async () => {
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'bwk_' + 'A'.repeat(43), maxRetries: 0 });
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
