/**
 * L18 for the web UI: the login that trades a token for a session cookie, the cookie check on API routes, and CSRF.
 *
 *   POST /ui/login    body { token }  → Set-Cookie (HttpOnly, SameSite=Strict, Secure and `__Host-` over TLS)
 *   GET  /ui/session  who the cookie logs in as, its scopes and the CSRF value (kept in page memory only)
 *   POST /ui/logout   ends the session (CSRF checked)
 *
 * A request with a session cookie and no Authorization header is authenticated by the cookie. A state-changing one
 * (anything but GET/HEAD) must also come from this origin (`Sec-Fetch-Site`, `Origin`) and carry the session's CSRF
 * value in `x-bulwark-csrf`; otherwise 403, audited. The login itself takes JSON only and only from this origin, so a
 * cross-site form can neither log a browser in nor act with its cookie (SameSite=Strict keeps the cookie off
 * cross-site requests in the first place).
 */
import type { Context, MiddlewareHandler, Next } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { deny, type AuthDeps } from '../auth/bearer.js';
import { readJsonBody } from '../body.js';
import type { GatewayApp, GatewayEnv } from '../env.js';
import { failure, methodNotAllowed, sendFailure } from '../errors.js';
import type { PublicOrigin } from '../../config/index.js';
import { hostIsPublic } from '../public-origin.js';
import type { UiSession, UiSessions } from './ui-sessions.js';

export const CSRF_HEADER = 'x-bulwark-csrf';
const COOKIE = 'bulwark_ui';
const SECURE_COOKIE = '__Host-bulwark_ui';
const LoginBody = z.strictObject({ token: z.string().min(1).max(1024) });

type Ctx = Context<GatewayEnv>;

/** Where the page is served from: over TLS itself, or through a TLS-terminating proxy (server.publicOrigin). */
function pageIsSecure(c: Ctx, publicOrigin: PublicOrigin | undefined): boolean {
  const socket = c.env?.incoming?.socket as Partial<TLSSocket> | undefined;
  if (socket?.encrypted === true) return true;
  return publicOrigin?.secure === true && hostIsPublic(publicOrigin, c.req.header('host'));
}

function cookieName(c: Ctx, publicOrigin: PublicOrigin | undefined): string {
  return pageIsSecure(c, publicOrigin) ? SECURE_COOKIE : COOKIE;
}

/** The session cookie's value, if the request carries one. */
export function sessionCookie(c: Ctx, publicOrigin: PublicOrigin | undefined): string | undefined {
  const v = getCookie(c, cookieName(c, publicOrigin));
  return v === undefined || v.length === 0 ? undefined : v;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** This request's own origin, as the browser would write it. */
function ownOrigin(c: Ctx, publicOrigin: PublicOrigin | undefined): string | undefined {
  const host = c.req.header('host');
  if (host === undefined) return undefined;
  if (publicOrigin !== undefined && hostIsPublic(publicOrigin, host)) return publicOrigin.origin;
  return `${pageIsSecure(c, undefined) ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** Why a state-changing cookie request is not from this origin, or undefined when it is. */
function crossSiteReason(c: Ctx, publicOrigin: PublicOrigin | undefined): string | undefined {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is "${site.slice(0, 40)}"`;
  const origin = c.req.header('origin');
  if (origin === undefined) return 'no Origin header';
  if (origin.toLowerCase() !== ownOrigin(c, publicOrigin)) return `Origin "${origin.slice(0, 100)}" is not this site`;
  return undefined;
}

export interface UiAuthDeps {
  readonly sessions: UiSessions;
  readonly auth: AuthDeps;
  /** Max-Age of the cookie, seconds (the session's lifetime). */
  readonly cookieSeconds: number;
  /** server.publicOrigin, when a TLS-terminating reverse proxy serves the page. */
  readonly publicOrigin?: PublicOrigin | undefined;
}

function setSessionCookie(c: Ctx, deps: UiAuthDeps, value: string, maxAge: number): void {
  setCookie(c, cookieName(c, deps.publicOrigin), value, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: pageIsSecure(c, deps.publicOrigin),
    path: '/',
    maxAge,
  });
}

function sessionBody(s: UiSession): Record<string, unknown> {
  return {
    object: 'ui_session',
    label: s.label,
    tokenId: s.tokenId,
    scopes: s.scopes,
    owner: s.owner,
    csrf: s.csrf,
    expiresAt: new Date(s.expiresAt).toISOString(),
  };
}

const EXPIRED_HINT = 'log in again with an API token (bulwark token create)';

/**
 * Authenticates a request by its session cookie (the caller made sure it has one and no Authorization header):
 * sets the identity, checks origin and CSRF for state-changing methods, then hands on.
 */
export function cookieAuth(deps: UiAuthDeps): (c: Ctx, next: Next) => Promise<Response | void> {
  return async (c, next) => {
    const value = sessionCookie(c, deps.publicOrigin) as string;
    const found = deps.sessions.lookup(value);
    if (!found.ok) {
      // An ended session's cookie is dropped so the page falls back to its login form.
      setSessionCookie(c, deps, '', 0);
      return deny(
        c,
        deps.auth,
        failure(401, `the web UI session has ended (${found.reason.replace('_', ' ')}); ${EXPIRED_HINT}`, found.reason),
        `ui_${found.reason}`,
      );
    }
    const session = found.session;
    const caller = deps.sessions.callerOf(session);
    if (!SAFE_METHODS.has(c.req.method)) {
      const crossSite = crossSiteReason(c, deps.publicOrigin);
      if (crossSite !== undefined)
        return deny(
          c,
          deps.auth,
          failure(
            403,
            `a cookie-authenticated change must come from the bulwark page itself: ${crossSite}`,
            'cross_site',
          ),
          'ui_cross_site',
          session.tokenId,
        );
      if (!deps.sessions.csrfMatches(session, c.req.header(CSRF_HEADER)))
        return deny(
          c,
          deps.auth,
          failure(
            403,
            `missing or wrong CSRF token: a change made with the UI session cookie needs the page's "${CSRF_HEADER}" header`,
            'csrf_failed',
          ),
          'ui_csrf',
          session.tokenId,
        );
    }
    c.set('identity', caller);
    deps.auth.onAuthenticated?.(c);
    await next();
  };
}

/** POST /ui/login, GET /ui/session, POST /ui/logout: public routes (they check the cookie or the token themselves). */
export function registerUiAuthRoutes(app: GatewayApp, deps: UiAuthDeps): void {
  const { sessions, auth } = deps;

  app.post('/ui/login', async (c) => {
    const crossSite = crossSiteReason(c, deps.publicOrigin);
    if (crossSite !== undefined)
      return deny(
        c,
        auth,
        failure(403, `log in from the bulwark page itself: ${crossSite}`, 'cross_site'),
        'ui_login_cross_site',
      );
    const body = await readJsonBody(c.req.raw, 4096);
    if (!body.ok) return deny(c, auth, body.error, 'ui_login_bad_request');
    const parsed = LoginBody.safeParse(body.value);
    if (!parsed.success)
      return deny(c, auth, failure(400, 'send {"token": "bwk_…"}', 'invalid_request'), 'ui_login_bad_request');
    const verdict = auth.tokens.verify(parsed.data.token.trim());
    if (!verdict.ok) {
      const tokenId = typeof verdict.error.details?.tokenId === 'string' ? verdict.error.details.tokenId : undefined;
      const reason = verdict.error.code.replace(/^auth\./, '');
      return deny(
        c,
        auth,
        failure(401, `${verdict.error.message}; create one with: bulwark token create`, 'invalid_token'),
        `ui_login_${reason}`,
        tokenId,
        true,
      );
    }
    const { value, session } = sessions.create(verdict.value);
    c.set('identity', sessions.callerOf(session));
    auth.onAuthenticated?.(c);
    auth.bus.emit('auth:granted', {
      layer: 'L18',
      outcome: 'granted',
      reason: 'ui_login',
      sender: session.tokenId,
      scopes: session.scopes,
      traceId: c.get('traceId'),
    });
    setSessionCookie(c, deps, value, deps.cookieSeconds);
    return c.json(sessionBody(session));
  });
  app.all('/ui/login', methodNotAllowed('POST'));

  app.get('/ui/session', (c) => {
    const value = sessionCookie(c, deps.publicOrigin);
    if (value === undefined) return sendFailure(c, failure(401, `not logged in; ${EXPIRED_HINT}`, 'not_logged_in'));
    const found = sessions.lookup(value);
    if (!found.ok) {
      setSessionCookie(c, deps, '', 0);
      return sendFailure(c, failure(401, `the web UI session has ended; ${EXPIRED_HINT}`, found.reason));
    }
    c.set('identity', sessions.callerOf(found.session));
    return c.json(sessionBody(found.session));
  });
  app.all('/ui/session', methodNotAllowed('GET'));

  const logout: MiddlewareHandler<GatewayEnv> = async (c, next) => {
    if (sessionCookie(c, deps.publicOrigin) === undefined)
      return sendFailure(c, failure(401, 'not logged in', 'not_logged_in'));
    return cookieAuth(deps)(c, next);
  };
  app.post('/ui/logout', logout, (c) => {
    const identity = c.get('identity');
    sessions.end(sessionCookie(c, deps.publicOrigin) as string);
    auth.bus.emit('auth:granted', {
      layer: 'L18',
      outcome: 'logged_out',
      reason: 'ui_logout',
      sender: identity.id,
      traceId: c.get('traceId'),
    });
    setSessionCookie(c, deps, '', 0);
    return c.json({ object: 'ui_session', loggedOut: true });
  });
  app.all('/ui/logout', methodNotAllowed('POST'));
}
