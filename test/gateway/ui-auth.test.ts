/**
 * The web UI's login and session cookie (L18) against hostile requests, over real HTTP on loopback: a forged or
 * replayed cookie, a change without the CSRF value, a cross-site Origin or Sec-Fetch-Site, a cross-site login, a
 * chat-scope cookie on admin routes, a revoked token, an expired or idle session, logout. Every refusal changes
 * nothing (the scripted runtime ran no turn, no token was made) and is audited with its reason.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServerConfigSchema } from '../../src/config/sections/gateway.js';
import { parsePublicOrigin } from '../../src/config/sections/public-origin.js';
import { UiConfigSchema } from '../../src/config/sections/ui.js';
import { tokenRouteGroup } from '../../src/gateway/admin/token-routes.js';
import { UI_CSP } from '../../src/gateway/security-headers.js';
import { createWebUi, loadUiAssets, type WebUi } from '../../src/gateway/ui/index.js';
import { PER_TOKEN_SESSIONS } from '../../src/gateway/ui/ui-sessions.js';
import { rawRequest, type RawResponse } from './support-sockets.js';
import { startTestGateway, type TestGateway } from './support.js';

function builtAssets(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-ui-assets-')), 'web');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/ui/app.js"></script>');
  writeFileSync(path.join(dir, 'app.js'), 'export {};\n');
  return dir;
}

interface Login {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

describe('web UI session cookie under hostile requests', () => {
  let gw: TestGateway;
  let ui: WebUi;
  let now: number;
  let origin: string;
  let admin: { token: string; id: string };
  let chat: { token: string; id: string };

  const make = (name: string, scopes: Array<'chat' | 'admin'>): { token: string; id: string } => {
    const r = gw.tokens.create(name, scopes);
    if (!r.ok) throw new Error(r.error.message);
    return { token: r.value.token, id: r.value.id };
  };

  beforeEach(async () => {
    now = Date.parse('2026-12-06T12:00:00Z');
    const assets = loadUiAssets(builtAssets());
    gw = await startTestGateway(undefined, {
      ui: (tokens) => {
        ui = createWebUi({
          config: UiConfigSchema.parse({ sessionHours: 2, idleMinutes: 30 }),
          tokens,
          assets,
          clock: () => now,
        });
        return ui;
      },
      routes: (tokens, bus) => [tokenRouteGroup({ tokens, bus, onRevoked: (id) => ui.sessions.endForToken(id) })],
    });
    origin = gw.url;
    admin = make('ui-admin', ['chat', 'admin']);
    chat = make('ui-chat', ['chat']);
  });

  afterEach(async () => {
    await gw.close();
  });

  const login = async (token: string, headers: Record<string, string> = { origin }): Promise<Login> => {
    const res = await fetch(`${gw.url}/ui/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    const body = (await res.json()) as { csrf: string };
    return { cookie: setCookie.split(';')[0] ?? '', csrf: body.csrf, setCookie };
  };

  const chatPost = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }),
    });

  const errorCode = async (res: Response): Promise<string | null> =>
    ((await res.json()) as { error: { code: string | null } }).error.code;

  const deniedReasons = (): unknown[] =>
    gw
      .audit()
      .filter((a) => a.type === 'auth:denied')
      .map((a) => a.reason);

  it('serves the page at / under the strict UI policy; the API keeps its own', async () => {
    const page = await fetch(`${gw.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(UI_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const script = await fetch(`${gw.url}/ui/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const api = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${chat.token}` } });
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect((await fetch(`${gw.url}/ui/../../etc/passwd`)).status).not.toBe(200);
  });

  it('a login sets an HttpOnly SameSite=Strict expiring cookie (not Secure over plain HTTP) that never holds the token', async () => {
    const { setCookie, cookie, csrf } = await login(admin.token);
    expect(setCookie).toMatch(/^bulwark_ui=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; Max-Age=7200/);
    expect(setCookie).not.toMatch(/Secure/);
    expect(cookie).not.toContain(admin.token);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const who = await fetch(`${gw.url}/ui/session`, { headers: { cookie } });
    expect(await who.json()).toMatchObject({ tokenId: admin.id, scopes: ['chat', 'admin'], csrf });
    expect(JSON.stringify(gw.audit())).not.toContain(admin.token);
  });

  it('over TLS the cookie is Secure and __Host- prefixed', async () => {
    const res = await gw.gateway.app.request(
      `${gw.url}/ui/login`,
      {
        method: 'POST',
        headers: {
          host: new URL(gw.url).host,
          origin: origin.replace('http:', 'https:'),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ token: admin.token }),
      },
      { incoming: { socket: { encrypted: true } } },
    );
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-bulwark_ui=/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
  });

  it('a login from another site, without Origin, as a form, or with a wrong token sets no cookie', async () => {
    const attempts: Array<[Record<string, string>, string, number]> = [
      [
        { origin: 'http://evil.example', 'content-type': 'application/json' },
        JSON.stringify({ token: admin.token }),
        403,
      ],
      [
        { 'sec-fetch-site': 'cross-site', origin, 'content-type': 'application/json' },
        JSON.stringify({ token: admin.token }),
        403,
      ],
      [{ 'content-type': 'application/json' }, JSON.stringify({ token: admin.token }), 403],
      [{ origin: 'null', 'content-type': 'text/plain' }, `{"token":"${admin.token}","x":"="}`, 403],
      [{ origin, 'content-type': 'application/x-www-form-urlencoded' }, `token=${admin.token}`, 415],
      [{ origin, 'content-type': 'application/json' }, JSON.stringify({ token: 'bwk_' + 'A'.repeat(40) }), 401],
      [{ origin, 'content-type': 'application/json' }, JSON.stringify({ token: admin.token, extra: 1 }), 400],
    ];
    for (const [headers, body, status] of attempts) {
      const res = await fetch(`${gw.url}/ui/login`, { method: 'POST', headers, body });
      expect(res.status, JSON.stringify(headers)).toBe(status);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(ui.sessions.size).toBe(0);
    expect(deniedReasons()).toEqual(expect.arrayContaining(['ui_login_cross_site', 'ui_login_bad_request']));
  });

  it('a forged, tampered or ended cookie authenticates nothing and is cleared', async () => {
    const { cookie } = await login(admin.token);
    const value = cookie.split('=')[1] ?? '';
    const tampered = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    const forged = ['A'.repeat(43), tampered, 'x', "';drop", 'A'.repeat(5000), admin.token];
    for (const v of forged) {
      const res = await fetch(`${gw.url}/v1/models`, { headers: { cookie: `bulwark_ui=${v}` } });
      expect(res.status, v.slice(0, 20)).toBe(401);
      expect(res.headers.get('set-cookie') ?? '').toMatch(/^bulwark_ui=; Max-Age=0/);
    }
    // The secure name over plain HTTP is not this site's cookie: no session, the bearer check answers.
    expect((await fetch(`${gw.url}/v1/models`, { headers: { cookie: `__Host-bulwark_ui=${value}` } })).status).toBe(
      401,
    );
    expect(deniedReasons()).toContain('ui_session_unknown');
    // The real one still works.
    expect((await fetch(`${gw.url}/v1/models`, { headers: { cookie } })).status).toBe(200);
  });

  it('a change with the cookie needs the CSRF value: missing, empty, wrong or another session’s are refused', async () => {
    const a = await login(admin.token);
    const b = await login(chat.token);
    for (const csrf of [undefined, '', 'x'.repeat(43), b.csrf, 'y'.repeat(300)]) {
      const res = await chatPost({
        cookie: a.cookie,
        origin,
        ...(csrf !== undefined ? { 'x-bulwark-csrf': csrf } : {}),
      });
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('csrf_failed');
    }
    expect(gw.runtime.requests).toHaveLength(0);
    expect(deniedReasons()).toContain('ui_csrf');
    const ok = await chatPost({ cookie: a.cookie, origin, 'x-bulwark-csrf': a.csrf });
    expect(ok.status).toBe(200);
    expect(gw.runtime.requests).toHaveLength(1);
    // Reads need no CSRF value.
    expect((await fetch(`${gw.url}/v1/models`, { headers: { cookie: a.cookie } })).status).toBe(200);
  });

  it('a change with the cookie from another site is refused even with the right CSRF value', async () => {
    const a = await login(admin.token);
    const hostile: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: origin.replace('127.0.0.1', 'localhost') },
      {},
      { origin, 'sec-fetch-site': 'cross-site' },
      { origin, 'sec-fetch-site': 'same-site' },
      { origin, 'sec-fetch-site': 'none' },
    ];
    for (const h of hostile) {
      const res = await chatPost({ cookie: a.cookie, 'x-bulwark-csrf': a.csrf, ...h });
      expect(res.status, JSON.stringify(h)).toBe(403);
      // A foreign Origin on loopback is already refused by the Host/Origin check (DNS rebinding), before L18.
      expect(['cross_site', 'foreign_origin']).toContain(await errorCode(res));
    }
    expect(gw.runtime.requests).toHaveLength(0);
    expect(deniedReasons()).toContain('ui_cross_site');
  });

  it('a bearer header takes precedence: a bad token next to a good cookie is refused', async () => {
    const a = await login(admin.token);
    const res = await fetch(`${gw.url}/v1/models`, { headers: { cookie: a.cookie, authorization: 'Bearer bwk_nope' } });
    expect(res.status).toBe(401);
  });

  it("a cookie carries its token's scopes: a chat login reaches no admin route", async () => {
    const c = await login(chat.token);
    expect((await fetch(`${gw.url}/v1/tokens`, { headers: { cookie: c.cookie } })).status).toBe(403);
    const made = await fetch(`${gw.url}/v1/tokens`, {
      method: 'POST',
      headers: { cookie: c.cookie, origin, 'x-bulwark-csrf': c.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sneaky', scopes: ['admin'] }),
    });
    expect(made.status).toBe(403);
    expect(gw.tokens.list().map((t) => t.name)).not.toContain('sneaky');
    const a = await login(admin.token);
    expect((await fetch(`${gw.url}/v1/tokens`, { headers: { cookie: a.cookie } })).status).toBe(200);
  });

  it("one token logging in again and again ends only its own oldest sessions, never another token's", async () => {
    const a = await login(admin.token);
    const chats: Login[] = [];
    for (let i = 0; i < PER_TOKEN_SESSIONS + 4; i++) chats.push(await login(chat.token));
    expect((await fetch(`${gw.url}/v1/tokens`, { headers: { cookie: a.cookie } })).status).toBe(200);
    const alive = [];
    for (const c of chats) alive.push((await fetch(`${gw.url}/v1/models`, { headers: { cookie: c.cookie } })).status);
    expect(alive.filter((st) => st === 200)).toHaveLength(PER_TOKEN_SESSIONS);
    expect(alive.slice(0, 4)).toEqual([401, 401, 401, 401]);
  });

  it("only the owner may revoke the owner's token", async () => {
    const made = gw.tokens.create('ui-owner', ['chat', 'admin'], { owner: true });
    if (!made.ok) throw new Error(made.error.message);
    const a = await login(admin.token);
    const post = (cookie: Login) =>
      fetch(`${gw.url}/v1/tokens/${made.value.id}/revoke`, {
        method: 'POST',
        headers: { cookie: cookie.cookie, origin, 'x-bulwark-csrf': cookie.csrf },
      });
    const refused = await post(a);
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('not_owner');
    expect(gw.tokens.list().find((t) => t.id === made.value.id)?.revokedAt).toBeNull();
    expect((await post(await login(made.value.token))).status).toBe(200);
  });

  it('revoking the token ends its UI sessions, over the API and from the CLI alike', async () => {
    const a = await login(admin.token);
    const c1 = await login(chat.token);
    const c2 = await login(chat.token);
    const revoke = await fetch(`${gw.url}/v1/tokens/${chat.id}/revoke`, {
      method: 'POST',
      headers: { cookie: a.cookie, origin, 'x-bulwark-csrf': a.csrf },
    });
    expect(revoke.status).toBe(200);
    for (const c of [c1, c2]) {
      const res = await fetch(`${gw.url}/v1/models`, { headers: { cookie: c.cookie } });
      expect(res.status).toBe(401);
    }
    // The CLI revokes in the database only: the next use of the cookie sees it.
    const other = make('ui-other', ['chat']);
    const o = await login(other.token);
    expect(gw.tokens.revoke(other.id).ok).toBe(true);
    const res = await fetch(`${gw.url}/v1/models`, { headers: { cookie: o.cookie } });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('token_revoked');
    expect(deniedReasons()).toContain('ui_token_revoked');
  });

  it('a session ends after its lifetime and after its idle limit', async () => {
    const a = await login(admin.token);
    now += 29 * 60_000;
    expect((await fetch(`${gw.url}/v1/models`, { headers: { cookie: a.cookie } })).status).toBe(200);
    now += 31 * 60_000;
    const idle = await fetch(`${gw.url}/v1/models`, { headers: { cookie: a.cookie } });
    expect(idle.status).toBe(401);
    expect(await errorCode(idle)).toBe('session_idle');

    const b = await login(admin.token);
    for (let i = 0; i < 4; i++) {
      now += 25 * 60_000;
      expect((await fetch(`${gw.url}/v1/models`, { headers: { cookie: b.cookie } })).status).toBe(200);
    }
    now += 25 * 60_000;
    const expired = await fetch(`${gw.url}/v1/models`, { headers: { cookie: b.cookie } });
    expect(expired.status).toBe(401);
    expect(await errorCode(expired)).toBe('session_expired');
  });

  it('logout needs the CSRF value, clears the cookie and the session is gone for a replay', async () => {
    const a = await login(admin.token);
    const noCsrf = await fetch(`${gw.url}/ui/logout`, { method: 'POST', headers: { cookie: a.cookie, origin } });
    expect(noCsrf.status).toBe(403);
    expect((await fetch(`${gw.url}/v1/models`, { headers: { cookie: a.cookie } })).status).toBe(200);
    const out = await fetch(`${gw.url}/ui/logout`, {
      method: 'POST',
      headers: { cookie: a.cookie, origin, 'x-bulwark-csrf': a.csrf },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie') ?? '').toMatch(/^bulwark_ui=; Max-Age=0/);
    expect((await fetch(`${gw.url}/v1/models`, { headers: { cookie: a.cookie } })).status).toBe(401);
    expect((await fetch(`${gw.url}/ui/session`, { headers: { cookie: a.cookie } })).status).toBe(401);
    expect(ui.sessions.size).toBe(0);
  });
});

describe('web UI not built', () => {
  it('answers 503 at / naming the command that builds it; the API still works', async () => {
    const gw = await startTestGateway(undefined, {
      ui: (tokens) =>
        createWebUi({
          config: UiConfigSchema.parse({}),
          tokens,
          assets: loadUiAssets(path.join(tmpdir(), 'bulwark-no-such-ui-dir')),
        }),
    });
    try {
      const res = await fetch(`${gw.url}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
      const token = gw.token(['chat']);
      expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('behind a TLS-terminating reverse proxy (server.publicOrigin)', () => {
  const PUBLIC = 'https://bulwark.example.com';

  it('accepts the proxy origin in Host and Origin, makes the cookie Secure, and still refuses other sites', async () => {
    const parsed = parsePublicOrigin(PUBLIC);
    if (!parsed.ok) throw new Error(parsed.error);
    const assets = loadUiAssets(builtAssets());
    let ui: WebUi | undefined;
    const gw = await startTestGateway(undefined, {
      publicOrigin: parsed.value,
      ui: (tokens) => {
        ui = createWebUi({ config: UiConfigSchema.parse({}), tokens, assets, publicOrigin: parsed.value });
        return ui;
      },
    });
    try {
      const made = gw.tokens.create('proxy-admin', ['chat', 'admin']);
      if (!made.ok) throw new Error(made.error.message);
      const loginVia = (headers: Record<string, string>): Promise<RawResponse> =>
        rawRequest(gw.url, {
          path: '/ui/login',
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ token: made.value.token }),
        });

      // As the proxy forwards it: Host is the public name (with or without :443), Origin the public origin.
      for (const host of ['bulwark.example.com', 'bulwark.example.com:443', 'BULWARK.example.com']) {
        const res = await loginVia({ host, origin: PUBLIC });
        expect(res.status, host).toBe(200);
        expect(String(res.headers['set-cookie'])).toMatch(/^__Host-bulwark_ui=[A-Za-z0-9_-]{43};.*; Secure/);
      }
      // The public name on another port, or another scheme of it, is not the proxy.
      expect((await loginVia({ host: 'bulwark.example.com:8443', origin: PUBLIC })).status).toBe(421);
      expect((await loginVia({ host: 'bulwark.example.com', origin: 'http://bulwark.example.com' })).status).toBe(403);
      expect((await loginVia({ host: 'bulwark.example.com', origin: 'https://evil.example' })).status).toBe(403);
      // Direct loopback use keeps working, with a plain cookie.
      const direct = await loginVia({ origin: gw.url });
      expect(direct.status).toBe(200);
      expect(String(direct.headers['set-cookie'])).toMatch(/^bulwark_ui=/);
      expect(String(direct.headers['set-cookie'])).not.toMatch(/Secure/);
      // A page on loopback cannot act as the public origin's page: its Origin does not match its Host.
      expect((await loginVia({ host: new URL(gw.url).host, origin: PUBLIC })).status).toBe(403);
    } finally {
      await gw.close();
    }
  });

  it('refuses a value that is not an origin, naming the fix', () => {
    for (const bad of [
      'bulwark.example.com',
      'https://bulwark.example.com/path',
      'https://user:pw@bulwark.example.com',
      'ftp://bulwark.example.com',
      'https://bulwark.example.com?x=1',
      `https://${'a'.repeat(400)}.com`,
    ]) {
      const r = ServerConfigSchema.safeParse({ publicOrigin: bad });
      expect(r.success, bad).toBe(false);
      expect(JSON.stringify(r.error?.issues), bad).toMatch(/server\.publicOrigin/);
    }
    const good = ServerConfigSchema.parse({ publicOrigin: 'https://Bulwark.Example.com:8443/' });
    expect(good.publicOrigin).toEqual({
      origin: 'https://bulwark.example.com:8443',
      authority: 'bulwark.example.com:8443',
      secure: true,
    });
  });
});
