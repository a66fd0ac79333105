/**
 * DNS rebinding protection while bound to loopback. A web page on evil.example can make a browser resolve that name
 * to 127.0.0.1 and send requests to this port: the browser then sends `Host: evil.example` (and its own Origin). A
 * request naming any host other than localhost, a loopback address or `server.allowedHosts`, or another port, is
 * refused with 421; a request whose Origin is not such a host on this port (a web page elsewhere, a local web app
 * on another port, or `null`) with 403. `server.publicOrigin` (a reverse proxy's origin) is accepted in both.
 */
import type { MiddlewareHandler } from 'hono';
import { isLoopbackName, type PublicOrigin } from '../config/index.js';
import { failure, sendFailure, type HttpFailure } from './errors.js';
import type { GatewayEnv } from './env.js';
import { hostIsPublic } from './public-origin.js';

export interface HostGuardOptions {
  /** On when the gateway is bound to a loopback address. */
  readonly enabled: boolean;
  /** Extra host names accepted (server.allowedHosts). */
  readonly allowedHosts: readonly string[];
  /** server.publicOrigin: a reverse proxy's origin, accepted in Host and Origin whatever its port. */
  readonly publicOrigin?: PublicOrigin | undefined;
  /** Told of each refusal (it audits, within the L18 allowance). */
  readonly onRefuse: (c: Parameters<MiddlewareHandler<GatewayEnv>>[0], reason: string, value: string) => void;
}

interface Authority {
  readonly hostname: string;
  readonly port: number | undefined;
}

/** host[:port] of a Host header, or undefined when it is not one (userinfo, path, junk). */
function parseAuthority(value: string, scheme: 'http' | 'https' = 'http'): Authority | undefined {
  if (value.length === 0 || value.length > 300 || /[@/\\?#\s]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(`${scheme}://${value}`);
  } catch {
    // Not an authority a URL parser accepts: refused as such by the caller.
    return undefined;
  }
  return { hostname: url.hostname.toLowerCase(), port: url.port === '' ? undefined : Number(url.port) };
}

function defaultPort(scheme: string): number {
  return scheme === 'https:' ? 443 : 80;
}

function originAllowed(
  origin: string,
  allowedName: (hostname: string) => boolean,
  portOk: (port: number | undefined, fallback: number) => boolean,
): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    // `null` and anything that is not a URL: not a page of this machine's.
    return false;
  }
  return (
    (u.protocol === 'http:' || u.protocol === 'https:') &&
    allowedName(u.hostname) &&
    portOk(u.port === '' ? undefined : Number(u.port), defaultPort(u.protocol))
  );
}

export function hostGuard(opts: HostGuardOptions): MiddlewareHandler<GatewayEnv> {
  const extra = new Set(opts.allowedHosts.map((h) => h.toLowerCase()));
  const allowedName = (hostname: string): boolean => isLoopbackName(hostname) || extra.has(hostname);
  return async (c, next) => {
    if (!opts.enabled) return next();
    const localPort = c.env?.incoming?.socket?.localPort;
    const portOk = (port: number | undefined, fallback: number): boolean =>
      localPort === undefined || (port ?? fallback) === localPort;
    const host = c.req.header('host');
    if (host !== undefined && !hostIsPublic(opts.publicOrigin, host)) {
      const a = parseAuthority(host);
      // A Host without a port is taken as meant for this port (browsers always name a non-default one).
      if (!a || !allowedName(a.hostname) || (a.port !== undefined && !portOk(a.port, 80)))
        return refuse(
          c,
          opts,
          'foreign_host',
          host,
          failure(
            421,
            `this bulwark answers only to localhost and loopback addresses${localPort ? ` on port ${localPort}` : ''}; a request for host "${host.slice(0, 100)}" is refused (DNS rebinding protection). To use another name, add it to server.allowedHosts in config.yaml`,
            'misdirected_request',
          ),
        );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      const ok = origin.toLowerCase() === opts.publicOrigin?.origin || originAllowed(origin, allowedName, portOk);
      if (!ok)
        return refuse(
          c,
          opts,
          'foreign_origin',
          origin,
          failure(
            403,
            `requests from web pages of other sites are refused: Origin "${origin.slice(0, 100)}" is not localhost or a loopback address (DNS rebinding protection)`,
            'foreign_origin',
          ),
        );
    }
    await next();
  };
}

function refuse(
  c: Parameters<MiddlewareHandler<GatewayEnv>>[0],
  opts: HostGuardOptions,
  reason: string,
  value: string,
  f: HttpFailure,
): Response {
  c.set('refusalHandled', true);
  opts.onRefuse(c, reason, value);
  // Whatever the client meant, this connection is not for it.
  c.header('Connection', 'close');
  return sendFailure(c, f);
}
