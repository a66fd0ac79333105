/** The official SDKs, holding only the placeholder, reach a local upstream through the broker (forwarder + HTTPS proxy). */
import { afterEach, describe, expect, it } from 'vitest';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startForwarder } from '../../src/broker/forwarder.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';
import { rig, REAL_KEY, type Rig } from './harness.js';

let r: Rig | undefined;
let fwd: { port: number; close(): Promise<void> } | undefined;
afterEach(async () => {
  await fwd?.close();
  await r?.close();
  r = undefined;
  fwd = undefined;
});

async function proxied(rr: Rig) {
  fwd = await startForwarder({ port: 0, socketPath: rr.session.socketPath });
  const dispatcher = new ProxyAgent({
    uri: `http://127.0.0.1:${fwd.port}`,
    token: `Basic ${Buffer.from(`bulwark:${rr.session.token}`).toString('base64')}`,
    requestTls: { ca: rr.broker.caCertPem, servername: 'api.test' },
  });
  return {
    fetch: undiciFetch as unknown as typeof globalThis.fetch,
    fetchOptions: { dispatcher } as Record<string, unknown>,
  };
}

describe('official SDK clients through the broker', () => {
  it('@anthropic-ai/sdk with apiKey = placeholder: the upstream receives the real x-api-key', async () => {
    r = await rig();
    const p = await proxied(r);
    const client = new Anthropic({
      apiKey: PLACEHOLDER,
      baseURL: `https://api.test:${r.upstream.port}`,
      maxRetries: 0,
      ...p,
    });
    const msg = (await client.messages.create({
      model: 'm',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
    })) as unknown as { ok: boolean; path: string };
    expect(msg).toMatchObject({ ok: true, path: '/v1/messages' });
    expect(r.upstream.log).toHaveLength(1);
    expect(r.upstream.log[0]?.headers['x-api-key']).toBe(REAL_KEY);
  });

  it('openai SDK (bearer preset): the upstream receives Authorization: Bearer <real key>', async () => {
    r = await rig(
      (port) => ({
        bindings: [{ host: `api.test:${port}`, pathPrefix: '/openai', secret: 'OPENAI_API_KEY', preset: 'bearer' }],
      }),
      { OPENAI_API_KEY: 'sk-proj-REAL-openai-key-0123456789' },
    );
    const p = await proxied(r);
    const client = new OpenAI({
      apiKey: PLACEHOLDER,
      baseURL: `https://api.test:${r.upstream.port}/openai`,
      maxRetries: 0,
      ...p,
    });
    await client.models.list().catch((e: unknown) => e);
    expect(r.upstream.log).toHaveLength(1);
    expect(r.upstream.log[0]?.headers.authorization).toBe('Bearer sk-proj-REAL-openai-key-0123456789');
    expect(r.upstream.log[0]?.url).toBe('/openai/models');
  });
});
