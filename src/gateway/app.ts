/**
 * The gateway's HTTP application. Order, top to bottom, for every request:
 * trace id → security headers → L18 throttle (429 for an address past its refused-request limit) → refuse credentials in the URL → (all but /health) L18 bearer
 * token → per-route scope → route. Unknown routes answer 404 only to authenticated callers,
 * so the route table is not probeable without a token.
 */
import type { SecurityEvent } from '../core/events.js';
import type { GateReport, LayerReporter } from '../core/layers.js';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AgentRuntime } from '../agent/types.js';
import type { EventBus } from '../core/events.js';
import { describeCause } from '../core/errors.js';
import { newTraceId } from '../core/ids.js';
import { ActiveTurns } from './active-turns.js';
import { DEFAULT_AUTH_FAILURE_LIMIT, type AuthFailureLimitConfig } from '../config/sections/gateway.js';
import {
  refuseQueryTokens,
  remoteAddressOf,
  requireScope,
  requireToken,
  throttleRefused,
  type AuthDeps,
} from './auth/bearer.js';
import { AuthFailureLimiter } from './auth/failure-limiter.js';
import type { TokenScope } from './auth/scopes.js';
import type { TokenStore } from './auth/token-store.js';
import { failure, methodNotAllowed, sendFailure } from './errors.js';
import type { GatewayApp, GatewayEnv } from './env.js';
import { chatCompletionsHandler } from './openai/chat-completions.js';
import { getModelHandler, listModelsHandler } from './openai/models.js';
import { securityHeaders } from './security-headers.js';

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
}

export interface Gateway extends LayerReporter {
  readonly app: GatewayApp;
  readonly turns: ActiveTurns;
  /** Stops the L18 throttle's timer and audits the summaries of its open windows. */
  close(): void;
}

/** L18 as the gateway runs it with these limits (also the offline view's). */
export function gatewayLayers(limits: AuthFailureLimitConfig = DEFAULT_AUTH_FAILURE_LIMIT): GateReport[] {
  return [
    {
      id: 'L18',
      state: 'on',
      reason: `bearer token with scopes required on every route but /health; tokens stored as SHA-256 hashes; token-less refusals throttled per client address (${limits.maxFailures} per ${limits.windowMs / 1000} s)`,
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
  const auth: AuthDeps = { tokens: deps.tokens, bus: deps.bus, limiter };
  const scope = (s: TokenScope): MiddlewareHandler<GatewayEnv> => requireScope(auth, s);

  app.use('*', async (c, next) => {
    const started = Date.now();
    c.set('traceId', newTraceId());
    await next();
    // Path only: the query string could carry a credential that was just refused.
    deps.logger.info(
      {
        traceId: c.get('traceId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Date.now() - started,
      },
      'http',
    );
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
        path: c.req.path,
      });
    }
  });
  app.use('*', securityHeaders());
  app.use('*', throttleRefused(auth));
  app.use('*', refuseQueryTokens(auth));

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.all('/health', methodNotAllowed('GET'));

  app.use('*', async (c, next) => {
    if (c.req.path === '/health') return next();
    return requireToken(auth)(c, next);
  });

  app.get('/v1/models', scope('chat'), listModelsHandler(deps.runtime));
  app.all('/v1/models', methodNotAllowed('GET'));
  app.get('/v1/models/:id', scope('chat'), getModelHandler(deps.runtime));
  app.all('/v1/models/:id', methodNotAllowed('GET'));
  app.post(
    '/v1/chat/completions',
    scope('chat'),
    chatCompletionsHandler({ runtime: deps.runtime, bodyLimitBytes: deps.bodyLimitBytes, turns, logger: deps.logger }),
  );
  app.all('/v1/chat/completions', methodNotAllowed('POST'));

  for (const register of deps.routes ?? []) register(app, scope);

  app.notFound((c) => sendFailure(c, failure(404, `no route ${c.req.method} ${c.req.path}`, 'not_found')));
  app.onError((error, c) => {
    deps.logger.error({ traceId: c.get('traceId'), err: describeCause(error) }, 'unhandled error in a route');
    return sendFailure(
      c,
      failure(500, `internal error (trace ${c.get('traceId')}); the daemon log has the details`, 'internal_error'),
    );
  });
  return {
    name: 'gateway',
    layers: () => gatewayLayers(limits),
    app,
    turns,
    close: () => {
      clearInterval(sweeper);
      limiter.flush();
    },
  };
}
