import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import path from 'node:path';
import { ok } from '../../src/core/result.js';
import { nodeClient, rig, REAL_KEY, OTHER_VAULT_VALUE, HONEY_VALUE, type Rig } from './harness.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const types = (x: Rig) =>
  x.events.map((e) => e.type).filter((t) => t.startsWith('broker:') && !t.startsWith('broker:session'));

describe('L08 credential broker (real TLS, unix socket, Node client)', () => {
  it('swaps the placeholder for the real key: the upstream gets the key, the client only ever had the placeholder', async () => {
    r = await rig();
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      method: 'POST',
      path: '/v1/messages',
      headers: { 'x-api-key': PLACEHOLDER, 'content-type': 'application/json' },
      body: '{"model":"m"}',
    });
    expect(res).toMatchObject({ connectStatus: 200, status: 200 });
    expect(r.upstream.log).toHaveLength(1);
    expect(r.upstream.log[0]?.headers['x-api-key']).toBe(REAL_KEY);
    expect(JSON.stringify(r.upstream.log[0]?.headers)).not.toContain(PLACEHOLDER);
    expect(r.upstream.log[0]?.body).toBe('{"model":"m"}');
    expect(r.upstream.log[0]?.headers['proxy-authorization']).toBeUndefined();
    const inject = r.events.find((e) => e.type === 'broker:inject');
    expect(inject?.payload).toMatchObject({
      agentId: 'agent-1',
      traceId: 'trace-1',
      host: 'api.test',
      path: '/v1/messages',
      layer: 'L08',
    });
    expect(JSON.stringify(r.events)).not.toContain(REAL_KEY);
    expect(statSync(r.session.socketPath).mode & 0o777).toBe(0o600);
  });

  it('a running broker reports L08 itself, with its bindings and the sessions open now', async () => {
    r = await rig();
    expect(r.broker.name).toBe('broker');
    expect(r.broker.layers()).toEqual([
      {
        id: 'L08',
        state: 'on',
        reason: '3 binding(s), 0 egress host(s) allowed without injection; 1 session(s) open now',
      },
    ]);
    await r.session.close();
    expect(r.broker.layers()[0]?.reason).toMatch(/; 0 session\(s\) open now$/);
  });

  it('query preset replaces the placeholder in place, never appends a second value', async () => {
    r = await rig();
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: `/maps/geo?a=1&key=${PLACEHOLDER}&key=dup&b=2`,
    });
    expect(res.status).toBe(200);
    const url = new URL(r.upstream.log[0]?.url ?? '', 'https://x');
    expect(url.searchParams.getAll('key')).toEqual([REAL_KEY]);
    expect([...url.searchParams.keys()]).toEqual(['a', 'key', 'b']);
  });

  it.each([
    ['no token', undefined],
    ['wrong token', 'bwb_' + '0'.repeat(64)],
  ])('%s → 407, zero upstream requests', async (_name, token) => {
    r = await rig();
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/messages',
    });
    expect(res.connectStatus).toBe(407);
    expect(r.upstream.log).toHaveLength(0);
    expect(r.events.find((e) => e.type === 'broker:deny')?.payload).toMatchObject({ status: 407, rule: 'token' });
  });

  it('a replayed token (from a spawn that has exited) → 407 on a new session, zero upstream requests', async () => {
    r = await rig();
    const old = r.session;
    await old.close();
    const next = await r.broker.openSession({ agentId: 'agent-1' }, `${r.dir}/broker2.sock`);
    if (!next.ok) throw new Error(next.error.message);
    const res = await nodeClient(next.value.socketPath, r.broker.caCertPem, {
      token: old.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/messages',
    });
    expect(res.connectStatus).toBe(407);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('unbound host → 403 at CONNECT; bound host but unbound path or method → 403 inside the tunnel; zero upstream requests', async () => {
    r = await rig();
    const a = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'unbound.test',
      port: r.upstream.port,
      path: '/',
    });
    expect(a.connectStatus).toBe(403);
    const b = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/admin',
    });
    expect(b.status).toBe(403);
    const c = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/../admin',
    });
    expect(c.status).toBe(403);
    const d = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      method: 'DELETE',
      path: '/v1/x',
    });
    expect(d.status).toBe(403);
    const e = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1admin',
    });
    expect(e.status).toBe(403);
    const f = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/%2e%2e%2fadmin',
    });
    expect(f.status).toBe(403);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('missing secret → 502, zero upstream requests, audited without a value', async () => {
    r = await rig();
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/openai/chat',
      headers: { authorization: `Bearer ${PLACEHOLDER}` },
    });
    expect(res.status).toBe(502);
    expect(r.upstream.log).toHaveLength(0);
    expect(r.events.find((e) => e.type === 'broker:deny')?.payload).toMatchObject({
      status: 502,
      rule: 'secret-unavailable',
      secretName: 'OPENAI_API_KEY',
    });
  });

  it('a session limited to onlyHosts reaches those hosts (without a binding) and no other, bound hosts included', async () => {
    r = await rig();
    const limited = await r.broker.openSession({ agentId: 'agent-1' }, `${r.dir}/b4.sock`, {
      onlyHosts: [`unbound.test:${r.upstream.port}`],
    });
    if (!limited.ok) throw new Error(limited.error.message);
    const to = (host: string) =>
      nodeClient(limited.value.socketPath, r!.broker.caCertPem, {
        token: limited.value.token,
        host,
        port: r!.upstream.port,
        path: '/v1/messages',
      });
    expect(await to('api.test')).toMatchObject({ connectStatus: 403 });
    expect(await to('unbound.test')).toMatchObject({ connectStatus: 200, status: 200 });
    expect(r.upstream.log.map((l) => l.headers.host)).toEqual([`unbound.test:${r.upstream.port}`]);
    expect(r.upstream.log[0]?.headers['x-api-key']).toBeUndefined();
  });

  it('a secret outside the agent scope → 502 (the resolver decides per agent)', async () => {
    r = await rig();
    const other = await r.broker.openSession({ agentId: 'agent-2' }, `${r.dir}/b3.sock`);
    if (!other.ok) throw new Error(other.error.message);
    const res = await nodeClient(other.value.socketPath, r.broker.caCertPem, {
      token: other.value.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/messages',
    });
    expect(res.status).toBe(502);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('egress leak check: another vault value in the body is blocked; a honeytoken is an alarm; zero upstream requests', async () => {
    r = await rig();
    const a = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      method: 'POST',
      path: '/v1/messages',
      body: JSON.stringify({ exfil: OTHER_VAULT_VALUE }),
    });
    expect(a.status).toBe(403);
    const b = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: `/v1/x?q=${Buffer.from(HONEY_VALUE).toString('base64')}`,
    });
    expect(b.status).toBe(403);
    expect(r.upstream.log).toHaveLength(0);
    expect(types(r)).toEqual(['broker:blocked_egress', 'broker:honeytoken']);
    expect(r.events.find((e) => e.type === 'broker:blocked_egress')?.payload).toMatchObject({
      secretNames: ['OTHER_SECRET'],
      path: '/v1/messages',
    });
    expect(JSON.stringify(r.events)).not.toContain(OTHER_VAULT_VALUE);
    expect(JSON.stringify(r.events)).not.toContain(HONEY_VALUE);
  });

  it('a vault value in fullwidth letters and digits, percent-encoded in the path or raw in the body, is blocked (R20)', async () => {
    r = await rig();
    const fullwidth = [...OTHER_VAULT_VALUE]
      .map((c) => (/[A-Za-z0-9]/.test(c) ? String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0) : c))
      .join('');
    expect(fullwidth).not.toBe(OTHER_VAULT_VALUE);
    const inPath = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: `/v1/x?q=${encodeURIComponent(fullwidth)}`,
    });
    expect(inPath.status).toBe(403);
    const inBody = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      method: 'POST',
      path: '/v1/messages',
      body: JSON.stringify({ note: fullwidth }),
    });
    expect(inBody.status).toBe(403);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('the upstream certificate is verified for real: an untrusted upstream → 502, no request delivered', async () => {
    r = await rig(undefined, undefined, false);
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/messages',
    });
    expect(res.status).toBe(502);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('a compressed request body (which would hide a secret from the leak check) → 415, zero upstream requests', async () => {
    r = await rig();
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      method: 'POST',
      path: '/v1/messages',
      headers: { 'content-encoding': 'gzip' },
      body: 'xx',
    });
    expect(res.status).toBe(415);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('Host header that differs from the CONNECT target → 403', async () => {
    r = await rig();
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/x',
      headers: { host: 'evil.test' },
    });
    expect(res.status).toBe(403);
    expect(r.upstream.log).toHaveLength(0);
  });

  it('egressAllow passes a host through without injection, still via L10 and the leak check', async () => {
    r = await rig((port) => ({ egressAllow: [`unbound.test:${port}`] }));
    const ok = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'unbound.test',
      port: r.upstream.port,
      path: '/anything',
      headers: { 'x-api-key': PLACEHOLDER },
    });
    expect(ok.status).toBe(200);
    expect(r.upstream.log[0]?.headers['x-api-key']).toBe(PLACEHOLDER);
    expect(types(r)).toEqual(['broker:passthrough']);
    const leak = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'unbound.test',
      port: r.upstream.port,
      method: 'POST',
      path: '/x',
      body: REAL_KEY,
    });
    expect(leak.status).toBe(403);
    expect(r.upstream.log).toHaveLength(1);
  });

  it('status reports sessions, leaves and totals; closing a session revokes it', async () => {
    r = await rig();
    await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/models',
    });
    const s = r.broker.status();
    expect(s.activeSessions).toBe(1);
    expect(s.cachedLeaves).toBe(1);
    expect(s.totals.injected).toBe(1);
    expect(s.caFingerprint256).toMatch(/^[0-9A-F:]+$/);
    await r.session.close();
    expect(r.broker.status().activeSessions).toBe(0);
    expect(r.broker.status().totals.injected).toBe(1);
  });

  it('sandboxEnv gives placeholders, proxy and CA bundle paths; never a real value', async () => {
    r = await rig();
    const env = r.broker.sandboxEnv({
      proxyUrl: 'http://bulwark:t@127.0.0.1:3128',
      caBundlePath: '/etc/bulwark/ca.pem',
    });
    expect(env).toMatchObject({
      ANTHROPIC_API_KEY: PLACEHOLDER,
      OPENAI_API_KEY: PLACEHOLDER,
      HTTPS_PROXY: 'http://bulwark:t@127.0.0.1:3128',
      NODE_EXTRA_CA_CERTS: '/etc/bulwark/ca.pem',
      SSL_CERT_FILE: '/etc/bulwark/ca.pem',
      REQUESTS_CA_BUNDLE: '/etc/bulwark/ca.pem',
      CURL_CA_BUNDLE: '/etc/bulwark/ca.pem',
    });
    expect(JSON.stringify(env)).not.toContain(REAL_KEY);
  });

  it('L08.1 is asked with the header values the client chose, UTF-8 read; not the injected header, token or Host', async () => {
    r = await rig();
    const asked: Array<ReadonlyArray<readonly [string, string]>> = [];
    const opened = await r.broker.openSession(
      { agentId: 'agent-1', traceId: 'trace-2' },
      path.join(r.dir, 'judged.sock'),
      {
        egress: async (_url, _body, headers = []) => {
          asked.push(headers);
          return ok(undefined);
        },
      },
    );
    if (!opened.ok) throw new Error(opened.error.message);
    const res = await nodeClient(opened.value.socketPath, r.broker.caCertPem, {
      token: opened.value.token,
      host: 'api.test',
      port: r.upstream.port,
      path: '/v1/messages',
      // Sent as UTF-8 bytes, as curl sends them (Node's client takes a header value byte by byte, latin1).
      headers: {
        'x-api-key': PLACEHOLDER,
        'x-note': Buffer.from('ｓｋ＿ｌｉｖｅ').toString('latin1'),
        accept: 'text/plain',
      },
    });
    expect(res.status).toBe(200);
    expect(asked).toHaveLength(1);
    const names = (asked[0] ?? []).map(([k]) => k);
    expect(names).toContain('x-note');
    expect(names).toContain('accept');
    expect(names).not.toContain('x-api-key');
    expect(names).not.toContain('host');
    expect(names).not.toContain('proxy-authorization');
    expect(Object.fromEntries(asked[0] ?? [])['x-note']).toBe('ｓｋ＿ｌｉｖｅ');
  });
});
