/**
 * The gateway's HTTP application. Order, top to bottom, for every request:
 * trace id and access log → security headers → Host/Origin check while bound to loopback (421/403) → L18 throttle
 * (429 for an address past its refused-request limit) → refuse credentials in the URL → the web UI's files and login
 * (when on) → (all but /health) L18 bearer token, or the UI's session cookie with its origin and CSRF checks →
 * per-route scope → route. Unknown routes answer 404 only to authenticated callers,
 * so the route table is not probeable without a token. Below the app, the connection guard caps connections and
 * times out slow ones before they authenticate (connection-guard.ts).
 */
import type { PublicOrigin } from '../config/index.js';
import {
  type SecurityEvent,
  type GateReport,
  type LayerReporter,
  type EventBus,
  describeCause,
  newTraceId,
} from '../core/index.js';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AgentRuntime } from '../agent/index.js';
import { ActiveTurns } from './active-turns.js';
import {
  ConnectionLimitsSchema,
  DEFAULT_AUTH_FAILURE_LIMIT,
  isLoopbackName,
  ServerTimeoutsSchema,
  type AuthFailureLimitConfig,
  type ConnectionLimits,
  type ServerTimeouts,
  type UiConfig,
} from '../config/index.js';
import { AccessLog, truncatePath } from './access-log.js';
import { ConnectionGuard } from './connection-guard.js';
import { hostGuard } from './host-guard.js';
import {
  refuseQueryTokens,
  remoteAddressOf,
  requireScope,
  requireToken,
  throttleRefused,
  type AuthDeps,
} from './auth/bearer.js';
import { AuthFailureLimiter, clientKey } from './auth/failure-limiter.js';
import type { TokenScope } from './auth/scopes.js';
import type { TokenStore } from './auth/token-store.js';
import type { ClientCertAuth } from './auth/client-cert.js';
import { failure, methodNotAllowed, sendFailure } from './errors.js';
import type { GatewayApp, GatewayEnv } from './env.js';
import { chatCompletionsHandler } from './openai/chat-completions.js';
import { getModelHandler, listModelsHandler } from './openai/models.js';
import { securityHeaders } from './security-headers.js';
import { isUiPath, type WebUi } from './ui/index.js';

declare module '../core/events.js' {
  interface EventMap {
    /** A request the gateway refused (malformed, too large, unknown route, wrong method, rate-limited, blocked input). */
    'security:request_rejected': SecurityEvent;
  }
}

export interface GatewayDeps {
  readonly runtime: AgentRuntime;
  readonly tokens: TokenStore;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  /** Extra route groups (e.g. approvals); each gets the app and a scope guard to put on its routes. */
  readonly routes?: ReadonlyArray<(app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void>;
  /** L18 throttle on refused requests without a valid token (server.authFailures); safe defaults when absent. */
  readonly authFailures?: AuthFailureLimitConfig;
  /** Clock of the throttle windows (tests). */
  readonly clock?: () => number;
  /** The address the server binds: on loopback, Host and Origin are checked (DNS rebinding). Default 127.0.0.1. */
  readonly bindHost?: string;
  /** server.allowedHosts: extra names accepted in Host/Origin while bound to loopback. */
  readonly allowedHosts?: readonly string[];
  /** server.publicOrigin: the origin browsers use through a TLS-terminating reverse proxy. */
  readonly publicOrigin?: PublicOrigin | undefined;
  /** server.connections and server.timeouts; safe defaults when absent. */
  readonly connections?: ConnectionLimits;
  readonly timeouts?: ServerTimeouts;
  /** Window of the access log's summary line of requests without a valid token (tests). */
  readonly accessSummaryMs?: number;
  /** L19: client certificates of TLS connections (server.tls.clientCa). */
  readonly certificates?: ClientCertAuth;
  /** What L19 reports: the TLS setup the server runs with (absent: plain HTTP). */
  readonly tls?: TlsSummary;
  /**
   * Routes that authenticate each request themselves (L20 webhook signatures, a channel's secret token): mounted before
   * L18 under their prefix, so they need neither a bearer token nor a client certificate.
   */
  readonly signedRoutes?: ReadonlyArray<SignedRoutes>;
  /** The web control UI (server.ui): its files and login at `/`, and its session cookie in place of a bearer token. */
  readonly ui?: WebUi;
}

/** A route group that authenticates its own requests; turns it starts join the gateway's (cancelled at shutdown). */
export interface SignedRoutes {
  readonly prefix: string;
  register(app: GatewayApp, turns: ActiveTurns): void;
}

/** The TLS setup as L19 reports it. */
export interface TlsSummary {
  readonly clientCa: boolean;
  readonly clientCert: 'required' | 'optional';
  readonly clients: number;
  readonly crl: boolean;
}

export interface Gateway extends LayerReporter {
  readonly app: GatewayApp;
  readonly turns: ActiveTurns;
  /** Caps and pre-authentication timeouts of the HTTP server's connections (listen attaches it). */
  readonly connections: ConnectionGuard;
  readonly accessLog: AccessLog;
  /** Stops the L18 throttle's timer and audits the summaries of its open windows. */
  close(): void;
}

/** L19 for this TLS setup. */
export function mtlsLayer(tls: TlsSummary | undefined): GateReport {
  if (!tls) return { id: 'L19', state: 'off', reason: 'server.tls is not configured: plain HTTP, bearer tokens only' };
  if (!tls.clientCa)
    return {
      id: 'L19',
      state: 'off',
      reason: 'HTTPS on (server.tls); no server.tls.clientCa, so callers authenticate with bearer tokens only',
    };
  return {
    id: 'L19',
    state: 'on',
    reason: `client certificates verified against server.tls.clientCa (chain, validity, clientAuth usage${tls.crl ? ', CRL re-read on change' : ''}) and mapped to callers by ${tls.clients} server.tls.clients entr${tls.clients === 1 ? 'y' : 'ies'}; unmapped ones get nothing; a certificate is ${tls.clientCert === 'required' ? 'required on every route but /health and signed routes' : 'optional (bearer tokens also accepted)'}`,
  };
}

/** L18 (and L19) as the gateway runs it with these limits (also the offline view's). */
export function gatewayLayers(
  limits: AuthFailureLimitConfig = DEFAULT_AUTH_FAILURE_LIMIT,
  connections: ConnectionLimits = ConnectionLimitsSchema.parse({}),
  ui?: Pick<UiConfig, 'enabled' | 'sessionHours' | 'idleMinutes'>,
  tls?: TlsSummary,
): GateReport[] {
  const uiPart =
    ui?.enabled === true
      ? `; web UI at / logs in with a token once: HttpOnly SameSite=Strict cookie bound to its scopes (${ui.sessionHours} h, ${ui.idleMinutes} min idle, ends when the token is revoked), same origin and CSRF value on every change`
      : '';
  return [
    mtlsLayer(tls),
    {
      id: 'L18',
      state: 'on',
      reason: `bearer token with scopes required on every route but /health; tokens stored as SHA-256 hashes; token-less refusals throttled per client address (${limits.maxFailures} per ${limits.windowMs / 1000} s), refusals of known tokens audited on their own allowance; at most ${connections.max} connections (${connections.perAddress} per address), unauthenticated ones evicted first; Host/Origin checked on loopback${uiPart}`,
    },
  ];
}

export function createGateway(deps: GatewayDeps): Gateway {
  const app: GatewayApp = new Hono<GatewayEnv>();
  const turns = new ActiveTurns();
  const limits = deps.authFailures ?? DEFAULT_AUTH_FAILURE_LIMIT;
  const limiter = new AuthFailureLimiter(limits, deps.bus, deps.clock);
  // Ended windows are summarised on time even when their client never comes back.
  const sweeper = setInterval(() => limiter.sweep(), Math.min(limits.windowMs, 60_000));
  sweeper.unref();
  const connections = new ConnectionGuard(
    deps.connections ?? ConnectionLimitsSchema.parse({}),
    deps.timeouts ?? ServerTimeoutsSchema.parse({}),
  );
  const accessLog = new AccessLog(deps.logger, {
    connections: () => connections.takeCounters(),
    ...(deps.accessSummaryMs !== undefined ? { windowMs: deps.accessSummaryMs } : {}),
  });
  const auth: AuthDeps = {
    tokens: deps.tokens,
    bus: deps.bus,
    limiter,
    onAuthenticated: (c) => connections.authenticated(c.env?.incoming?.socket),
    ...(deps.certificates ? { certificates: deps.certificates } : {}),
  };
  const scope = (s: TokenScope): MiddlewareHandler<GatewayEnv> => requireScope(auth, s);

  app.use('*', async (c, next) => {
    const started = Date.now();
    c.set('traceId', newTraceId());
    await next();
    // Path only: the query string could carry a credential that was just refused.
    const entry = {
      traceId: c.get('traceId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - started,
      client: clientKey(remoteAddressOf(c)),
    };
    if ((c.get('identity') as unknown) !== undefined) accessLog.authenticated(entry);
    else accessLog.anonymous(entry);
    // Every refused request is audited; 401/403 already were, by L18, with their reason. Without a verified
    // token, the L18 throttle decides whether this one still gets its own line.
    const status = c.res.status;
    if (status >= 400 && status !== 401 && status !== 403 && c.get('refusalHandled') !== true) {
      const anonymous = (c.get('identity') as unknown) === undefined;
      if (anonymous && limiter.fail(remoteAddressOf(c)) === 'suppress') return;
      deps.bus.emit('security:request_rejected', {
        traceId: c.get('traceId'),
        outcome: 'rejected',
        status,
        method: c.req.method,
        path: truncatePath(c.req.path),
      });
    }
  });
  app.use('*', securityHeaders(deps.ui ? isUiPath : undefined));
  app.use(
    '*',
    hostGuard({
      enabled: isLoopbackName(deps.bindHost ?? '127.0.0.1'),
      allowedHosts: deps.allowedHosts ?? [],
      publicOrigin: deps.publicOrigin,
      onRefuse: (c, reason, value) => {
        if (limiter.fail(remoteAddressOf(c)) === 'suppress') return;
        deps.bus.emit('security:request_rejected', {
          layer: 'L18',
          traceId: c.get('traceId'),
          outcome: 'rejected',
          reason,
          value: value.slice(0, 100),
          method: c.req.method,
          path: truncatePath(c.req.path),
        });
      },
    }),
  );
  app.use('*', throttleRefused(auth));
  app.use('*', refuseQueryTokens(auth));

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.all('/health', methodNotAllowed('GET'));
  deps.ui?.register(app, auth);

  const signed = deps.signedRoutes ?? [];
  for (const r of signed) r.register(app, turns);
  const cookieAuth = deps.ui?.authenticate(auth);
  app.use('*', async (c, next) => {
    if (c.req.path === '/health' || signed.some((r) => c.req.path.startsWith(r.prefix))) return next();
    if (cookieAuth && deps.ui?.usesCookie(c)) return cookieAuth(c, next);
    return requireToken(auth)(c, next);
  });

  app.get('/v1/models', scope('chat'), listModelsHandler(deps.runtime));
  app.all('/v1/models', methodNotAllowed('GET'));
  app.get('/v1/models/:id', scope('chat'), getModelHandler(deps.runtime));
  app.all('/v1/models/:id', methodNotAllowed('GET'));
  app.post(
    '/v1/chat/completions',
    scope('chat'),
    chatCompletionsHandler({
      runtime: deps.runtime,
      bodyLimitBytes: deps.bodyLimitBytes,
      turns,
      logger: deps.logger,
      bus: deps.bus,
    }),
  );
  app.all('/v1/chat/completions', methodNotAllowed('POST'));

  for (const register of deps.routes ?? []) register(app, scope);

  app.notFound((c) =>
    sendFailure(c, failure(404, `no route ${c.req.method} ${truncatePath(c.req.path)}`, 'not_found')),
  );
  app.onError((error, c) => {
    deps.logger.error({ traceId: c.get('traceId'), err: describeCause(error) }, 'unhandled error in a route');
    return sendFailure(
      c,
      failure(500, `internal error (trace ${c.get('traceId')}); the daemon log has the details`, 'internal_error'),
    );
  });
  return {
    name: 'gateway',
    layers: () => gatewayLayers(limits, deps.connections, undefined, deps.tls),
    app,
    turns,
    connections,
    accessLog,
    close: () => {
      clearInterval(sweeper);
      limiter.flush();
      accessLog.close();
    },
  };
}
