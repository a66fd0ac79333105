/** L18 attacks: every way in without a valid, scoped token in the header is refused and audited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/gateway/auth/token-format.js';
import { expectOpenAIError, startTestGateway, type TestGateway } from './support.js';

let gw: TestGateway;
let chatToken: string;
beforeAll(async () => {
  gw = await startTestGateway();
  chatToken = gw.token(['chat']);
});
afterAll(async () => gw.close());

const body = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }] });
function post(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gw.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

function deniedSince(before: number): Array<Record<string, unknown>> {
  return gw
    .audit()
    .filter((e) => e.type === 'auth:denied')
    .slice(before);
}

describe('L18 bearer auth', () => {
  it('lets /health through without a token', async () => {
    const res = await fetch(gw.url + '/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('accepts the right token with the right scope', async () => {
    const res = await post('/v1/chat/completions', { authorization: `Bearer ${chatToken}` });
    expect(res.status).toBe(200);
    const json = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(json.choices[0]?.message.content).toBe('hello there');
    expect(gw.runtime.requests.at(-1)?.caller).toMatchObject({
      kind: 'token',
      id: expect.stringMatching(/^tok_/),
      owner: false,
    });
  });

  const refusals: Array<{
    name: string;
    path: string;
    headers: () => Record<string, string>;
    status: number;
    reason: string;
    code: string;
  }> = [
    {
      name: 'no token',
      path: '/v1/chat/completions',
      headers: () => ({}),
      status: 401,
      reason: 'missing_token',
      code: 'missing_token',
    },
    {
      name: 'a wrong but well-formed token',
      path: '/v1/chat/completions',
      headers: () => ({ authorization: `Bearer ${generateToken()}` }),
      status: 401,
      reason: 'unknown',
      code: 'invalid_token',
    },
    {
      name: 'a malformed token',
      path: '/v1/chat/completions',
      headers: () => ({ authorization: 'Bearer hunter2' }),
      status: 401,
      reason: 'malformed',
      code: 'invalid_token',
    },
    {
      name: 'the token under Basic',
      path: '/v1/chat/completions',
      headers: () => ({ authorization: `Basic ${Buffer.from(`x:${chatToken}`).toString('base64')}` }),
      status: 401,
      reason: 'bad_scheme',
      code: 'invalid_token',
    },
    {
      name: 'the right token with a suffix',
      path: '/v1/chat/completions',
      headers: () => ({ authorization: `Bearer ${chatToken}x` }),
      status: 401,
      reason: 'malformed',
      code: 'invalid_token',
    },
    {
      name: '?token= in the query',
      path: `/v1/chat/completions?token=${'TOKEN'}`,
      headers: () => ({}),
      status: 400,
      reason: 'token_in_query',
      code: 'token_in_query',
    },
    {
      name: '?access_token= in the query, even with a good header',
      path: '/v1/models?access_token=TOKEN',
      headers: () => ({ authorization: `Bearer ${chatToken}` }),
      status: 400,
      reason: 'token_in_query',
      code: 'token_in_query',
    },
    {
      name: '?api_key= in the query',
      path: '/v1/models?api_key=TOKEN',
      headers: () => ({}),
      status: 400,
      reason: 'token_in_query',
      code: 'token_in_query',
    },
    {
      name: '?API-KEY= in the query (case and dash variants)',
      path: '/v1/models?API-KEY=TOKEN',
      headers: () => ({}),
      status: 400,
      reason: 'token_in_query',
      code: 'token_in_query',
    },
    {
      name: 'a bwk_ token under an innocent query name',
      path: '/v1/models?q=TOKEN',
      headers: () => ({}),
      status: 400,
      reason: 'token_in_query',
      code: 'token_in_query',
    },
    {
      name: 'a token in the query of /health',
      path: '/health?token=TOKEN',
      headers: () => ({}),
      status: 400,
      reason: 'token_in_query',
      code: 'token_in_query',
    },
  ];

  for (const r of refusals) {
    it(`refuses ${r.name} and audits auth:denied`, async () => {
      const before = deniedSince(0).length;
      const path = r.path.replace('TOKEN', encodeURIComponent(chatToken));
      const res =
        path.startsWith('/v1/models') || path.startsWith('/health')
          ? await fetch(gw.url + path, { headers: r.headers() })
          : await post(path, r.headers());
      const e = await expectOpenAIError(res, r.status);
      expect(e.code).toBe(r.code);
      if (r.status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const denied = deniedSince(before);
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ layer: 'L18', reason: r.reason, route: path.split('?')[0] });
      expect(gw.auditText()).not.toContain(chatToken);
    });
  }

  it('refuses a token that lacks the route scope with 403', async () => {
    const adminOnly = gw.token(['admin']);
    const before = deniedSince(0).length;
    const e = await expectOpenAIError(
      await post('/v1/chat/completions', { authorization: `Bearer ${adminOnly}` }),
      403,
    );
    expect(e.code).toBe('missing_scope');
    expect(e.message).toContain('"chat"');
    const denied = deniedSince(before);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ layer: 'L18', reason: 'missing_scope', sender: expect.stringMatching(/^tok_/) });
  });

  it('refuses a revoked token, immediately', async () => {
    const created = gw.tokens.create('to revoke', ['chat']);
    if (!created.ok) throw new Error(created.error.message);
    const auth = { authorization: `Bearer ${created.value.token}` };
    expect((await post('/v1/chat/completions', auth)).status).toBe(200);
    expect(gw.tokens.revoke(created.value.id).ok).toBe(true);
    const before = deniedSince(0).length;
    const e = await expectOpenAIError(await post('/v1/chat/completions', auth), 401);
    expect(e.code).toBe('revoked_token');
    expect(deniedSince(before)[0]).toMatchObject({ reason: 'revoked', sender: created.value.id });
    expect(gw.auditText()).not.toContain(created.value.token);
  });

  it('hides unknown routes behind auth: 401 without a token, 404 with one', async () => {
    await expectOpenAIError(await fetch(gw.url + '/v1/secret-admin-thing'), 401);
    const e = await expectOpenAIError(
      await fetch(gw.url + '/v1/secret-admin-thing', { headers: { authorization: `Bearer ${chatToken}` } }),
      404,
    );
    expect(e.code).toBe('not_found');
  });

  it('does not accept the token in other headers', async () => {
    await expectOpenAIError(await post('/v1/chat/completions', { 'x-api-key': chatToken }), 401);
  });
});
