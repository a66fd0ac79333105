import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../src/core/result.js';
import { createProvider } from '../../src/agent/providers/factory.js';
import { ProviderError } from '../../src/agent/providers/provider-error.js';
import type { ChatMessage, ModelRequest, ProviderEvent, ToolSpec } from '../../src/agent/types.js';
import {
  reply,
  scriptFrom,
  startFakeProvider,
  type FakeProvider,
  type FakeScript,
  type WireFormat,
} from '../support/fake-provider.js';
import { FAKE_KEY_VALUE, resolveSecret } from './helpers.js';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const readSpec: ToolSpec = {
  name: 'read',
  description: 'read a file',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

async function start(format: WireFormat, script: FakeScript, timeoutMs = 5000) {
  fake = await startFakeProvider({ script });
  const provider = createProvider(
    'fake',
    {
      type: format,
      baseUrl: format === 'openai' ? fake.openaiBaseUrl : fake.anthropicBaseUrl,
      apiKey: { secret: 'FAKE_KEY' },
      timeoutMs,
    },
    resolveSecret,
  );
  return { fake, provider };
}

function request(messages: ChatMessage[], extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: 'm',
    system: 'sys prompt',
    messages,
    tools: [readSpec],
    maxTokens: 256,
    signal: new AbortController().signal,
    ...extra,
  };
}

async function drain(it: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const out: ProviderEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function failure(it: AsyncIterable<ProviderEvent>): Promise<ProviderError> {
  try {
    await drain(it);
  } catch (e) {
    if (e instanceof ProviderError) return e;
    throw e;
  }
  throw new Error('expected the stream to fail');
}

describe.each(['openai', 'anthropic'] as const)('%s adapter against the fake provider', (format) => {
  it('streams text deltas, usage and an end stop; sends the key, system prompt and tools', async () => {
    const { provider, fake } = await start(format, scriptFrom([reply.text('', { chunks: ['Hel', 'lo', '!'] })]));
    const events = await drain(provider.stream(request([{ role: 'user', content: 'hi' }])));
    expect(events.filter((e) => e.type === 'text_delta').map((e) => (e.type === 'text_delta' ? e.text : ''))).toEqual([
      'Hel',
      'lo',
      '!',
    ]);
    expect(events.some((e) => e.type === 'usage' && e.outputTokens > 0)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'stop', reason: 'end' });
    const req = fake.requests[0];
    expect(req?.stream).toBe(true);
    expect(req?.apiKey).toBe(FAKE_KEY_VALUE);
    expect(req?.system).toBe('sys prompt');
    expect(req?.toolNames).toEqual(['read']);
    expect(req?.model).toBe('m');
  });

  it('assembles streamed tool calls and maps the tool history back to the wire format', async () => {
    const { provider, fake } = await start(
      format,
      scriptFrom([
        reply.toolCalls([
          { name: 'read', arguments: { path: 'a.txt' } },
          { name: 'read', arguments: { path: 'b.txt' } },
        ]),
        reply.text('done'),
      ]),
    );
    const first = await drain(provider.stream(request([{ role: 'user', content: 'read both' }])));
    const calls = first.flatMap((e) => (e.type === 'tool_call' ? [e.call] : []));
    expect(calls.map((c) => JSON.parse(c.arguments))).toEqual([{ path: 'a.txt' }, { path: 'b.txt' }]);
    expect(calls.every((c) => c.name === 'read' && c.id.length > 0)).toBe(true);
    expect(first.at(-1)).toEqual({ type: 'stop', reason: 'tool_use' });

    const history: ChatMessage[] = [
      { role: 'user', content: 'read both' },
      { role: 'assistant', content: '', toolCalls: calls },
      { role: 'tool', toolCallId: calls[0]!.id, name: 'read', content: 'A' },
      { role: 'tool', toolCallId: calls[1]!.id, name: 'read', content: 'no such file', isError: true },
    ];
    const second = await drain(provider.stream(request(history)));
    expect(second.at(-1)).toEqual({ type: 'stop', reason: 'end' });
    const wire = JSON.stringify(fake.requests[1]?.messages);
    expect(wire).toContain(calls[0]!.id);
    expect(wire).toContain(calls[1]!.id);
    if (format === 'anthropic') {
      // Both results travel in one user turn of tool_result blocks.
      const msgs = fake.requests[1]!.messages;
      expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(wire).toContain('"is_error":true');
    } else {
      expect(fake.requests[1]!.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    }
  });

  it('passes invalid tool-call JSON through verbatim for the turn loop to refuse', async () => {
    const { provider } = await start(
      format,
      scriptFrom([reply.toolCalls([{ name: 'read', arguments: '{"path": "a.txt"' }])]),
    );
    const events = await drain(provider.stream(request([{ role: 'user', content: 'x' }])));
    const call = events.find((e) => e.type === 'tool_call');
    expect(call?.type === 'tool_call' && call.call.arguments).toBe('{"path": "a.txt"');
  });

  it('maps a 500 to an unavailable ProviderError', async () => {
    const { provider } = await start(format, () => reply.error(500, 'upstream exploded'));
    const e = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(e.code).toBe('unavailable');
    expect(e.toBulwarkError().code).toBe('provider.unavailable');
  });

  it('maps 401 to auth and 429 to rate_limit without ever echoing the key', async () => {
    const { provider } = await start(
      format,
      scriptFrom([
        reply.error(401, `Incorrect API key provided: ${FAKE_KEY_VALUE}`),
        reply.error(429, `slow down ${FAKE_KEY_VALUE}`),
      ]),
    );
    const auth = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    const rate = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(auth.code).toBe('auth');
    expect(rate.code).toBe('rate_limit');
    for (const e of [auth, rate]) {
      expect(e.message).not.toContain(FAKE_KEY_VALUE);
      expect(e.message).not.toContain('0123456789abcdef');
      expect(JSON.stringify(e.toBulwarkError())).not.toContain(FAKE_KEY_VALUE);
    }
  });

  it('times out a hanging provider with a timeout ProviderError', async () => {
    const { provider } = await start(format, () => reply.hang(), 1000);
    const e = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(e.code).toBe('timeout');
  });

  it('times out a stream that stalls midway', async () => {
    const { provider } = await start(format, () => reply.text('abcdefghi', { hangAfterFirstChunk: true }), 1000);
    const e = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(e.code).toBe('timeout');
  });

  it('a slow but steady stream is not cut off: the timeout counts silence, not total time', async () => {
    const { provider } = await start(
      format,
      () => reply.text('', { chunks: ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 300 }),
      1000,
    );
    const events = await drain(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(events.map((e) => (e.type === 'text_delta' ? e.text : '')).join('')).toBe('abcde');
  });

  it('respects the caller AbortSignal', async () => {
    const { provider } = await start(format, () => reply.hang());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const e = await failure(provider.stream(request([{ role: 'user', content: 'x' }], { signal: controller.signal })));
    expect(e.code).toBe('cancelled');
  });

  it('a connection refused is unavailable', async () => {
    const { provider, fake } = await start(format, () => reply.text('x'));
    await fake.close();
    const e = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(e.code).toBe('unavailable');
  });

  it('a missing secret fails before any request is sent and names the secret', async () => {
    fake = await startFakeProvider({ script: () => reply.text('x') });
    const provider = createProvider(
      'fake',
      {
        type: format,
        baseUrl: format === 'openai' ? fake.openaiBaseUrl : fake.anthropicBaseUrl,
        apiKey: { secret: 'MISSING_KEY' },
        timeoutMs: 5000,
      },
      resolveSecret,
    );
    const e = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(e.code).toBe('auth');
    expect(e.message).toContain('MISSING_KEY');
    expect(fake.calls).toBe(0);
  });
});

describe('provider specifics', () => {
  it('an OpenAI-compatible provider without apiKey (e.g. Ollama) works', async () => {
    fake = await startFakeProvider({ script: () => reply.text('local') });
    const provider = createProvider('ollama', { type: 'openai', baseUrl: fake.openaiBaseUrl, timeoutMs: 5000 }, () =>
      ok('unused'),
    );
    const events = await drain(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(events.some((e) => e.type === 'text_delta' && e.text.length > 0)).toBe(true);
    expect(fake.requests[0]?.body.max_tokens).toBe(256);
  });

  it('an Anthropic provider without apiKey says how to configure one', async () => {
    fake = await startFakeProvider({ script: () => reply.text('x') });
    const provider = createProvider(
      'claude',
      { type: 'anthropic', baseUrl: fake.anthropicBaseUrl, timeoutMs: 5000 },
      resolveSecret,
    );
    const e = await failure(provider.stream(request([{ role: 'user', content: 'x' }])));
    expect(e.code).toBe('not_configured');
    expect(e.message).toMatch(/apiKey: \{ secret: ANTHROPIC_API_KEY \}/);
    expect(fake.calls).toBe(0);
  });
});
