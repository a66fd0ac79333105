/**
 * L08 defers to L10: a binding names a host, but the broker still asks the SSRF guard before it
 * connects. With an EMPTY net.allow the bound upstream on 127.0.0.1 is a loopback address, so the
 * request through the broker is refused with 502 and nothing reaches the upstream, key or not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConfigSchema } from '../../src/config/sections/broker.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { memoryCaStore } from '../../src/broker/ca-store.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, ok, unwrap } from '../../src/core/result.js';
import { SsrfGuard } from '../../src/net/guard.js';
import { pooledPinnedTransport } from '../../src/net/pinned-transport.js';
import { StubResolver } from '../../src/net/resolver.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { tlsFixture, type TestServer } from '../net/helpers.js';
import { nodeClient, REAL_KEY, rig, type Rig } from './harness.js';

interface EmptyAllowRig {
  readonly upstream: TestServer;
  readonly broker: Broker;
  readonly socketPath: string;
  readonly token: string;
  readonly events: Envelope<EventType>[];
  close(): Promise<void>;
}

/**
 * The harness's upstream and binding, but a guard whose net.allow is empty. The upstream's port is in
 * net.ports, so the only reason left to refuse is the address itself (loopback), not the port rule.
 */
async function emptyAllowRig(): Promise<EmptyAllowRig> {
  const tls = await tlsFixture();
  const upstream = await tls.server(
    (req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    },
    ['api.test'],
  );
  const config = BrokerConfigSchema.parse({
    enabled: true,
    bindings: [
      {
        host: `api.test:${upstream.port}`,
        pathPrefix: '/v1',
        methods: ['POST', 'GET'],
        secret: 'ANTHROPIC_API_KEY',
        preset: 'anthropic',
      },
    ],
  });
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const leaks = new LeakIndex();
  leaks.register('ANTHROPIC_API_KEY', REAL_KEY);
  const guard = new SsrfGuard({
    resolver: new StubResolver({ 'api.test': [['127.0.0.1']] }),
    config: { allow: [], ports: [443, upstream.port] },
    bus,
  });
  const pool = pooledPinnedTransport({ ca: tls.caPem });
  const broker = unwrap(
    await startBroker({
      config,
      guard,
      transport: pool.transport,
      resolveSecret: (name, ctx) =>
        ctx.agentId === 'agent-1' && name === 'ANTHROPIC_API_KEY'
          ? ok(REAL_KEY)
          : err(bulwarkError('secret.not_found', `secret "${name}" is not set`)),
      leakScanner: leaks,
      bus,
      caStore: memoryCaStore(),
    }),
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-broker-ssrf-'));
  const session = unwrap(
    await broker.openSession({ agentId: 'agent-1', traceId: 'trace-ssrf' }, path.join(dir, 'broker.sock')),
  );
  return {
    upstream,
    broker,
    socketPath: session.socketPath,
    token: session.token,
    events,
    async close() {
      await broker.close();
      await pool.close();
      await upstream.close();
    },
  };
}

const request = {
  host: 'api.test',
  method: 'POST',
  path: '/v1/messages',
  headers: { 'x-api-key': PLACEHOLDER, 'content-type': 'application/json' },
  body: '{"model":"m"}',
};

let open: EmptyAllowRig | Rig | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('L08 → L10: a bound upstream the SSRF guard refuses', () => {
  it('control: with the upstream in net.allow (the harness guard) the same request reaches it', async () => {
    const r = await rig();
    open = r;
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      ...request,
      token: r.session.token,
      port: r.upstream.port,
    });
    expect(res).toMatchObject({ connectStatus: 200, status: 200 });
    expect(r.upstream.log).toHaveLength(1);
  });

  it('empty net.allow: 502, the deny event names the SSRF rule (loopback), zero upstream requests, no key anywhere', async () => {
    const r = await emptyAllowRig();
    open = r;
    const res = await nodeClient(r.socketPath, r.broker.caCertPem, {
      ...request,
      token: r.token,
      port: r.upstream.port,
    });
    expect(res.connectStatus).toBe(200);
    expect(res.status).toBe(502);
    // The client is told which L10 rule refused the upstream.
    expect(res.body).toMatch(/^bulwark broker: L10 refused https:\/\/api\.test:\d+: .*ipv4:loopback/);
    expect(res.body ?? '').not.toContain(REAL_KEY);
    expect(r.upstream.log).toHaveLength(0);

    const deny = r.events.find((e) => e.type === 'broker:deny');
    expect(deny?.payload).toMatchObject({
      layer: 'L08',
      status: 502,
      rule: 'ssrf',
      host: 'api.test',
      path: '/v1/messages',
    });
    // broker:deny says "ssrf"; the L10 rule itself is in the guard's own audited event, for the same agent and trace.
    const blocked = r.events.filter((e) => e.type === 'security:ssrf_blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]?.payload).toMatchObject({
      layer: 'L10',
      outcome: 'blocked',
      reason: 'ipv4:loopback',
      host: 'api.test',
      port: r.upstream.port,
      agentId: 'agent-1',
      traceId: 'trace-ssrf',
    });
    // The guard is asked before the key is injected: the key never reached an event.
    expect(r.events.some((e) => e.type === 'broker:inject')).toBe(false);
    expect(JSON.stringify(r.events)).not.toContain(REAL_KEY);
  });

  it('empty net.allow: a GET without a body is refused the same way (the check does not depend on the request shape)', async () => {
    const r = await emptyAllowRig();
    open = r;
    const res = await nodeClient(r.socketPath, r.broker.caCertPem, {
      host: 'api.test',
      token: r.token,
      port: r.upstream.port,
      path: '/v1/models',
    });
    expect(res.status).toBe(502);
    expect(r.upstream.log).toHaveLength(0);
    expect(r.events.find((e) => e.type === 'broker:deny')?.payload).toMatchObject({ status: 502, rule: 'ssrf' });
  });
});
