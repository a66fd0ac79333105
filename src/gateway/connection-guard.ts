/**
 * Connection caps and pre-authentication timeouts of the gateway's HTTP server, so idle or slow connections cannot
 * lock out a token holder. Caps: `max` connections in all and `perAddress` per client address (all of loopback is
 * one address, IPv6 counts per /64). A new connection at a cap makes room by closing the oldest connection that has
 * not yet sent a request with a valid token; only when every connection in the way has one is the new connection
 * refused. So a flood of idle or slow connections is pushed out by whoever connects next, and a client that sends its
 * request promptly is served. Timeouts: the first request's headers must arrive within `headersMs` of connecting
 * (later ones within `headersMs` too, and between requests `keepAliveMs`), a request body within `bodyMs`; a request
 * answered without a valid token whose body is still coming in is cut off.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionLimits, ServerTimeouts } from '../config/index.js';
import type { ConnectionCounters } from './access-log.js';
import { clientKey } from './auth/failure-limiter.js';

interface Tracked {
  readonly key: string;
  /** remote address|port, taken when admitted (a closed socket no longer has them). */
  readonly peer: string;
  authenticated: boolean;
  firstRequest: NodeJS.Timeout | undefined;
}

const REFUSAL = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n';

export class ConnectionGuard {
  /** Insertion order is age order: the oldest connection comes first. */
  private readonly conns = new Map<Socket, Tracked>();
  private readonly perKey = new Map<string, number>();
  /** Over TLS a request's socket is the TLS socket, not the TCP one admitted: both share the peer's address and port. */
  private readonly byPeer = new Map<string, Socket>();
  private evicted = 0;
  private refused = 0;
  private timedOut = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly timeouts: ServerTimeouts,
  ) {}

  /** Options for http.createServer: Node's own header, request and keep-alive timeouts, checked every second. */
  serverOptions(): ServerOptions {
    return {
      headersTimeout: this.timeouts.headersMs,
      requestTimeout: this.timeouts.bodyMs,
      keepAliveTimeout: this.timeouts.keepAliveMs,
      connectionsCheckingInterval: 1000,
    };
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.started(req, res));
  }

  /** The request on this socket carried a valid token: its connection is no longer evictable. */
  authenticated(socket: Socket | undefined): void {
    const t = socket ? this.tracked(socket) : undefined;
    if (t) t.authenticated = true;
  }

  get open(): number {
    return this.conns.size;
  }

  /** Counters since the last call (open is the current number). */
  takeCounters(): ConnectionCounters {
    const c = { open: this.conns.size, evicted: this.evicted, refused: this.refused, timedOut: this.timedOut };
    this.evicted = 0;
    this.refused = 0;
    this.timedOut = 0;
    return c;
  }

  private admit(socket: Socket): void {
    const key = clientKey(socket.remoteAddress);
    if ((this.perKey.get(key) ?? 0) >= this.limits.perAddress && !this.evictOldest((t) => t.key === key)) {
      return this.refuse(socket);
    }
    if (this.conns.size >= this.limits.max && !this.evictOldest(() => true)) return this.refuse(socket);
    const tracked: Tracked = { key, peer: peerOf(socket), authenticated: false, firstRequest: undefined };
    tracked.firstRequest = setTimeout(() => {
      this.timedOut += 1;
      socket.destroy();
    }, this.timeouts.headersMs);
    tracked.firstRequest.unref();
    this.conns.set(socket, tracked);
    this.byPeer.set(tracked.peer, socket);
    this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    socket.once('close', () => this.forget(socket));
  }

  private refuse(socket: Socket): void {
    this.refused += 1;
    socket.end(REFUSAL, () => socket.destroy());
  }

  private evictOldest(match: (t: Tracked) => boolean): boolean {
    for (const [socket, t] of this.conns) {
      if (t.authenticated || !match(t)) continue;
      this.evicted += 1;
      this.forget(socket);
      socket.destroy();
      return true;
    }
    return false;
  }

  private tracked(socket: Socket): Tracked | undefined {
    const direct = this.conns.get(socket);
    if (direct) return direct;
    const raw = this.byPeer.get(peerOf(socket));
    return raw ? this.conns.get(raw) : undefined;
  }

  private started(req: IncomingMessage, res: ServerResponse): void {
    const t = this.tracked(req.socket);
    if (!t) return;
    if (t.firstRequest) clearTimeout(t.firstRequest);
    t.firstRequest = undefined;
    // A refused request's body is not read: do not let its sender keep the connection by trickling it.
    res.once('finish', () => {
      if (!t.authenticated && !req.complete) req.socket.destroy();
    });
  }

  private forget(socket: Socket): void {
    const t = this.conns.get(socket);
    if (!t) return;
    if (t.firstRequest) clearTimeout(t.firstRequest);
    this.conns.delete(socket);
    if (this.byPeer.get(t.peer) === socket) this.byPeer.delete(t.peer);
    const n = (this.perKey.get(t.key) ?? 1) - 1;
    if (n <= 0) this.perKey.delete(t.key);
    else this.perKey.set(t.key, n);
  }
}

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? 0}`;
}
