import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { reply, scriptFrom, startFakeProvider, type FakeProvider } from '../support/fake-provider.js';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const tool = {
  name: 'read',
  description: 'read a file',
  schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

describe('fake provider — OpenAI wire format with the official SDK', () => {
  it('answers non-streaming text and records the request and the API key', async () => {
    fake = await startFakeProvider({ script: scriptFrom([reply.text('hello there')]) });
    const client = new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'sk-test-openai', maxRetries: 0 });
    const out = await client.chat.completions.create({
      model: 'gpt-x',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(out.choices[0]?.message.content).toBe('hello there');
    expect(out.usage?.total_tokens).toBeGreaterThan(0);
    expect(fake.calls).toBe(1);
    expect(fake.requests[0]?.apiKey).toBe('sk-test-openai');
    expect(fake.requests[0]?.system).toBe('be brief');
    expect(fake.requests[0]?.model).toBe('gpt-x');
  });

  it('streams text chunks, tool_call deltas and a usage chunk', async () => {
    fake = await startFakeProvider({
      script: scriptFrom([
        reply.toolCalls([{ name: 'read', arguments: { path: 'a.txt' } }], { chunks: ['Let ', 'me ', 'look.'] }),
      ]),
    });
    const client = new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'k', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'read a.txt' }],
      tools: [
        { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.schema } },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts: string[] = [];
    const args: string[] = [];
    let name = '';
    let id = '';
    let finish: string | null = null;
    let usage = 0;
    let argPieces = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage.completion_tokens;
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) texts.push(choice.delta.content);
      for (const tc of choice.delta.tool_calls ?? []) {
        if (tc.id) id = tc.id;
        if (tc.function?.name) name = tc.function.name;
        if (tc.function?.arguments) {
          args.push(tc.function.arguments);
          argPieces += 1;
        }
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    expect(texts).toEqual(['Let ', 'me ', 'look.']);
    expect(name).toBe('read');
    expect(id).toMatch(/^call_/);
    expect(argPieces).toBeGreaterThan(1);
    expect(JSON.parse(args.join(''))).toEqual({ path: 'a.txt' });
    expect(finish).toBe('tool_calls');
    expect(usage).toBeGreaterThan(0);
    expect(fake.requests[0]?.toolNames).toEqual(['read']);
  });

  it('answers an error status the SDK turns into a typed error', async () => {
    fake = await startFakeProvider({ script: scriptFrom([reply.error(500, 'boom')]) });
    const client = new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'k', maxRetries: 0 });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('fails loudly when the script is exhausted', async () => {
    fake = await startFakeProvider({ script: scriptFrom([]) });
    const client = new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'k', maxRetries: 0 });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toThrow(/exhausted/);
  });

  it('hangs until the client times out', async () => {
    fake = await startFakeProvider({ script: scriptFrom([reply.hang()]) });
    const client = new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'k', maxRetries: 0, timeout: 300 });
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});

describe('fake provider — Anthropic wire format with the official SDK', () => {
  it('answers non-streaming text with tool_use blocks and records the API key', async () => {
    fake = await startFakeProvider({
      script: scriptFrom([reply.toolCalls([{ name: 'read', arguments: { path: 'b' } }], { text: 'ok' })]),
    });
    const client = new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: 'sk-ant-test', maxRetries: 0 });
    const msg = await client.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      system: 'sys',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        {
          name: tool.name,
          description: tool.description,
          input_schema: { type: 'object', properties: tool.schema.properties },
        },
      ],
    });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'ok' });
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'read', input: { path: 'b' } });
    expect(fake.requests[0]?.apiKey).toBe('sk-ant-test');
    expect(fake.requests[0]?.system).toBe('sys');
    expect(fake.requests[0]?.toolNames).toEqual(['read']);
  });

  it('streams message_start, text and input_json deltas, message_delta and message_stop', async () => {
    fake = await startFakeProvider({
      script: scriptFrom([reply.toolCalls([{ name: 'read', arguments: { path: 'c.txt' } }], { chunks: ['a', 'b'] })]),
    });
    const client = new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: 'k', maxRetries: 0 });
    const stream = await client.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const types: string[] = [];
    const text: string[] = [];
    const json: string[] = [];
    let stop: string | null = null;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text.push(ev.delta.text);
      if (ev.type === 'content_block_delta' && ev.delta.type === 'input_json_delta') json.push(ev.delta.partial_json);
      if (ev.type === 'message_delta') stop = ev.delta.stop_reason;
    }
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(text).toEqual(['a', 'b']);
    expect(json.length).toBe(2);
    expect(JSON.parse(json.join(''))).toEqual({ path: 'c.txt' });
    expect(stop).toBe('tool_use');
  });

  it('the SDK message stream helper assembles the final message', async () => {
    fake = await startFakeProvider({ script: scriptFrom([reply.text('final words')]) });
    const client = new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: 'k', maxRetries: 0 });
    const final = await client.messages
      .stream({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'final words' });
    expect(final.stop_reason).toBe('end_turn');
  });

  it('answers 401 as an authentication error', async () => {
    fake = await startFakeProvider({ script: () => reply.error(401, 'bad key') });
    const client = new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: 'k', maxRetries: 0 });
    await expect(
      client.messages.create({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});
