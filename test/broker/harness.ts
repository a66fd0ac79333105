/** Broker test rig: a local HTTPS upstream, a real broker with a real leak index, and clients speaking through the unix socket. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { Socket } from 'node:net';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, ok, unwrap } from '../../src/core/result.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { SsrfGuard } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { pinnedTransport, pooledPinnedTransport } from '../../src/net/pinned-transport.js';
import { BrokerConfigSchema, type BrokerConfig } from '../../src/config/sections/broker.js';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { memoryCaStore } from '../../src/broker/ca-store.js';
import { loadUpstreamCas } from '../../src/broker/upstream-ca.js';
import type { ProxySession } from '../../src/broker/proxy.js';
import { tlsFixture, type TestServer } from '../net/helpers.js';

/** The L10 refusals of these checks are audited on a real bus. */
const NET_BUS = new EventBus();

export const REAL_KEY = 'sk-ant-api03-REALKEY-0123456789abcdefghij';
export const OTHER_VAULT_VALUE = 'vault-other-value-7f3a9c2e5b1d';
export const HONEY_VALUE = 'AKIAHONEY0000EXAMPLE77';

export interface Rig {
  readonly upstream: TestServer;
  /** Trust anchor of the local upstream (not the broker CA). */
  readonly upstreamCaPem: string;
  readonly broker: Broker;
  readonly session: ProxySession;
  readonly events: Envelope<EventType>[];
  readonly dir: string;
  readonly config: BrokerConfig;
  close(): Promise<void>;
}

export async function rig(
  /** Extra broker config; gets the upstream's port and the PEM of the CA that signed its certificate. */
  extra: (upstreamPort: number, upstreamCaPem: string) => Record<string, unknown> = () => ({}),
  secrets: Record<string, string> = { ANTHROPIC_API_KEY: REAL_KEY },
  trustUpstream = true,
): Promise<Rig> {
  const tls = await tlsFixture();
  const upstream = await tls.server(
    (req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    },
    ['api.test', 'unbound.test'],
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
      { host: `api.test:${upstream.port}`, pathPrefix: '/openai', secret: 'OPENAI_API_KEY', preset: 'bearer' },
      {
        host: `api.test:${upstream.port}`,
        pathPrefix: '/maps',
        secret: 'ANTHROPIC_API_KEY',
        preset: 'query',
        queryParam: 'key',
      },
    ],
    ...extra(upstream.port, tls.caPem),
  });
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const leaks = new LeakIndex();
  leaks.register('ANTHROPIC_API_KEY', REAL_KEY);
  leaks.register('OTHER_SECRET', OTHER_VAULT_VALUE);
  leaks.register('HONEYTOKEN_AWS', HONEY_VALUE);
  const resolver = new StubResolver({
    'api.test': [['127.0.0.1']],
    'unbound.test': [['127.0.0.1']],
    'public.test': [['127.0.0.1']],
  });
  const guard = new SsrfGuard({
    bus: NET_BUS,
    resolver,
    config: { allow: [`api.test:${upstream.port}`, `unbound.test:${upstream.port}`], ports: [443] },
  });
  const pool = pooledPinnedTransport({ ca: tls.caPem });
  const broker = unwrap(
    await startBroker({
      config,
      guard,
      // broker.upstreamCas, read as the daemon reads them (paths relative to the working directory here).
      upstreamCas: unwrap(loadUpstreamCas(config, process.cwd())),
      transport: trustUpstream ? pool.transport : pinnedTransport(),
      resolveSecret: (name, ctx) =>
        ctx.agentId === 'agent-1' && secrets[name] !== undefined
          ? ok(secrets[name] as string)
          : err(bulwarkError('secret.not_found', `secret "${name}" is not set`)),
      leakScanner: leaks,
      bus,
      caStore: memoryCaStore(),
    }),
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-broker-'));
  const session = unwrap(
    await broker.openSession({ agentId: 'agent-1', traceId: 'trace-1' }, path.join(dir, 'broker.sock')),
  );
  return {
    upstream,
    upstreamCaPem: tls.caPem,
    broker,
    session,
    events,
    dir,
    config,
    async close() {
      await broker.close();
      await pool.close();
      await upstream.close();
    },
  };
}

export interface ClientResult {
  readonly connectStatus: number;
  readonly status?: number;
  readonly body?: string;
}

/** A Node client: CONNECT over the unix socket, TLS trusting only the broker CA, then one HTTP request. */
export function nodeClient(
  socketPath: string,
  caPem: string,
  opts: {
    token?: string;
    host: string;
    port: number;
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token !== undefined)
      headers['proxy-authorization'] = `Basic ${Buffer.from(`bulwark:${opts.token}`).toString('base64')}`;
    const req = httpRequest({ socketPath, method: 'CONNECT', path: `${opts.host}:${opts.port}`, headers });
    req.on('connect', (res, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return resolve({ connectStatus: res.statusCode ?? 0 });
      }
      const inner = httpsRequest(
        {
          host: opts.host,
          port: opts.port,
          method: opts.method ?? 'GET',
          path: opts.path,
          headers: {
            ...opts.headers,
            ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
          },
          createConnection: () => tlsConnect({ socket, servername: opts.host, ca: caPem }),
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ connectStatus: 200, status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          r.on('error', reject);
        },
      );
      inner.on('error', reject);
      inner.end(opts.body);
    });
    req.on('error', reject);
    req.end();
  });
}
