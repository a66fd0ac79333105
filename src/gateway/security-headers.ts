/** Headers on every response: nothing cached, no type sniffing, no framing, no referrer. */
import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from './env.js';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The web UI's pages: scripts, styles, images and connections from this origin only — no inline script or style, no
 * eval, no plugins, no framing, forms only to this origin, and DOM sinks only through Trusted Types (none are used).
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** `uiPath` names the paths served to the web UI (they get UI_CSP); every other response keeps the API's policy. */
export function securityHeaders(uiPath?: (path: string) => boolean): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (uiPath?.(c.req.path) === true) c.res.headers.set('Content-Security-Policy', UI_CSP);
  };
}
