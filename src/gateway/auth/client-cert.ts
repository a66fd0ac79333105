/**
 * L19 in the gateway: reads the client certificate of a request's TLS connection and has the ClientCertAuthority
 * (src/transport/client-cert.ts) judge it. Requests over plain HTTP, or without a client CA configured, have no verdict.
 */
import type { TLSSocket } from 'node:tls';
import type { MiddlewareHandler } from 'hono';
import type { ClientCertAuthority, ClientCertVerdict } from '../../transport/index.js';
import type { GatewayEnv } from '../env.js';

type Ctx = Parameters<MiddlewareHandler<GatewayEnv>>[0];

export interface ClientCertAuth {
  /** The verdict on this request's client certificate. */
  judge(c: Ctx): ClientCertVerdict;
  /** `server.tls.clientCert: required`: a request without a verified, mapped certificate is refused. */
  readonly required: boolean;
  /** True the first time it is asked about a request's TLS connection: its grant is audited once, not per request. */
  firstOnConnection(c: Ctx): boolean;
}

function tlsSocketOf(c: Ctx): TLSSocket | undefined {
  const socket = (c.env as Partial<GatewayEnv['Bindings']> | undefined)?.incoming?.socket as TLSSocket | undefined;
  return socket && typeof socket.getPeerCertificate === 'function' ? socket : undefined;
}

export function clientCertAuth(authority: ClientCertAuthority, required: boolean): ClientCertAuth {
  const seen = new WeakSet<TLSSocket>();
  return {
    required,
    firstOnConnection(c) {
      const socket = tlsSocketOf(c);
      if (!socket || seen.has(socket)) return false;
      seen.add(socket);
      return true;
    },
    judge(c) {
      const socket = tlsSocketOf(c);
      if (!socket) return { kind: 'none' };
      const peer = socket.getPeerCertificate(false);
      const raw = (peer as { raw?: Buffer } | null)?.raw;
      return authority.judge({
        authorized: socket.authorized,
        ...(socket.authorizationError !== undefined ? { authorizationError: String(socket.authorizationError) } : {}),
        ...(raw !== undefined ? { raw } : {}),
      });
    },
  };
}
