/** The wired daemon enforces L18 and the body limit from config (server.bodyLimitBytes, default 1 MB). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTokenAdmin } from '../../src/daemon.js';
import { generateToken } from '../../src/gateway/auth/token-format.js';
import { reply } from '../support/fake-provider.js';
import { startE2E, type E2E } from './support.js';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E('openai', () => reply.text('fine'));
});
afterAll(async () => e2e.close());

const body = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }] });
const post = (
  headers: Record<string, string>,
  b: string | Uint8Array = body,
  path = '/v1/chat/completions',
): Promise<Response> =>
  fetch(e2e.daemon.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: b,
  });

describe('daemon perimeter', () => {
  it('refuses each bad credential with the OpenAI error shape and one auth:denied line each', async () => {
    const admin = openTokenAdmin(e2e.dir);
    if (!admin.ok) throw new Error(admin.error.message);
    const adminOnly = admin.value.create('admin only', ['admin']);
    const revoked = admin.value.create('revoked', ['chat']);
    if (!adminOnly.ok || !revoked.ok) throw new Error('token creation failed');
    admin.value.revoke(revoked.value.id);
    admin.value.close();

    // Counted before the requests start: reading the log waits for its pending lines, and the requests run meanwhile.
    const before = (await e2e.audit()).filter((a) => a.type === 'auth:denied').length;
    const attempts: Array<[Promise<Response>, number]> = [
      [post({}), 401],
      [post({ authorization: `Bearer ${generateToken()}` }), 401],
      [post({}, body, `/v1/chat/completions?access_token=${e2e.token}`), 400],
      [post({ authorization: `Bearer ${adminOnly.value.token}` }), 403],
      [post({ authorization: `Bearer ${revoked.value.token}` }), 401],
    ];
    for (const [pending, status] of attempts) {
      const res = await pending;
      expect(res.status).toBe(status);
      const json = (await res.json()) as { error: { message: string; type: string } };
      expect(typeof json.error.message).toBe('string');
    }
    const denied = (await e2e.audit()).filter((a) => a.type === 'auth:denied').slice(before);
    expect(denied.map((d) => d.reason).sort()).toEqual([
      'missing_scope',
      'missing_token',
      'revoked',
      'token_in_query',
      'unknown',
    ]);
    expect(denied.every((d) => d.layer === 'L18')).toBe(true);
    const auditText = JSON.stringify(await e2e.audit());
    for (const t of [e2e.token, adminOnly.value.token, revoked.value.token]) expect(auditText).not.toContain(t);

    const ok = await post({ authorization: `Bearer ${e2e.token}` });
    expect(ok.status).toBe(200);
  });

  it('a 10 MB body gets 413 and the daemon keeps serving', async () => {
    const res = await post({ authorization: `Bearer ${e2e.token}` }, new Uint8Array(10 * 1024 * 1024).fill(0x41));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
    expect((await fetch(e2e.daemon.url + '/health')).status).toBe(200);
    expect((await post({ authorization: `Bearer ${e2e.token}` })).status).toBe(200);
  });
});
