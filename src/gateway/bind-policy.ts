/**
 * Where the gateway may listen. bulwark speaks plain HTTP until the TLS transport lands, so a bind address other
 * than loopback would send bearer tokens across the network in clear: it is refused unless the operator opts in
 * with `server.insecure: true`.
 */
import { bulwarkError, type BulwarkError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { isLoopbackName } from './host-guard.js';

export function checkBindHost(host: string, insecure: boolean): Result<void, BulwarkError> {
  if (isLoopbackName(host) || insecure) return ok(undefined);
  return err(
    bulwarkError(
      'server.insecure_bind',
      `server.host is "${host}", which is not a loopback address: bulwark serves plain HTTP (no TLS yet), so bearer tokens and conversations would cross the network unencrypted. Bind to 127.0.0.1 (server.host in config.yaml, or --host), or accept plain HTTP on the network with server.insecure: true`,
      { layer: 'L18' },
    ),
  );
}
