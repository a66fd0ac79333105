/**
 * Connects to the address L10 checked, and to nothing else. The dispatcher never resolves the name:
 * its connector dials `target.pinned.address`, keeps the real host name for SNI and certificate
 * verification, and re-checks the peer address of the socket it got. DNS rebinding has no second
 * question to answer.
 */
import { Agent, buildConnector, request } from 'undici';
import type { SecureContextOptions } from 'node:tls';
import type { CheckedTarget } from './guard.js';
import { formatIp, parseIp } from './ip.js';
import { describeCause } from '../core/index.js';

export interface TransportRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  readonly signal: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: AsyncIterable<Uint8Array>;
  /** Stops reading and releases the connection. Always called by the fetch loop. */
  close(): Promise<void>;
}

export type Transport = (target: CheckedTarget, req: TransportRequest) => Promise<TransportResponse>;

export interface PinnedTransportOptions {
  readonly connectTimeoutMs?: number;
  /** Extra trust anchors (tests, or an operator's internal CA). The system store is used otherwise. */
  readonly ca?: SecureContextOptions['ca'];
}

function sameAddress(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const pa = parseIp(a);
  const pb = parseIp(b);
  return !!pa && !!pb && formatIp(pa) === formatIp(pb);
}

type Connector = ReturnType<typeof buildConnector>;

function connectorFor(opts: PinnedTransportOptions): Connector {
  return buildConnector({
    timeout: opts.connectTimeoutMs ?? 10_000,
    rejectUnauthorized: true,
    ...(opts.ca ? { ca: opts.ca } : {}),
  });
}

/** A dispatcher whose every connection goes to `target.pinned` (and is verified to have arrived there). */
function pinnedAgent(connector: Connector, target: CheckedTarget, connections: number): Agent {
  const pinned = target.pinned.address;
  return new Agent({
    connections,
    pipelining: 1,
    connect: (o, cb) => {
      connector({ ...o, hostname: pinned, servername: target.ip ? '' : target.host }, (error, socket) => {
        if (error || !socket) return cb(error ?? new Error('connection failed'), null);
        if (!sameAddress(socket.remoteAddress, pinned)) {
          socket.destroy();
          return cb(
            new Error(`L10: connected peer ${socket.remoteAddress ?? '?'} is not the checked address ${pinned}`),
            null,
          );
        }
        cb(null, socket);
      });
    },
  });
}

async function send(
  agent: Agent,
  target: CheckedTarget,
  req: TransportRequest,
  release: () => Promise<void>,
): Promise<TransportResponse> {
  const aborted: string[] = [];
  try {
    const res = await request(target.url, {
      method: req.method as 'GET',
      headers: { ...req.headers },
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal: req.signal,
      dispatcher: agent,
    });
    return {
      status: res.statusCode,
      headers: res.headers,
      body: res.body,
      async close() {
        // Destroying an unread body makes undici emit an abort error: that is the expected outcome here.
        res.body.on('error', (e: Error) => void aborted.push(e.name));
        if (!res.body.destroyed && !res.body.readableEnded) res.body.destroy();
        await release();
      },
    };
  } catch (cause) {
    await release();
    throw cause;
  }
}

/** One connection per request, closed afterwards: the simplest pinned transport (web_fetch). */
export function pinnedTransport(opts: PinnedTransportOptions = {}): Transport {
  const connector = connectorFor(opts);
  return async (target, req) => {
    const agent = pinnedAgent(connector, target, 1);
    return send(agent, target, req, () => agent.destroy());
  };
}

export interface PooledTransport {
  readonly transport: Transport;
  /** Number of (origin, pinned address) pools held. */
  readonly size: number;
  close(): Promise<void>;
}

/**
 * Keeps connections alive per (origin, pinned address): every request is still checked by L10 first, and a
 * pooled connection is only reused for the very address that check returned. Used by the broker.
 */
export function pooledPinnedTransport(
  opts: PinnedTransportOptions & { maxPools?: number; connectionsPerPool?: number } = {},
): PooledTransport {
  const connector = connectorFor(opts);
  const pools = new Map<string, Agent>();
  const max = opts.maxPools ?? 64;
  return {
    get size() {
      return pools.size;
    },
    transport: async (target, req) => {
      const key = `${target.url.origin}|${target.pinned.address}`;
      let agent = pools.get(key);
      if (!agent) {
        agent = pinnedAgent(connector, target, opts.connectionsPerPool ?? 8);
        pools.set(key, agent);
        while (pools.size > max) {
          const [oldKey, old] = pools.entries().next().value as [string, Agent];
          pools.delete(oldKey);
          old
            .close()
            .catch((e: unknown) =>
              process.emitWarning(`closing an evicted L10 connection pool failed: ${describeCause(e)}`),
            );
        }
      }
      return send(agent, target, req, async () => undefined);
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((a) => a.destroy()));
    },
  };
}
