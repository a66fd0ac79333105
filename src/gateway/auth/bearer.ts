/**
 * L18 bearer-token middleware. Every route but /health needs `Authorization: Bearer bwk_...`;
 * tokens in the URL are refused outright (URLs end up in logs, proxies and shell history);
 * each refusal is audited as `auth:denied` with the reason and route, never the token.
 */
import type { MiddlewareHandler } from 'hono';
import { type EventBus, callerKey } from '../../core/index.js';
import { failure, sendFailure, type HttpFailure } from '../errors.js';
import type { GatewayEnv } from '../env.js';
import type { TokenScope } from './scopes.js';
import type { TokenStore } from './token-store.js';
import { looksLikeToken, TOKEN_PREFIX } from './token-format.js';
import { truncatePath } from '../access-log.js';
import type { AuthFailureLimiter } from './failure-limiter.js';
import type { ClientCertAuth } from './client-cert.js';

/** Query parameters that commonly carry credentials; compared lower-case with - and _ removed. */
const CREDENTIAL_PARAMS = new Set([
  'token',
  'accesstoken',
  'apikey',
  'key',
  'auth',
  'authorization',
  'bearer',
  'bearertoken',
  'authtoken',
  'idtoken',
  'secret',
  'password',
  'sessiontoken',
  'jwt',
]);
const MAX_AUTH_HEADER = 1024;

function normaliseParam(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** True when a query string carries something that looks like a credential. */
export function queryCarriesCredential(url: string): boolean {
  const params = new URL(url).searchParams;
  for (const [name, value] of params) {
    if (CREDENTIAL_PARAMS.has(normaliseParam(name))) return true;
    if (value.includes(TOKEN_PREFIX)) return true;
  }
  return false;
}

export interface AuthDeps {
  readonly tokens: TokenStore;
  readonly bus: EventBus;
  /** Bounds the audit lines (and answers 429) for clients that keep sending refused requests without a valid token. */
  readonly limiter?: AuthFailureLimiter;
  /** Told when a request's token verified (the connection guard then keeps its connection). */
  readonly onAuthenticated?: (c: Ctx) => void;
  /** L19: client certificates of TLS connections (server.tls.clientCa); absent without mTLS. */
  readonly certificates?: ClientCertAuth;
}

type Ctx = Parameters<MiddlewareHandler<GatewayEnv>>[0];

/** The peer address of the connection; undefined when the app is called without a node server (tests). */
export function remoteAddressOf(c: Ctx): string | undefined {
  const env = c.env as Partial<GatewayEnv['Bindings']> | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined for any other form. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length === 0 || header.length > MAX_AUTH_HEADER) return undefined;
  return /^Bearer +(\S+) *$/i.exec(header)?.[1];
}

export function deny(
  c: Ctx,
  deps: AuthDeps,
  f: HttpFailure,
  reason: string,
  tokenId?: string,
  wellFormedToken = false,
  extra: Readonly<Record<string, string>> = {},
): Response {
  c.set('refusalHandled', true);
  // A caller without a verified token draws on an allowance (per address, per known token id, per pool); past
  // it the refusal gets no audit line of its own, only a count in a summary line.
  const anonymous = (c.get('identity') as unknown) === undefined;
  const kind = { ...(tokenId !== undefined ? { tokenId } : {}), wellFormedToken };
  if (anonymous && deps.limiter?.fail(remoteAddressOf(c), kind) === 'suppress') return answer(c, f);
  deps.bus.emit('auth:denied', {
    layer: reason.startsWith('cert_') || reason.startsWith('crl_') ? 'L19' : 'L18',
    outcome: 'denied',
    reason,
    ...extra,
    route: truncatePath(c.req.path),
    method: c.req.method,
    traceId: c.get('traceId'),
    ...(tokenId ? { sender: tokenId } : {}),
  });
  return answer(c, f);
}

function answer(c: Ctx, f: HttpFailure): Response {
  if (f.status === 401) c.header('WWW-Authenticate', 'Bearer realm="bulwark"');
  return sendFailure(c, f);
}

/**
 * Answers 429 (Retry-After, no audit line of its own) to a throttled client address, unless the request
 * carries a token bulwark knows: a legitimate client behind the same address keeps working, and a revoked
 * token's refusal is still audited (on its own allowance). GET /health stays open.
 */
export function throttleRefused(deps: AuthDeps): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const limiter = deps.limiter;
    if (!limiter) return next();
    const address = remoteAddressOf(c);
    const waitMs = limiter.retryAfterMs(address);
    if (waitMs === undefined) return next();
    if (c.req.method === 'GET' && c.req.path === '/health') return next();
    const token = bearerToken(c.req.header('authorization'));
    if (token !== undefined && isKnownToken(deps.tokens.verify(token))) return next();
    if (deps.certificates?.judge(c).kind === 'caller') return next();
    limiter.throttled(address);
    c.set('refusalHandled', true);
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return sendFailure(c, {
      ...failure(
        429,
        `too many refused requests from this address; retry in ${seconds} s with a valid token ("Authorization: Bearer <token>")`,
        'rate_limited',
      ),
      headers: { 'Retry-After': String(seconds) },
    });
  };
}

/** A token the store recognises: valid, or refused with its id (revoked). */
function isKnownToken(verdict: ReturnType<TokenStore['verify']>): boolean {
  return verdict.ok || typeof verdict.error.details?.tokenId === 'string';
}

/** Refuses credentials in the query string on every route, /health included. */
export function refuseQueryTokens(deps: AuthDeps): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (queryCarriesCredential(c.req.url)) {
      return deny(
        c,
        deps,
        failure(
          400,
          'credentials in the URL query string are refused (URLs are logged and cached); send the token as an "Authorization: Bearer <token>" header',
          'token_in_query',
        ),
        'token_in_query',
      );
    }
    await next();
  };
}

/**
 * L19 before L18: a client certificate that fails verification, is revoked or maps to no caller refuses the request
 * (a bearer token does not make up for it); a verified, mapped one authenticates it, and an Authorization header is then
 * not read (clients such as the OpenAI SDKs always send one). Returns 'done' or a refusal when the certificate decided,
 * undefined when the bearer token decides.
 */
async function byCertificate(
  c: Ctx,
  deps: AuthDeps,
  next: () => Promise<void>,
): Promise<Response | 'done' | undefined> {
  const certs = deps.certificates;
  if (!certs) return undefined;
  const v = certs.judge(c);
  if (v.kind === 'refused') {
    const unmapped = v.reason === 'cert_unmapped';
    return deny(
      c,
      deps,
      failure(
        unmapped ? 403 : 401,
        `${v.detail}${unmapped ? '' : '; present a certificate issued by the client CA (bulwark cert issue NAME)'}`,
        unmapped ? 'certificate_unmapped' : 'invalid_certificate',
      ),
      v.reason,
      undefined,
      false,
      {
        ...(v.subject !== undefined ? { subject: v.subject.slice(0, 200) } : {}),
        ...(v.serial ? { serial: v.serial } : {}),
      },
    );
  }
  if (v.kind === 'none') {
    if (!certs.required) return undefined;
    return deny(
      c,
      deps,
      failure(
        401,
        'this server requires a client certificate (mutual TLS): connect with one issued by its client CA (bulwark cert issue NAME)',
        'certificate_required',
      ),
      'cert_missing',
    );
  }
  c.set('identity', v.caller);
  if (certs.firstOnConnection(c))
    deps.bus.emit('auth:granted', {
      layer: 'L19',
      outcome: 'allowed',
      reason: 'client_certificate',
      sender: callerKey(v.caller),
      subject: v.subject.slice(0, 200),
      serial: v.serial,
      scopes: v.caller.scopes.join(','),
      owner: v.caller.owner,
      route: truncatePath(c.req.path),
      traceId: c.get('traceId'),
    });
  deps.onAuthenticated?.(c);
  await next();
  return 'done';
}

/** Verifies the client certificate (L19) or the bearer token (L18) and stores the caller's identity for the route. */
export function requireToken(deps: AuthDeps): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const byCert = await byCertificate(c, deps, next);
    if (byCert === 'done') return;
    if (byCert !== undefined) return byCert;
    const header = c.req.header('authorization');
    if (header === undefined || header.length === 0) {
      return deny(
        c,
        deps,
        failure(
          401,
          'missing bearer token: send "Authorization: Bearer <token>"; create one with: bulwark token create',
          'missing_token',
        ),
        'missing_token',
      );
    }
    if (header.length > MAX_AUTH_HEADER) {
      return deny(
        c,
        deps,
        failure(401, 'the Authorization header is too long to be a bulwark token', 'invalid_token'),
        'oversized_header',
      );
    }
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) {
      return deny(
        c,
        deps,
        failure(401, 'unsupported Authorization scheme: use "Authorization: Bearer <token>"', 'invalid_token'),
        'bad_scheme',
      );
    }
    const presented = m[1] as string;
    const verdict = deps.tokens.verify(presented);
    if (!verdict.ok) {
      const reason = verdict.error.code.replace(/^auth\./, '');
      const tokenId = typeof verdict.error.details?.tokenId === 'string' ? verdict.error.details.tokenId : undefined;
      const code = reason === 'revoked' ? 'revoked_token' : 'invalid_token';
      return deny(
        c,
        deps,
        failure(401, `${verdict.error.message}; create a new one with: bulwark token create`, code),
        reason,
        tokenId,
        looksLikeToken(presented),
      );
    }
    const t = verdict.value;
    c.set('identity', { kind: 'token', id: t.id, scopes: t.scopes, owner: t.owner, label: t.name });
    deps.onAuthenticated?.(c);
    await next();
  };
}

/** Allows the route only to tokens that hold `scope`. Must run after requireToken. */
export function requireScope(deps: AuthDeps, scope: TokenScope): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const identity = c.get('identity');
    if (!identity.scopes.includes(scope)) {
      return deny(
        c,
        deps,
        failure(
          403,
          identity.kind === 'cert'
            ? `this client certificate (${identity.id}) lacks the "${scope}" scope needed for ${truncatePath(c.req.path)}; add it to its server.tls.clients entry`
            : `this token lacks the "${scope}" scope needed for ${truncatePath(c.req.path)}; create one with: bulwark token create --scopes ${scope}`,
          'missing_scope',
        ),
        'missing_scope',
        identity.id,
      );
    }
    await next();
  };
}
