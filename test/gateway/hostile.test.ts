/** Hostile HTTP input: every malformed, oversized or odd request gets a clear error and the server stays up. */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulwarkError } from '../../src/core/errors.js';
import { expectOpenAIError, replyWith, startTestGateway, type Script, type TestGateway } from './support.js';

const script: Script = (req) => {
  const last = req.messages.at(-1)?.content ?? '';
  if (last === 'no provider') {
    return (async function* () {
      yield {
        type: 'error' as const,
        error: bulwarkError(
          'agent.no_provider',
          'agent "default" has no provider: set agents[0].provider in config.yaml',
          { status: 503 },
        ),
      };
    })();
  }
  if (last === 'rate limited') {
    return (async function* () {
      yield {
        type: 'error' as const,
        error: bulwarkError(
          'input.rate_limited',
          'Too many suspected prompt injections from this sender; retry in 5 s.',
          { status: 429, layer: 'L05', details: { retryAfterMs: 4200 } },
        ),
      };
    })();
  }
  if (last === 'internal') {
    return (async function* () {
      yield { type: 'error' as const, error: bulwarkError('db.corrupt', 'SQLITE_CORRUPT at /secret/path/bulwark.db') };
    })();
  }
  if (last === 'throws') {
    return (async function* () {
      yield { type: 'session' as const, sessionId: 's1' };
      throw new Error('boom at /very/secret/place');
    })();
  }
  if (last === 'mid-stream error') {
    return (async function* () {
      yield { type: 'session' as const, sessionId: 's1' };
      yield { type: 'text_delta' as const, text: 'partial' };
      yield {
        type: 'error' as const,
        error: bulwarkError('provider.down', 'the provider answered 529 overloaded; try again later', { status: 502 }),
      };
    })();
  }
  return replyWith('ok');
};

let gw: TestGateway;
let auth: Record<string, string>;
const LIMIT = 64 * 1024;
beforeAll(async () => {
  gw = await startTestGateway(script, { bodyLimitBytes: LIMIT });
  auth = { authorization: `Bearer ${gw.token(['chat'])}` };
});
afterAll(async () => gw.close());

function post(
  body: string | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Response> {
  return fetch(gw.url + '/v1/chat/completions', { method: 'POST', headers: { ...auth, ...headers }, body });
}
const chat = (content: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'default', messages: [{ role: 'user', content }], ...extra });

async function stillUp(): Promise<void> {
  const res = await post(chat('still there?'));
  expect(res.status).toBe(200);
}

describe('hostile requests', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    for (const bad of ['{', '{"model": "default", "messages": [', 'null x', '\u0000', '']) {
      const e = await expectOpenAIError(await post(bad), 400);
      expect(e.code).toBe('invalid_json');
    }
    await stillUp();
  });

  it('invalid UTF-8 → 400', async () => {
    await expectOpenAIError(await post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400);
  });

  it('wrong types → 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      [JSON.stringify({ model: 42, messages: [] }), 'model'],
      [JSON.stringify({ model: 'default', messages: 'hi' }), 'messages'],
      [JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 7 }] }), 'messages[0].content'],
      [JSON.stringify({ model: 'default', messages: [{ role: 'wizard', content: 'x' }] }), 'messages[0].role'],
      [chat('x', { stream: 'yes' }), 'stream'],
      [JSON.stringify({ model: 'default', messages: [] }), 'messages'],
      [JSON.stringify([1, 2]), ''],
    ];
    for (const [body, field] of cases) {
      const e = await expectOpenAIError(await post(body), 400);
      if (field) {
        expect(e.param).toBe(field);
        expect(e.message).toContain(field);
      }
    }
  });

  it('tool messages, n > 1, client tools and trailing assistant messages are refused saying what to do instead', async () => {
    const n = await expectOpenAIError(
      await post(JSON.stringify({ model: 'default', n: 3, messages: [{ role: 'user', content: 'hi' }] })),
      400,
    );
    expect(n).toMatchObject({ param: 'n', code: 'unsupported_parameter' });
    expect(n.message).toContain('send 3 separate requests');
    const tools = await expectOpenAIError(
      await post(
        JSON.stringify({
          model: 'default',
          tools: [{ type: 'function', function: { name: 'x', parameters: {} } }],
          messages: [{ role: 'user', content: 'hi' }],
        }),
      ),
      400,
    );
    expect(tools).toMatchObject({ param: 'tools', code: 'unsupported_parameter' });
    expect(tools.message).toContain('agents[].tools');
    await expectOpenAIError(
      await post(JSON.stringify({ model: 'default', messages: [{ role: 'tool', content: 'x' }] })),
      400,
    );
    await expectOpenAIError(
      await post(
        JSON.stringify({
          model: 'default',
          messages: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'b' },
          ],
        }),
      ),
      400,
    );
  });

  it('a 10 MB body is refused with 413 while reading, and the server stays up', async () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x20);
    const e = await expectOpenAIError(await post(big), 413);
    expect(e.message).toContain('bodyLimitBytes');
    await stillUp();
  });

  it('a chunked 10 MB body without Content-Length is cut off at the limit too', async () => {
    const url = new URL(gw.url + '/v1/chat/completions');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (error) => reject(error));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    await stillUp();
  });

  it('wrong content type → 415', async () => {
    const e = await expectOpenAIError(await post(chat('hi'), { 'content-type': 'text/plain' }), 415);
    expect(e.code).toBe('unsupported_media_type');
    await expectOpenAIError(await post(chat('hi'), {}), 415);
  });

  it('unknown model → 404 model_not_found', async () => {
    const e = await expectOpenAIError(
      await post(JSON.stringify({ model: '../../etc/passwd', messages: [{ role: 'user', content: 'x' }] })),
      404,
    );
    expect(e.code).toBe('model_not_found');
    expect(e.param).toBe('model');
  });

  it('wrong method → 405 with Allow', async () => {
    const res = await fetch(gw.url + '/v1/chat/completions', { headers: auth });
    await expectOpenAIError(res, 405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await fetch(gw.url + '/v1/models', { method: 'DELETE', headers: auth })).status).toBe(405);
  });

  it('an invalid session header → 400', async () => {
    await expectOpenAIError(
      await post(chat('hi'), { 'content-type': 'application/json', 'x-bulwark-session': '../../x' }),
      400,
    );
  });

  it('agent errors keep their status and message: 503 when the agent has no provider', async () => {
    const e = await expectOpenAIError(await post(chat('no provider')), 503);
    expect(e.message).toContain('agents[0].provider');
  });

  it('a 429 from the agent carries Retry-After', async () => {
    const res = await post(chat('rate limited'));
    const e = await expectOpenAIError(res, 429);
    expect(e.type).toBe('rate_limit_error');
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('500s carry no internals, and a runtime that throws does not take the server down', async () => {
    const e = await expectOpenAIError(await post(chat('internal')), 500);
    expect(e.message).not.toContain('/secret/path');
    expect(e.message).toMatch(/trace [0-9a-f]{32}/);
    const t = await expectOpenAIError(await post(chat('throws')), 500);
    expect(t.message).not.toContain('secret');
    await stillUp();
  });

  it('an error in the middle of a stream arrives as an OpenAI error data line', async () => {
    const res = await post(chat('mid-stream error', { stream: true }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content":"partial"');
    expect(text).toContain('"error":{"message":"the provider answered 529 overloaded');
    expect(text).not.toContain('[DONE]');
  });

  it('every answer carries the security headers', async () => {
    for (const res of [await fetch(gw.url + '/health'), await fetch(gw.url + '/v1/models'), await post(chat('hi'))]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      await res.arrayBuffer();
    }
  });
});

describe('refused requests are audited', () => {
  it('malformed JSON, an unknown route, a wrong method and a 10 MB body each leave one security:request_rejected line', async () => {
    const before = gw.audit().filter((l) => l['type'] === 'security:request_rejected').length;
    expect((await post('{"model":')).status).toBe(400);
    expect((await fetch(gw.url + '/v1/nope', { headers: auth })).status).toBe(404);
    expect((await fetch(gw.url + '/v1/chat/completions', { headers: auth })).status).toBe(405);
    expect((await post(new Uint8Array(10 * 1024 * 1024))).status).toBe(413);
    const rejected = gw
      .audit()
      .filter((l) => l['type'] === 'security:request_rejected')
      .slice(before);
    expect(rejected.map((l) => l['status'])).toEqual([400, 404, 405, 413]);
    expect(rejected.every((l) => typeof l['traceId'] === 'string' && l['path'] !== undefined)).toBe(true);
  });
});
