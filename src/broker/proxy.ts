/**
 * One L08 proxy endpoint: a unix socket for one sandboxed spawn, guarded by a session token.
 *
 * CONNECT host:port  → token check (407) → no binding and not egress-allowed (403) → 200, then TLS is
 * terminated with a leaf certificate for the host. Each request inside the tunnel: session still live (407),
 * Host matches the tunnel, binding for host + path + method (403), secret resolves through the agent's
 * scope (502), egress leak check (403 + alarm), L10 check of the upstream (502) — and only then is anything
 * sent upstream, with the secret swapped in for the placeholder and the real server certificate verified.
 * Every refusal destroys the tunnel before a single byte leaves for the upstream.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import { chmodSync } from 'node:fs';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  constantTimeEqual,
  randomHex,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  bulwarkError,
  type EventBus,
  type LeakScanner,
} from '../core/index.js';
import type { SsrfGuard, Transport } from '../net/index.js';
import type { EgressJudge } from '../exec/index.js';
import type { LeafIssuer } from './ca.js';
import type { BrokerConfig } from '../config/index.js';
import {
  bindingRule,
  configHostKey,
  findBinding,
  hostHasBinding,
  hostKey,
  injectSecret,
  injectedHeader,
  parseRequestTarget,
  type HeaderMap,
} from './bindings.js';
import type { BrokerEvent } from './events.js';
import './events.js';

export interface BrokerIdentity {
  readonly agentId: string;
  readonly sessionId?: string;
  readonly traceId?: string;
}

/** Resolves a secret through the agent's L07 scope; the secrets room's SecretResolver fits this shape. */
export type BrokerSecretResolver = (name: string, ctx: BrokerIdentity) => Result<string, BulwarkError>;

export interface ProxyDeps {
  readonly config: BrokerConfig;
  readonly guard: SsrfGuard;
  readonly transport: Transport;
  /** host:port → the transport for that upstream when it has its own trust anchors (broker.upstreamCas). */
  readonly upstreamTransports?: ReadonlyMap<string, Transport>;
  readonly leaves: LeafIssuer;
  readonly resolveSecret: BrokerSecretResolver;
  readonly leakScanner: LeakScanner;
  readonly bus: EventBus;
  readonly isHoneytoken: (secretName: string) => boolean;
}

export interface ProxySessionOptions {
  /**
   * L08.1: asked about each request that passed the binding and leak checks, before L10 and before anything goes
   * upstream, with the URL and body as the sandbox sent them (placeholders, not secrets). A refusal is a 403.
   */
  readonly egress?: EgressJudge;
  /**
   * This session may reach these hosts (`host:port`) and no other, whatever broker.bindings and broker.egressAllow
   * say; one without a binding passes through without injection (still L10 and the leak check). An MCP package
   * install uses it to reach the configured registry only.
   */
  readonly onlyHosts?: readonly string[];
}

export interface ProxyStats {
  requests: number;
  injected: number;
  passthrough: number;
  denied: number;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'host',
  'content-length',
  'expect',
]);
const CONNECT_TARGET = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]{1,253}):([0-9]{1,5})$/;

interface Tunnel {
  readonly host: string;
  readonly port: number;
  readonly key: string;
}

export function proxyTokenFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

export class ProxySession {
  readonly token = `bwb_${randomHex(32)}`;
  readonly stats: ProxyStats = { requests: 0, injected: 0, passthrough: 0, denied: 0 };
  private live = true;
  private readonly outer: Server;
  private readonly inner: Server;
  private readonly tunnels = new WeakMap<object, Tunnel>();
  private readonly sockets = new Set<Duplex>();

  private constructor(
    private readonly deps: ProxyDeps,
    readonly identity: BrokerIdentity,
    readonly socketPath: string,
    private readonly onClose: (s: ProxySession) => void,
    private readonly options: ProxySessionOptions,
  ) {
    this.outer = createServer();
    this.outer.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onConnect(req, socket, head));
    this.outer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.refuseRaw(res, 405, 'the broker only speaks CONNECT (set HTTPS_PROXY)', 'not-connect', {
        method: req.method ?? '',
      });
    });
    this.outer.on('connection', (s: Duplex) => this.track(s));
    this.inner = createServer({ maxHeaderSize: 64 * 1024, requestTimeout: deps.config.upstreamTimeoutMs });
    this.inner.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((cause: unknown) => {
        this.deny(res, 502, `broker failure: ${describeCause(cause)}`, 'internal', {});
      });
    });
  }

  static async open(
    deps: ProxyDeps,
    identity: BrokerIdentity,
    socketPath: string,
    onClose: (s: ProxySession) => void = () => undefined,
    options: ProxySessionOptions = {},
  ): Promise<Result<ProxySession, BulwarkError>> {
    const s = new ProxySession(deps, identity, socketPath, onClose, options);
    try {
      s.outer.listen(socketPath);
      await once(s.outer, 'listening');
      chmodSync(socketPath, 0o600);
    } catch (cause) {
      return err(
        bulwarkError('broker.listen', `cannot listen on ${socketPath}: ${describeCause(cause)}`, { layer: 'L08' }),
      );
    }
    deps.bus.emit('broker:session_opened', { ...identity, layer: 'L08', outcome: 'opened' });
    return ok(s);
  }

  get closed(): boolean {
    return !this.live;
  }

  /** Revokes the token and tears down every tunnel. Called when the spawn exits. */
  async close(): Promise<void> {
    if (!this.live) return;
    this.live = false;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.outer.close(() => resolve()));
    this.onClose(this);
    this.deps.bus.emit('broker:session_closed', {
      ...this.identity,
      layer: 'L08',
      outcome: 'closed',
      requests: this.stats.requests,
    });
  }

  private track(s: Duplex): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  private tokenValid(header: string | undefined): boolean {
    const candidate = proxyTokenFrom(header);
    // Compared in constant time even when absent, so a missing and a wrong token cost the same.
    const same = constantTimeEqual(candidate ?? '', this.token);
    return this.live && candidate !== undefined && same;
  }

  private event(extra: Partial<BrokerEvent>): BrokerEvent {
    return { ...this.identity, layer: 'L08', ...extra };
  }

  private onConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = CONNECT_TARGET.exec(req.url ?? '');
    const rawEnd = (status: number, reason: string, extraHeader = ''): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\n${extraHeader}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    if (!this.tokenValid(req.headers['proxy-authorization'])) {
      this.stats.denied++;
      this.deps.bus.emit(
        'broker:deny',
        this.event({
          outcome: 'denied',
          status: 407,
          rule: 'token',
          reason: 'missing, wrong or revoked session token',
        }),
      );
      return rawEnd(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="bulwark-broker"\r\n');
    }
    if (!target) {
      this.stats.denied++;
      this.deps.bus.emit('broker:deny', this.event({ outcome: 'denied', status: 400, rule: 'connect-target' }));
      return rawEnd(400, 'Bad Request');
    }
    const host = (target[1] as string).replace(/^\[|\]$/g, '').toLowerCase();
    const port = Number(target[2]);
    const key = hostKey(host, port);
    const allowed = this.options.onlyHosts
      ? this.egressAllowed(key)
      : hostHasBinding(this.deps.config.bindings, key) || this.egressAllowed(key);
    if (!allowed) {
      this.stats.denied++;
      this.deps.bus.emit(
        'broker:deny',
        this.event({
          outcome: 'denied',
          status: 403,
          host,
          rule: 'no-binding',
          reason: this.options.onlyHosts
            ? `this session may reach only ${this.options.onlyHosts.join(', ')}`
            : 'no binding and not in broker.egressAllow',
        }),
      );
      return rawEnd(403, 'Forbidden');
    }
    void this.terminate(socket, head, { host, port, key });
  }

  private async terminate(socket: Duplex, head: Buffer, tunnel: Tunnel): Promise<void> {
    const ctx = await this.deps.leaves.contextFor(tunnel.host);
    if (!ctx.ok) {
      this.deps.bus.emit(
        'broker:deny',
        this.event({
          outcome: 'denied',
          status: 502,
          host: tunnel.host,
          rule: 'leaf-certificate',
          reason: ctx.error.message,
        }),
      );
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    const tls = new TLSSocket(socket, { isServer: true, secureContext: ctx.value, ALPNProtocols: ['http/1.1'] });
    tls.on('error', (e: Error) => {
      this.deps.bus.emit(
        'broker:deny',
        this.event({ outcome: 'tls-error', host: tunnel.host, rule: 'tls', reason: e.message }),
      );
      socket.destroy();
    });
    this.tunnels.set(tls, tunnel);
    this.track(tls);
    this.inner.emit('connection', tls);
  }

  private egressAllowed(key: string): boolean {
    if (this.options.onlyHosts) return this.options.onlyHosts.some((e) => configHostKey(e) === key);
    return this.deps.config.egressAllow.some((e) => configHostKey(e) === key);
  }

  private refuseRaw(
    res: ServerResponse,
    status: number,
    message: string,
    rule: string,
    extra: Partial<BrokerEvent>,
  ): void {
    this.stats.denied++;
    this.deps.bus.emit('broker:deny', this.event({ outcome: 'denied', status, rule, ...extra }));
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`bulwark broker: ${message}\n`, () => res.socket?.destroy());
  }

  /** Refuses inside a tunnel: the answer goes to the client, the tunnel is destroyed, nothing went upstream. */
  private deny(res: ServerResponse, status: number, message: string, rule: string, extra: Partial<BrokerEvent>): void {
    if (res.headersSent) {
      res.socket?.destroy();
      return;
    }
    this.refuseRaw(res, status, message, rule, extra);
  }

  private async readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      const b = c as Buffer;
      size += b.length;
      if (size > this.deps.config.maxBodyBytes) return undefined;
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const tunnel = this.tunnels.get(req.socket);
    const method = (req.method ?? 'GET').toUpperCase();
    const rawPath = req.url ?? '';
    if (!tunnel) return this.deny(res, 400, 'no tunnel', 'tunnel', { method });
    const base = { host: tunnel.host, method };
    if (!this.live) return this.deny(res, 407, 'the session has ended', 'token', base);

    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const bracketedHost = tunnel.host.includes(':') ? `[${tunnel.host}]` : tunnel.host;
    if (hostHeader !== bracketedHost && hostHeader !== `${bracketedHost}:${tunnel.port}`) {
      return this.deny(res, 403, 'the Host header does not match the CONNECT target', 'host-mismatch', base);
    }
    const target = parseRequestTarget(rawPath);
    if (!target.ok) return this.deny(res, 403, target.error.message, 'path', base);
    const where = { ...base, path: target.value.pathname.slice(0, 300) };

    const binding = findBinding(this.deps.config.bindings, tunnel.key, target.value.pathname, method);
    const passthrough = !binding && this.egressAllowed(tunnel.key);
    if (!binding && !passthrough)
      return this.deny(
        res,
        403,
        `no binding for ${method} ${tunnel.host}${target.value.pathname}`,
        'no-binding',
        where,
      );
    const rule = binding ? bindingRule(binding) : `egressAllow ${tunnel.key}`;

    let secret: string | undefined;
    if (binding) {
      const r = this.deps.resolveSecret(binding.secret, this.identity);
      if (!r.ok)
        return this.deny(res, 502, `the secret bound to ${rule} is not available to this agent`, 'secret-unavailable', {
          ...where,
          reason: r.error.code,
          secretName: binding.secret,
        });
      secret = r.value;
    }

    // A compressed body would hide its content from the leak check: only identity bodies go upstream.
    const encoding = String(req.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding !== 'identity' && encoding !== '')
      return this.deny(
        res,
        415,
        'compressed request bodies are refused (the egress leak check must read them)',
        'content-encoding',
        where,
      );

    const body = await this.readBody(req);
    if (body === undefined)
      return this.deny(res, 413, `request body larger than ${this.deps.config.maxBodyBytes} bytes`, 'body-size', where);

    // Egress leak check on what the sandbox sent (before injection): any known secret or honeytoken is an alarm.
    // Header values are read as the UTF-8 the client sent (Node hands them over byte by byte, as latin1).
    const sent = Object.entries(req.headers).map(
      ([k, v]) => [k, headerText(Array.isArray(v) ? v.join(', ') : (v ?? ''))] as const,
    );
    const headerLines = sent.map(([k, v]) => `${k}: ${v}`);
    const scanned = `${method} ${rawPath} HTTP/1.1\n${headerLines.join('\n')}\n\n${body.toString('utf8')}`;
    const hits = [
      ...this.deps.leakScanner.scan(scanned),
      ...this.deps.leakScanner.scan(compatibilityView(scanned)),
    ].filter((h) => h.secretName !== binding?.secret);
    if (hits.length > 0) {
      const names = [...new Set(hits.map((h) => h.secretName))];
      const honey = names.filter((n) => this.deps.isHoneytoken(n));
      const evt = this.event({
        ...where,
        outcome: 'blocked',
        rule,
        status: 403,
        secretNames: names,
        encodings: [...new Set(hits.map((h) => h.encoding))],
      });
      this.deps.bus.emit(honey.length ? 'broker:honeytoken' : 'broker:blocked_egress', evt);
      this.stats.denied++;
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('bulwark broker: request blocked: it carries a known secret value\n', () => res.socket?.destroy());
      return;
    }

    // L08.1: a tainted session's request to a host outside net.egress.trusted that carries a candidate waits.
    if (this.options.egress) {
      const url = new URL(`https://${bracketedHost}:${tunnel.port}${target.value.pathAndQuery}`);
      // Every header the sandbox chose is judged, except those the broker itself sets or reads (the session token,
      // Host, the framing) and the one this binding injects into (its placeholder is replaced, never sent).
      const injects = binding ? injectedHeader(binding) : undefined;
      const chosen = sent.filter(([k]) => !HOP_BY_HOP.has(k) && k !== injects);
      const judged = await this.options.egress(url, body.length > 0 ? body.toString('utf8') : undefined, chosen);
      if (!judged.ok) return this.deny(res, 403, judged.error.message, 'L08.1', { ...where, layer: 'L08.1' });
    }

    // L10 on the upstream (checked before injection so that no secret reaches the guard's audit).
    const checked = await this.deps.guard.check(
      `https://${bracketedHost}:${tunnel.port}${target.value.pathAndQuery}`,
      this.identity,
    );
    if (!checked.ok) return this.deny(res, 502, checked.error.message, 'ssrf', where);

    const headers: HeaderMap = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const injected =
      binding && secret !== undefined
        ? injectSecret(binding, headers, target.value.pathAndQuery, secret)
        : { headers, pathAndQuery: target.value.pathAndQuery };
    const upstreamUrl = new URL(injected.pathAndQuery, checked.value.url);

    let up;
    try {
      const transport = this.deps.upstreamTransports?.get(tunnel.key) ?? this.deps.transport;
      up = await transport(
        { ...checked.value, url: upstreamUrl },
        {
          method,
          headers: Object.fromEntries(
            Object.entries(injected.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
          ),
          ...(body.length > 0 || !['GET', 'HEAD'].includes(method) ? { body } : {}),
          signal: AbortSignal.timeout(this.deps.config.upstreamTimeoutMs),
        },
      );
    } catch (cause) {
      return this.deny(res, 502, `upstream ${tunnel.host} failed: ${describeCause(cause)}`, 'upstream', where);
    }
    if (binding) {
      this.stats.injected++;
      this.deps.bus.emit(
        'broker:inject',
        this.event({ ...where, outcome: 'injected', rule, preset: binding.preset, secretName: binding.secret }),
      );
    } else {
      this.stats.passthrough++;
      this.deps.bus.emit('broker:passthrough', this.event({ ...where, outcome: 'passthrough', rule }));
    }
    try {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      const length = up.headers['content-length'];
      if (typeof length === 'string') out['content-length'] = length;
      res.writeHead(up.status, out);
      for await (const chunk of up.body) {
        if (!res.write(chunk)) await once(res, 'drain');
      }
      res.end();
    } catch (cause) {
      this.deps.bus.emit(
        'broker:deny',
        this.event({ ...where, outcome: 'upstream-aborted', rule, reason: describeCause(cause) }),
      );
      res.destroy();
    } finally {
      await up.close();
    }
  }
}

/** A header value as text: its bytes (Node's latin1 string) read as UTF-8 when they are UTF-8, else as they came. */
export function headerText(value: string): string {
  if (!/[\u0080-\uffff]/.test(value)) return value;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'latin1'));
  } catch {
    // Not UTF-8: judged as the bytes came (latin1), which is what the upstream receives.
    return value;
  }
}

/**
 * The request as a reader of its decoded text sees it: percent-escapes decoded (where they decode) and compatibility
 * forms folded (NFKC: fullwidth letters and digits read as ASCII). Empty when that changes nothing, so an ordinary
 * request is scanned once.
 */
function compatibilityView(text: string): string {
  if (!/%[0-9A-Fa-f]{2}|[^\t\n\r\x20-\x7e]/.test(text)) return '';
  const decoded = text.replace(/%[0-9A-Fa-f]{2}[%0-9A-Fa-f]*/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
  const folded = decoded.normalize('NFKC');
  return folded === text ? '' : folded;
}
