/** L18 throttle: a flood of refused requests from one address costs a bounded number of audit lines. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../../src/config/sections/gateway.js';
import { generateToken } from '../../src/gateway/auth/token-format.js';
import { clientKey } from '../../src/gateway/auth/failure-limiter.js';
import { expectOpenAIError, startTestGateway, type TestGateway } from './support.js';

const open: TestGateway[] = [];
afterEach(async () => {
  for (const g of open.splice(0)) await g.close();
});

async function gateway(
  limit: Partial<typeof DEFAULT_AUTH_FAILURE_LIMIT>,
): Promise<{ gw: TestGateway; advance: (ms: number) => void }> {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const gw = await startTestGateway(undefined, {
    authFailures: { ...DEFAULT_AUTH_FAILURE_LIMIT, ...limit },
    clock: () => now,
  });
  open.push(gw);
  return { gw, advance: (ms) => (now += ms) };
}

function models(gw: TestGateway, token?: string): Promise<Response> {
  return fetch(`${gw.url}/v1/models`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

/** Sends `n` requests, `width` at a time; returns the statuses. */
async function flood(n: number, send: () => Promise<Response>, width = 10): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += width) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(width, n - i) }, async () => {
        const res = await send();
        await res.arrayBuffer();
        return res.status;
      }),
    );
    statuses.push(...batch);
  }
  return statuses;
}

describe('L18 throttle on refused requests', () => {
  it('answers 429 after the limit, audits a bounded number of lines, and lets a good token through', async () => {
    const { gw, advance } = await gateway({ maxFailures: 10, windowMs: 60_000 });
    const good = gw.token(['chat']);
    const linesBefore = gw.audit().length;
    const statuses = await flood(200, () => models(gw, generateToken()));
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(190);
    const added = gw.audit().slice(linesBefore);
    expect(added.length).toBeLessThanOrEqual(12);
    expect(added.filter((l) => l['type'] === 'auth:denied')).toHaveLength(10);
    expect(added.filter((l) => l['type'] === 'auth:throttled')).toEqual([
      expect.objectContaining({ layer: 'L18', reason: 'too_many_failures', client: 'loopback', failures: 10 }),
    ]);

    const throttled = await models(gw, generateToken());
    expect(throttled.headers.get('retry-after')).toBe('60');
    const e = await expectOpenAIError(throttled, 429);
    expect(e).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    // No token, a token in the query and a wrong method on /health are all refused the same way.
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(429);
    expect((await fetch(`${gw.url}/health`, { method: 'POST' })).status).toBe(429);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    // A client holding a valid token is not locked out by whoever shares its address.
    expect((await models(gw, good)).status).toBe(200);

    advance(60_000);
    const after = gw.audit().length;
    expect((await models(gw, good)).status).toBe(200);
    const res = await models(gw, generateToken());
    expect(res.status).toBe(401);
    const closing = gw.audit().slice(after);
    expect(closing.filter((l) => l['type'] === 'auth:throttled')).toEqual([
      expect.objectContaining({ reason: 'summary', client: 'loopback', failures: 10, refused: 193 }),
    ]);
    expect(closing.filter((l) => l['type'] === 'auth:denied')).toHaveLength(1);
  });

  it('counts other unauthenticated refusals (wrong method on /health, token in the query) toward the limit', async () => {
    const { gw } = await gateway({ maxFailures: 5 });
    const before = gw.audit().length;
    const statuses = await flood(50, () => fetch(`${gw.url}/health`, { method: 'DELETE' }), 5);
    expect(statuses.filter((s) => s === 405)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    expect(gw.audit().length - before).toBeLessThanOrEqual(7);
    expect((await fetch(`${gw.url}/v1/models?token=x`)).status).toBe(429);
  });

  it('does not throttle authenticated callers for their own 4xx answers', async () => {
    const { gw } = await gateway({ maxFailures: 3 });
    const good = gw.token(['chat']);
    const statuses = await flood(
      10,
      () => fetch(`${gw.url}/v1/nope`, { headers: { authorization: `Bearer ${good}` } }),
      5,
    );
    expect(statuses.every((s) => s === 404)).toBe(true);
    expect(gw.audit().filter((l) => l['type'] === 'security:request_rejected')).toHaveLength(10);
  });

  it('exempts loopback only when configured to', async () => {
    const { gw } = await gateway({ maxFailures: 3, exemptLoopback: true });
    const statuses = await flood(20, () => models(gw, generateToken()), 5);
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(gw.audit().filter((l) => l['type'] === 'auth:denied')).toHaveLength(20);
  });

  it('safe defaults: loopback is not exempt and the limit is finite', () => {
    expect(DEFAULT_AUTH_FAILURE_LIMIT.exemptLoopback).toBe(false);
    expect(DEFAULT_AUTH_FAILURE_LIMIT.maxFailures).toBeGreaterThan(0);
    expect(DEFAULT_AUTH_FAILURE_LIMIT.maxFailures).toBeLessThanOrEqual(100);
  });
});

describe('clientKey', () => {
  it('counts an IPv6 client per /64, an IPv4-mapped client as IPv4, and all of loopback as one', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002::')).toBe('2001:db8:1:2::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientKey('::1')).toBe('loopback');
    expect(clientKey('127.0.0.1')).toBe('loopback');
    expect(clientKey('127.45.6.7')).toBe('loopback');
    expect(clientKey('::ffff:127.0.0.9')).toBe('loopback');
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9');
  });
});

describe('L18 throttle across addresses', () => {
  it('a client with many addresses gets at most maxAuditedPerWindow audit lines per window, then one global summary', async () => {
    const { AuthFailureLimiter } = await import('../../src/gateway/auth/failure-limiter.js');
    const { EventBus } = await import('../../src/core/events.js');
    const bus = new EventBus();
    const throttled: Array<Record<string, unknown>> = [];
    bus.on('auth:throttled', (e) => throttled.push(e.payload as unknown as Record<string, unknown>));
    let now = 0;
    const limiter = new AuthFailureLimiter(
      { ...DEFAULT_AUTH_FAILURE_LIMIT, maxFailures: 5, windowMs: 60_000, maxAuditedPerWindow: 50 },
      bus,
      () => now,
    );
    let audited = 0;
    for (let a = 0; a < 100; a++) {
      for (let i = 0; i < 10; i++) if (limiter.fail(`10.0.${a >> 8}.${a & 255}`) === 'audit') audited += 1;
    }
    expect(audited + throttled.length).toBeLessThanOrEqual(50);
    expect(audited).toBeGreaterThan(0);
    now += 60_000;
    limiter.fail('192.0.2.1');
    const summary = throttled.filter((e) => e['reason'] === 'global_summary');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ layer: 'L18', audited: 50 });
    expect((summary[0] as { suppressed: number }).suppressed).toBeGreaterThan(400);
  });
});

describe('L18 throttle summaries are written on time', () => {
  it('a client that stops after being throttled gets its summary from the sweep, and an open window from flush', async () => {
    const { AuthFailureLimiter } = await import('../../src/gateway/auth/failure-limiter.js');
    const { EventBus } = await import('../../src/core/events.js');
    const bus = new EventBus();
    const seen: Array<Record<string, unknown>> = [];
    bus.on('auth:throttled', (e) => seen.push(e.payload as unknown as Record<string, unknown>));
    let now = 0;
    const limiter = new AuthFailureLimiter(
      { ...DEFAULT_AUTH_FAILURE_LIMIT, maxFailures: 3, windowMs: 60_000 },
      bus,
      () => now,
    );
    for (let i = 0; i < 10; i++) if (limiter.fail('198.51.100.7') === 'suppress') limiter.throttled('198.51.100.7');
    limiter.sweep();
    expect(seen.filter((e) => e['reason'] === 'summary')).toHaveLength(0); // the window is still open
    now += 60_000;
    limiter.sweep();
    expect(seen.filter((e) => e['reason'] === 'summary')).toEqual([
      expect.objectContaining({ client: '198.51.100.7', failures: 3 }),
    ]);
    expect(limiter.size).toBe(0);

    for (let i = 0; i < 5; i++) limiter.fail('203.0.113.9');
    limiter.flush();
    expect(seen.filter((e) => e['reason'] === 'summary' && e['client'] === '203.0.113.9')).toHaveLength(1);
    expect(limiter.size).toBe(0);
  });
});

describe('L18 throttle and a wall clock that steps back', () => {
  it('a window whose start lies in the future is over: summarised by the sweep, and the client is not locked out', async () => {
    const { AuthFailureLimiter } = await import('../../src/gateway/auth/failure-limiter.js');
    const { EventBus } = await import('../../src/core/events.js');
    const bus = new EventBus();
    const seen: Array<Record<string, unknown>> = [];
    bus.on('auth:throttled', (e) => seen.push(e.payload as unknown as Record<string, unknown>));
    let now = 10 * 3_600_000;
    const limiter = new AuthFailureLimiter(
      { ...DEFAULT_AUTH_FAILURE_LIMIT, maxFailures: 2, windowMs: 60_000 },
      bus,
      () => now,
    );
    for (let i = 0; i < 5; i++) if (limiter.fail('198.51.100.1') === 'suppress') limiter.throttled('198.51.100.1');
    limiter.fail('198.51.100.2');
    expect(limiter.retryAfterMs('198.51.100.1')).toBeGreaterThan(0);
    now -= 3_600_000;
    limiter.sweep();
    expect(seen.filter((e) => e['reason'] === 'summary' && e['client'] === '198.51.100.1')).toHaveLength(1);
    expect(limiter.retryAfterMs('198.51.100.1')).toBeUndefined();
  });
});
