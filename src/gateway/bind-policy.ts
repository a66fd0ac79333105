/**
 * Where the gateway may listen. Without `server.tls` bulwark speaks plain HTTP, so a bind address other than loopback
 * would send bearer tokens across the network in clear: it is refused unless TLS is configured or the operator opts
 * in with `server.insecure: true`.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { isLoopbackName } from '../config/index.js';

export function checkBindHost(host: string, insecure: boolean, tls = false): Result<void, BulwarkError> {
  if (isLoopbackName(host) || insecure || tls) return ok(undefined);
  return err(
    bulwarkError(
      'server.insecure_bind',
      `server.host is "${host}", which is not a loopback address, and server.tls is not configured: bearer tokens and conversations would cross the network unencrypted. Serve HTTPS (bulwark init --tls, or server.tls: { cert, key } in config.yaml), bind to 127.0.0.1 (server.host, or --host), or accept plain HTTP on the network with server.insecure: true`,
      { layer: 'L18' },
    ),
  );
}
