/**
 * What reaches each provider of a client's OpenAI request, through a real daemon and the official `openai` SDK: an
 * Anthropic agent gets only what the Messages API takes (temperature 0–1, temperature or top_p, no seed or
 * penalties) and the response names every change; an OpenAI agent gets it all. Parts and fields bulwark cannot act
 * on are refused or named: image parts, the legacy `functions`, tool_choice and user.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply, type FakeRequest } from '../support/fake-provider.js';
import { startE2E, type E2E } from './support.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

async function rig(format: 'openai' | 'anthropic'): Promise<E2E> {
  e = await startE2E(format, () => reply.text('compatible answer'));
  return e;
}

function client(r: E2E): OpenAI {
  return new OpenAI({ baseURL: `${r.daemon.url}/v1`, apiKey: r.token, maxRetries: 0 });
}

function lastRequest(r: E2E): FakeRequest {
  const req = r.fake.requests.at(-1);
  if (!req) throw new Error('the provider was not called');
  return req;
}

/** Everything a client may ask of sampling at once, plus tool fields that choose nothing without client tools. */
const EVERYTHING = {
  model: 'default',
  messages: [{ role: 'user' as const, content: 'hello' }],
  temperature: 1.8,
  top_p: 1,
  seed: 7,
  presence_penalty: 0.5,
  frequency_penalty: 0.2,
  stop: ['END'],
  tool_choice: 'none' as const,
  parallel_tool_calls: false,
  user: 'someone@example.org',
};

describe('an Anthropic agent', () => {
  it('Anthropic: temperature into 0–1, top_p dropped beside it, seed and penalties named as ignored', async () => {
    const r = await rig('anthropic');
    const { data, response } = await client(r).chat.completions.create(EVERYTHING).withResponse();
    expect(data.choices[0]?.message.content).toBe('compatible answer');
    const body = lastRequest(r).body;
    expect(body['temperature']).toBe(1);
    expect(body['stop_sequences']).toEqual(['END']);
    for (const k of ['top_p', 'seed', 'presence_penalty', 'frequency_penalty', 'user', 'tool_choice'])
      expect(body[k], k).toBeUndefined();
    expect(response.headers.get('x-bulwark-clamped')).toBe('temperature=1.8>1, top_p>dropped');
    expect(response.headers.get('x-bulwark-ignored')).toBe(
      'tool_choice, parallel_tool_calls, user, presence_penalty, frequency_penalty, seed',
    );

    // top_p alone is what the client chose: it passes, streamed as LangChain would ask.
    const stream = await client(r).chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'again' }],
      top_p: 0.5,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('compatible answer');
    expect(lastRequest(r).body).toMatchObject({ top_p: 0.5 });
    expect(lastRequest(r).body['temperature']).toBeUndefined();
  });
});

describe('an OpenAI agent', () => {
  // One daemon for both: the second counts provider calls from where the first left off.
  let r: E2E;
  beforeAll(async () => {
    // A second agent on an OpenAI reasoning model, appended to the agents list.
    const reasoner = '  - id: reasoner\n    provider: fake\n    model: o3-mini\n    tools: { profile: coding }';
    r = await startE2E('openai', () => reply.text('compatible answer'), undefined, { extraYaml: reasoner });
  });
  afterAll(async () => {
    await r.close();
  });

  it('OpenAI: the same request passes whole; only the fields bulwark does not act on are named', async () => {
    const { response } = await client(r).chat.completions.create(EVERYTHING).withResponse();
    expect(lastRequest(r).body).toMatchObject({
      temperature: 1.8,
      top_p: 1,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.2,
      stop: ['END'],
    });
    for (const k of ['user', 'tool_choice', 'parallel_tool_calls']) expect(lastRequest(r).body[k], k).toBeUndefined();
    expect(response.headers.get('x-bulwark-clamped')).toBeNull();
    expect(response.headers.get('x-bulwark-ignored')).toBe('tool_choice, parallel_tool_calls, user');
  });

  it('a reasoning model gets no temperature, top_p or penalties, each named; unknown fields are named, hostile names counted', async () => {
    const { response } = await client(r)
      .chat.completions.create(
        { ...EVERYTHING, model: 'reasoner' },
        { body: { ...EVERYTHING, model: 'reasoner', new_field: 1, 'x\u2028y': 2 } },
      )
      .withResponse();
    const body = lastRequest(r).body;
    expect(body['model']).toBe('o3-mini');
    for (const k of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'new_field'])
      expect(body[k], k).toBeUndefined();
    expect(body).toMatchObject({ seed: 7, stop: ['END'] });
    expect(response.headers.get('x-bulwark-ignored')).toBe(
      'tool_choice, parallel_tool_calls, user, new_field, 1 other unknown field, temperature, top_p, presence_penalty, frequency_penalty',
    );
  });

  it('an image part (Open WebUI) is refused naming the part; legacy functions like tools; function_call "none" is named', async () => {
    const calls = r.fake.calls;
    await expect(
      client(r).chat.completions.create({
        model: 'default',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this picture?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'unsupported_content',
      param: 'messages[0].content[1]',
      message: expect.stringMatching(/"image_url".*not supported.*text only, not images/) as unknown,
    });
    // A part without a type says what a part needs, not "Invalid input".
    const untyped = await fetch(`${r.daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${r.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    });
    expect(untyped.status).toBe(400);
    const untypedError = ((await untyped.json()) as { error: { message: string; param: string } }).error;
    expect(untypedError.param).toBe('messages[0].content[0]');
    expect(untypedError.message).toContain('"type"');

    const legacy = {
      model: 'default',
      messages: [{ role: 'user' as const, content: 'hi' }],
      functions: [{ name: 'lookup', parameters: { type: 'object', properties: {} } }],
    };
    await expect(client(r).chat.completions.create(legacy)).rejects.toMatchObject({
      status: 400,
      code: 'unsupported_parameter',
      param: 'functions',
      message: expect.stringContaining('agents[].tools') as unknown,
    });
    await expect(
      client(r).chat.completions.create({
        model: 'default',
        messages: [{ role: 'user', content: 'hi' }],
        function_call: { name: 'lookup' },
      }),
    ).rejects.toMatchObject({ status: 400, param: 'function_call' });
    expect(r.fake.calls).toBe(calls);

    const { response } = await client(r)
      .chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }], function_call: 'none' })
      .withResponse();
    expect(response.headers.get('x-bulwark-ignored')).toBe('function_call');
    expect(r.fake.calls).toBe(calls + 1);
  });
});
