/**
 * The web control UI as the gateway mounts it: its static files at `/` and `/ui/*`, its login routes, and the cookie
 * authentication the gateway's L18 middleware hands a request to when it carries the UI's session cookie instead of an
 * Authorization header. The page talks to the same /v1 routes as every client, under the token's scopes.
 */
import type { Context, Next } from 'hono';
import type { BulwarkError, Result } from '../../core/index.js';
import type { PublicOrigin, UiConfig } from '../../config/index.js';
import type { AuthDeps } from '../auth/bearer.js';
import type { GatewayApp, GatewayEnv } from '../env.js';
import { failure, methodNotAllowed, sendFailure } from '../errors.js';
import type { UiAsset } from './assets.js';
import { cookieAuth, registerUiAuthRoutes, sessionCookie } from './ui-auth.js';
import { UiSessions, type TokenStates } from './ui-sessions.js';

export { loadUiAssets } from './assets.js';
export { CSRF_HEADER } from './ui-auth.js';
export { UiSessions } from './ui-sessions.js';

export interface WebUiDeps {
  readonly config: UiConfig;
  readonly tokens: TokenStates;
  /** The built files (loadUiAssets), or why there are none: the UI routes then answer 503 saying how to build. */
  readonly assets: Result<ReadonlyMap<string, UiAsset>, BulwarkError>;
  readonly clock?: () => number;
  /** server.publicOrigin: the page's origin when a TLS-terminating reverse proxy forwards to the gateway. */
  readonly publicOrigin?: PublicOrigin | undefined;
}

export interface WebUi {
  readonly sessions: UiSessions;
  /** Mounts `/`, `/ui/*` and the login routes; called by the gateway ahead of its bearer-token check. */
  register(app: GatewayApp, auth: AuthDeps): void;
  /** True when this request is to be authenticated by the UI's cookie (it has one and no Authorization header). */
  usesCookie(c: Context<GatewayEnv>): boolean;
  /** The cookie check (identity, origin, CSRF) that stands in for the bearer check on such a request. */
  authenticate(auth: AuthDeps): (c: Context<GatewayEnv>, next: Next) => Promise<Response | void>;
}

/** Paths whose responses carry the UI's Content-Security-Policy instead of the API's. */
export function isUiPath(path: string): boolean {
  return path === '/' || path.startsWith('/ui/');
}

export function createWebUi(deps: WebUiDeps): WebUi {
  const sessions = new UiSessions(deps.config, deps.tokens, deps.clock);
  const cookieSeconds = Math.round(deps.config.sessionHours * 3600);
  const serve = (name: string) => (c: Context<GatewayEnv>) => {
    if (!deps.assets.ok) return sendFailure(c, failure(503, deps.assets.error.message, 'ui_not_built'));
    const asset = deps.assets.value.get(name);
    if (!asset) return c.notFound();
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': asset.type });
  };
  return {
    sessions,
    register(app, auth) {
      const uiDeps = { sessions, auth, cookieSeconds, publicOrigin: deps.publicOrigin };
      app.get('/', serve('index.html'));
      app.all('/', methodNotAllowed('GET'));
      const names = deps.assets.ok ? [...deps.assets.value.keys()].filter((n) => n !== 'index.html') : [];
      for (const name of names) {
        app.get(`/ui/${name}`, serve(name));
        app.all(`/ui/${name}`, methodNotAllowed('GET'));
      }
      registerUiAuthRoutes(app, uiDeps);
    },
    usesCookie: (c) => c.req.header('authorization') === undefined && sessionCookie(c, deps.publicOrigin) !== undefined,
    authenticate: (auth) => cookieAuth({ sessions, auth, cookieSeconds, publicOrigin: deps.publicOrigin }),
  };
}
