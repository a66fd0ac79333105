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

export function pinnedTransport(opts: PinnedTransportOptions = {}): Transport {
  const connector = buildConnector({
    timeout: opts.connectTimeoutMs ?? 10_000,
    rejectUnauthorized: true,
    ...(opts.ca ? { ca: opts.ca } : {}),
  });
  return async (target, req) => {
    const pinned = target.pinned.address;
    const agent = new Agent({
      connections: 1,
      pipelining: 0,
      connect: (o, cb) => {
        connector({ ...o, hostname: pinned, servername: target.ip ? '' : target.host }, (error, socket) => {
          if (error || !socket) return cb(error ?? new Error('connection failed'), null);
          if (!sameAddress(socket.remoteAddress, pinned)) {
            socket.destroy();
            return cb(new Error(`L10: connected peer ${socket.remoteAddress ?? '?'} is not the checked address ${pinned}`), null);
          }
          cb(null, socket);
        });
      },
    });
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
          if (!res.body.destroyed) res.body.destroy();
          await agent.destroy();
        },
      };
    } catch (cause) {
      await agent.destroy();
      throw cause;
    }
  };
}
