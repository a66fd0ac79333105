/**
 * The gateway under abuse, over real sockets on loopback: log growth under a flood without tokens, a token holder
 * served through a slow-header flood at the connection cap, a revoked token's refusal audited after the audit
 * allowance is spent by many source addresses, and DNS rebinding refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../../src/config/sections/gateway.js';
import { generateToken } from '../../src/gateway/auth/token-format.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './support.js';
import {
  inBatches,
  logBytes,
  loopbackAgents,
  rawRequest,
  slowHeaderFlood,
  stillOpen,
  type RawResponse,
} from './support-sockets.js';

const open: TestGateway[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const g of open.splice(0)) await g.close();
});

async function gateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const gw = await startTestGateway(undefined, opts);
  open.push(gw);
  return gw;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('log growth under a flood of requests without a valid token', () => {
  it('bulwark.log and audit.jsonl grow by a bounded amount, however many requests come, with paths cut short', async () => {
    const gw = await gateway({ realLogs: {} });
    const agents = loopbackAgents(50);
    const longPath = `/v1/${'x'.repeat(15_000)}`;
    // No token, a random well-formed token, an unknown route, a wrong method: every kind of refusal.
    const send = (i: number): Promise<RawResponse> => {
      const { address, agent } = agents[i % agents.length] as (typeof agents)[number];
      const kind = i % 4;
      return rawRequest(gw.url, {
        path: kind === 2 ? longPath : kind === 3 ? '/health' : `/v1/models?i=${i}`,
        method: kind === 3 ? 'DELETE' : 'GET',
        headers: kind === 1 ? { authorization: `Bearer ${generateToken()}` } : {},
        localAddress: address,
        agent,
      });
    };
    const bytes = (): number => logBytes(gw.dir, 'bulwark.log') + logBytes(gw.dir, 'audit.jsonl');

    const first = await inBatches(2000, 50, send);
    expect(first.every((r) => r.status >= 400)).toBe(true);
    const afterFirst = bytes();
    await inBatches(2000, 50, (i) => send(i + 2000));
    const afterSecond = bytes();
    for (const { agent } of agents) agent.destroy();

    // All of loopback is one client: its first 20 refusals are audited, then it is throttled (429) for the window,
    // so the second half adds nothing. (Before, every request was a log line carrying its path: ~15 MB here.)
    expect(afterFirst).toBeLessThan(32 * 1024);
    expect(afterSecond - afterFirst).toBeLessThan(2 * 1024);
    const audit = gw.auditText();
    expect(audit).not.toContain('x'.repeat(300));
    // Requests without a token are counted in the access log, not logged one by one.
    gw.gateway.accessLog.summarise();
    const log = logLines(gw);
    expect(log.filter((l) => l['msg'] === 'http')).toHaveLength(0);
    const summary = log.find((l) => String(l['msg']).startsWith('http summary'));
    expect(summary).toMatchObject({ unauthenticated: { requests: 4000 } });
    expect(JSON.stringify(summary)).not.toContain('x'.repeat(100));
  });

  it('a request with a valid token still gets its own access line, its path cut to 256 characters', async () => {
    const gw = await gateway({ realLogs: {} });
    const token = gw.token(['chat']);
    const res = await rawRequest(gw.url, {
      path: `/v1/models/${'y'.repeat(5000)}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(404);
    const line = logLines(gw).find((l) => l['msg'] === 'http');
    expect(line).toMatchObject({ status: 404, client: 'loopback' });
    expect(String(line?.['path']).length).toBeLessThan(300);
    expect(String(line?.['path'])).toMatch(/…\(\+\d+ chars\)$/);
    const rejected = gw.audit().find((l) => l['type'] === 'security:request_rejected');
    expect(String(rejected?.['path']).length).toBeLessThan(300);
  });
});

function logLines(gw: TestGateway): Array<Record<string, unknown>> {
  return readText(`${gw.dir}/bulwark.log`)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

describe('connection caps and slow clients', () => {
  it('serves a token holder during a flood of 1,000 slow-header connections at the connection cap', async () => {
    const gw = await gateway({ connections: { max: 1000, perAddress: 1000 } });
    const token = gw.token(['chat']);
    sockets.push(...(await slowHeaderFlood(gw.url, 1000)));
    await waitFor('the flood to fill the cap', () => gw.gateway.connections.open === 1000);

    const res = await rawRequest(gw.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(gw.gateway.connections.open).toBeLessThanOrEqual(1000);
    // Room was made by closing the oldest connection that had sent nothing; the token holder was not refused.
    const counters = gw.gateway.connections.takeCounters();
    expect(counters.evicted).toBeGreaterThanOrEqual(1);
    expect(counters.refused).toBe(0);
    expect(stillOpen(sockets)).toBeLessThan(1000);
  });

  it('counts all of loopback as one address: one client cannot hold more than perAddress connections', async () => {
    const gw = await gateway({ connections: { max: 1000, perAddress: 50 } });
    const token = gw.token(['chat']);
    sockets.push(...(await slowHeaderFlood(gw.url, 120)));
    await waitFor('the per-address cap', () => stillOpen(sockets) <= 50);
    expect(gw.gateway.connections.open).toBeLessThanOrEqual(50);
    const res = await rawRequest(gw.url, {
      path: '/v1/models',
      headers: { authorization: `Bearer ${token}` },
      localAddress: '127.0.0.77',
    });
    expect(res.status).toBe(200);
  });

  it('closes a connection that does not finish its headers in time, and one that trickles a refused body', async () => {
    const gw = await gateway({ timeouts: { headersMs: 500, bodyMs: 5000, keepAliveMs: 5000 } });
    sockets.push(...(await slowHeaderFlood(gw.url, 20)));
    await waitFor('slow connections to be closed', () => stillOpen(sockets) === 0, 5000);

    // A request refused without reading its body: the rest of the body must not keep the connection.
    const s = net.connect({ host: '127.0.0.1', port: gw.server.port });
    sockets.push(s);
    let closed = false;
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.on('close', () => (closed = true));
    await new Promise((r) => s.once('connect', r));
    s.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${gw.server.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":`,
    );
    await waitFor('the refusal and the close', () => closed, 3000);
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
  });
});

describe('refusals of a known token have their own audit allowance', () => {
  it('a revoked token is audited after token-less floods from many loopback addresses spent the allowance', async () => {
    const gw = await gateway({
      authFailures: { ...DEFAULT_AUTH_FAILURE_LIMIT, maxFailures: 20, maxAuditedPerWindow: 10 },
    });
    const agents = loopbackAgents(40);
    const noToken = await inBatches(400, 40, (i) => {
      const { address, agent } = agents[i % agents.length] as (typeof agents)[number];
      return rawRequest(gw.url, { path: '/v1/models', localAddress: address, agent });
    });
    const guessed = await inBatches(400, 40, (i) => {
      const { address, agent } = agents[i % agents.length] as (typeof agents)[number];
      return rawRequest(gw.url, {
        path: '/v1/models',
        headers: { authorization: `Bearer ${generateToken()}` },
        localAddress: address,
        agent,
      });
    });
    for (const { agent } of agents) agent.destroy();
    expect([...noToken, ...guessed].some((r) => r.status === 429)).toBe(true);
    const denied = (): Array<Record<string, unknown>> => gw.audit().filter((l) => l['type'] === 'auth:denied');
    expect(denied().length).toBeLessThanOrEqual(20);

    const victim = gw.tokens.create('stolen laptop', ['chat']);
    if (!victim.ok) throw new Error(victim.error.message);
    expect(gw.tokens.revoke(victim.value.id).ok).toBe(true);
    const before = denied().length;
    // From the same (throttled) loopback address as the flood.
    const res = await rawRequest(gw.url, {
      path: '/v1/models',
      headers: { authorization: `Bearer ${victim.value.token}` },
      localAddress: '127.0.0.2',
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'revoked_token' } });
    expect(denied().slice(before)).toEqual([
      expect.objectContaining({ layer: 'L18', reason: 'revoked', sender: victim.value.id }),
    ]);
  });
});

describe('DNS rebinding (bound to loopback)', () => {
  it('refuses a foreign Host with 421 and a foreign Origin with 403, audited; loopback names pass', async () => {
    const gw = await gateway({ allowedHosts: ['bulwark.internal'] });
    const token = gw.token(['chat']);
    const port = gw.server.port;
    const get = (headers: Record<string, string>): Promise<RawResponse> =>
      rawRequest(gw.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}`, ...headers } });

    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `evil.example.:${port}`]) {
      const r = await get({ host });
      expect(r.status, host).toBe(421);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'misdirected_request' } });
    }
    expect((await rawRequest(gw.url, { path: '/health', headers: { host: `evil.example:${port}` } })).status).toBe(421);
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${port}`,
      'null',
      `http://127.0.0.1:${port + 1}`,
    ]) {
      const r = await get({ origin });
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'foreign_origin' } });
    }
    const odd = await get({ host: `user@127.0.0.1:${port}` });
    expect(odd.status).toBeGreaterThanOrEqual(400);
    for (const host of [
      '127.0.0.1',
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `bulwark.internal:${port}`,
    ])
      expect((await get({ host })).status, host).toBe(200);
    expect((await get({ origin: `http://localhost:${port}` })).status).toBe(200);

    const rejected = gw.audit().filter((l) => l['type'] === 'security:request_rejected');
    expect(rejected.filter((l) => l['reason'] === 'foreign_host')).toHaveLength(5);
    expect(rejected.filter((l) => l['reason'] === 'foreign_origin')).toHaveLength(4);
    expect(rejected.every((l) => l['layer'] === 'L18')).toBe(true);
  });

  it('does not check Host when bound to a non-loopback address (opt-in, insecure)', async () => {
    const gw = await gateway({ bindHost: '0.0.0.0' });
    const token = gw.token(['chat']);
    const r = await rawRequest(gw.url, {
      path: '/v1/models',
      headers: { authorization: `Bearer ${token}`, host: 'bulwark.example.org' },
    });
    expect(r.status).toBe(200);
  });
});
