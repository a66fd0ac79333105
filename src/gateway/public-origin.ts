/**
 * `server.publicOrigin` at the gateway. Behind a TLS-terminating reverse proxy, neither the socket (no TLS) nor the
 * port (443 outside, 8787 inside) tells the gateway what the page's origin is. A request whose Host names the public
 * origin's authority is treated as coming through the proxy: the Host/Origin guard accepts that origin, the UI
 * compares Origin with it, and the UI cookie is `Secure` and `__Host-` prefixed when it is https.
 */
import type { PublicOrigin } from '../config/index.js';

/** True when a Host header names the public origin's authority (its default port written or not). */
export function hostIsPublic(publicOrigin: PublicOrigin | undefined, host: string | undefined): boolean {
  if (publicOrigin === undefined || host === undefined || host.length > 300 || /[@/\\?#\s]/.test(host)) return false;
  try {
    return new URL(`${publicOrigin.secure ? 'https' : 'http'}://${host}`).host.toLowerCase() === publicOrigin.authority;
  } catch {
    // Not an authority at all: not the public one.
    return false;
  }
}
