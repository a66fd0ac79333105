import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { SsrfGuard, verdictOf } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { guardedFetch } from '../../src/net/fetch.js';
import { pinnedTransport, type Transport } from '../../src/net/pinned-transport.js';
import { httpServer, text, tlsFixture, type TestServer } from './helpers.js';

/** The L10 refusals of these checks are audited on a real bus. */
const NET_BUS = new EventBus();

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});
const keep = (s: TestServer) => (servers.push(s), s);

describe('DNS pinning (real sockets on loopback)', () => {
  it('connects to the checked answer only: a second, different answer is never asked for nor used', async () => {
    const good = keep(await httpServer(text('pinned')));
    // 127.0.0.2 is also loopback on Linux: the "rebound" server listens on the same port there.
    const evil = keep(await httpServer(text('rebound'), '127.0.0.2', good.port));
    const resolver = new StubResolver({ 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver,
      config: { allow: [`rebind.test:${good.port}`], ports: [80] },
    });
    const r = await guardedFetch({ guard }, `http://rebind.test:${good.port}/x`);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.body.toString()).toBe('pinned');
      expect(r.value.address).toBe('127.0.0.1');
    }
    expect(resolver.count('rebind.test')).toBe(1);
    expect(good.log).toHaveLength(1);
    expect(evil.log).toHaveLength(0);
    expect(good.log[0]?.headers.host).toBe(`rebind.test:${good.port}`);
    // The rebound server is real and reachable: had the connector resolved again, it would have answered.
    const direct = await guardedFetch(
      { guard: new SsrfGuard({ bus: NET_BUS, resolver, config: { allow: [`127.0.0.2:${good.port}`], ports: [80] } }) },
      `http://127.0.0.2:${good.port}/`,
    );
    expect(direct.ok && direct.value.body.toString()).toBe('rebound');
  });

  it('rebinding from public to private: the public answer is pinned; a re-check sees the private answer and refuses', async () => {
    const resolver = new StubResolver({ 'rebind.test': [['93.184.216.34'], ['169.254.169.254']] });
    const guard = new SsrfGuard({ bus: NET_BUS, resolver });
    const dialled: string[] = [];
    // A recording transport: proves what the fetch loop hands to the connector (no traffic to the public address).
    const spy: Transport = async (target) => {
      dialled.push(target.pinned.address);
      return { status: 200, headers: {}, body: (async function* () {})(), close: async () => undefined };
    };
    const first = await guardedFetch({ guard, transport: spy }, 'http://rebind.test/');
    expect(first.ok).toBe(true);
    expect(dialled).toEqual(['93.184.216.34']);
    const second = await guardedFetch({ guard, transport: spy }, 'http://rebind.test/');
    expect(verdictOf(second)).toBe('block');
    expect(dialled).toEqual(['93.184.216.34']);
  });
});

describe('redirects are re-checked', () => {
  it('a redirect to the metadata service is refused and audited; nothing is dialled', async () => {
    const bus = new EventBus();
    const events: Envelope<EventType>[] = [];
    bus.on('*', (e) => events.push(e));
    const s = keep(
      await httpServer((_req, _b, res) => {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' });
        res.end();
      }),
    );
    const guard = new SsrfGuard({
      resolver: new StubResolver({}),
      config: { allow: [`127.0.0.1:${s.port}`], ports: [80, 443] },
      bus,
    });
    const real = pinnedTransport();
    const dialled: string[] = [];
    const transport: Transport = (t, req) => (dialled.push(t.pinned.address), real(t, req));
    const r = await guardedFetch({ guard, transport }, `http://127.0.0.1:${s.port}/start`);
    expect(verdictOf(r)).toBe('block');
    if (!r.ok) expect(r.error.details?.['rule']).toBe('metadata:aws-gcp-azure-oci');
    expect(dialled).toEqual(['127.0.0.1']);
    expect(events.map((e) => e.payload['reason'])).toEqual(['metadata:aws-gcp-azure-oci']);
  });

  it('redirects to decimal/hex/mapped forms of private addresses are refused too', async () => {
    for (const loc of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::1]/',
      'file:///etc/passwd',
      'gopher://127.0.0.1/',
    ]) {
      const s = keep(await httpServer((_req, _b, res) => (res.writeHead(301, { location: loc }), res.end())));
      const guard = new SsrfGuard({
        bus: NET_BUS,
        resolver: new StubResolver({}),
        config: { allow: [`127.0.0.1:${s.port}`], ports: [80] },
      });
      const r = await guardedFetch({ guard }, `http://127.0.0.1:${s.port}/`);
      expect(r.ok, loc).toBe(false);
    }
  });

  it('stops after maxRedirects', async () => {
    const s = keep(
      await httpServer((req, _b, res) => (res.writeHead(302, { location: `/loop${req.url}` }), res.end())),
    );
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver: new StubResolver({}),
      config: { allow: [`127.0.0.1:${s.port}`], ports: [80] },
    });
    const r = await guardedFetch({ guard, limits: { maxRedirects: 3 } }, `http://127.0.0.1:${s.port}/`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('net.too_many_redirects');
    expect(s.log).toHaveLength(4);
  });

  it('drops credentials on a cross-origin redirect', async () => {
    const b = keep(await httpServer(text('b')));
    const a = keep(
      await httpServer(
        (_req, _b, res) => (res.writeHead(307, { location: `http://localhost.test:${b.port}/` }), res.end()),
      ),
    );
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver: new StubResolver({ 'localhost.test': [['127.0.0.1']] }),
      config: { allow: [`127.0.0.1:${a.port}`, `localhost.test:${b.port}`], ports: [80] },
    });
    const r = await guardedFetch({ guard }, `http://127.0.0.1:${a.port}/`, {
      headers: { authorization: 'Bearer abc', 'x-keep': '1' },
    });
    expect(r.ok).toBe(true);
    expect(a.log[0]?.headers.authorization).toBe('Bearer abc');
    expect(b.log[0]?.headers.authorization).toBeUndefined();
    expect(b.log[0]?.headers['x-keep']).toBe('1');
  });
});

describe('limits', () => {
  it('cuts the body at maxBodyBytes', async () => {
    const s = keep(await httpServer(text('x'.repeat(100_000))));
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver: new StubResolver({}),
      config: { allow: [`127.0.0.1:${s.port}`], ports: [80] },
    });
    const r = await guardedFetch({ guard, limits: { maxBodyBytes: 4096 } }, `http://127.0.0.1:${s.port}/`);
    expect(r.ok && r.value.body.length).toBe(4096);
    expect(r.ok && r.value.truncated).toBe(true);
  });

  it('gives up after timeoutMs on a server that never answers', async () => {
    const s = keep(await httpServer(() => undefined));
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver: new StubResolver({}),
      config: { allow: [`127.0.0.1:${s.port}`], ports: [80] },
    });
    const r = await guardedFetch({ guard, limits: { timeoutMs: 300 } }, `http://127.0.0.1:${s.port}/`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('net.timeout');
  });
});

describe('TLS through the pinned connector', () => {
  it('verifies the real certificate against the host name, not the pinned IP', async () => {
    const tls = await tlsFixture();
    const s = keep(await tls.server(text('secure'), ['upstream.test']));
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver: new StubResolver({ 'upstream.test': [['127.0.0.1']] }),
      config: { allow: [`upstream.test:${s.port}`], ports: [443] },
    });
    const ok = await guardedFetch(
      { guard, transport: pinnedTransport({ ca: tls.caPem }) },
      `https://upstream.test:${s.port}/`,
    );
    expect(ok.ok && ok.value.body.toString()).toBe('secure');
    // Without the test CA in the trust store the certificate is refused.
    const untrusted = await guardedFetch({ guard }, `https://upstream.test:${s.port}/`);
    expect(untrusted.ok).toBe(false);
    // A name the certificate does not cover is refused even though the address is the same.
    const guard2 = new SsrfGuard({
      bus: NET_BUS,
      resolver: new StubResolver({ 'other.test': [['127.0.0.1']] }),
      config: { allow: [`other.test:${s.port}`], ports: [443] },
    });
    const wrongName = await guardedFetch(
      { guard: guard2, transport: pinnedTransport({ ca: tls.caPem }) },
      `https://other.test:${s.port}/`,
    );
    expect(wrongName.ok).toBe(false);
    expect(s.log).toHaveLength(1);
  });
});

describe('pooled pinned transport (broker upstream)', () => {
  it('reuses connections, but only for the same origin AND the same checked address', async () => {
    const { createServer } = await import('node:http');
    const connections: string[] = [];
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(req.socket.localAddress ?? '');
      res.end('ok');
    });
    server.on('connection', (s) => connections.push(s.localAddress ?? ''));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const { pooledPinnedTransport } = await import('../../src/net/pinned-transport.js');
    const pool = pooledPinnedTransport();
    const answers = [...Array.from({ length: 6 }, () => ['127.0.0.1']), ['127.0.0.3']];
    const resolver = new StubResolver({ 'pool.test': answers });
    const guard = new SsrfGuard({ bus: NET_BUS, resolver, config: { allow: [`pool.test:${port}`], ports: [80] } });
    try {
      for (let i = 0; i < answers.length; i++) {
        const r = await guardedFetch({ guard, transport: pool.transport }, `http://pool.test:${port}/${i}`);
        expect(r.ok && r.value.body.toString()).toBe('ok');
      }
      // Each request arrived at the address its own check returned, pooled or not.
      expect(requests).toEqual([...Array.from({ length: 6 }, () => '127.0.0.1'), '127.0.0.3']);
      expect(connections.filter((c) => c === '127.0.0.1').length).toBeLessThan(6);
      expect(connections.filter((c) => c === '127.0.0.3')).toHaveLength(1);
      expect(pool.size).toBe(2);
    } finally {
      await pool.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
