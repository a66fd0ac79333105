/**
 * L19: from the client certificate of a TLS connection to a caller. Node's TLS layer has verified the chain to
 * `server.tls.clientCa` and the validity dates (`authorized`, `authorizationError`); here the certificate must also
 * be meant for client authentication, not be revoked (CRL), and match an entry of `server.tls.clients`, which gives
 * it its identity, scopes and owner flag. A certificate nothing matches gets nothing.
 */
import { createHash } from 'node:crypto';
import type { Caller } from '../core/index.js';
import type { TlsClient } from '../config/index.js';
import type { RevocationVerdict } from './crl.js';
import { normaliseSerial, x509 } from './x509.js';

/** What the TLS layer knows of the peer (a TLSSocket's `authorized`, `authorizationError`, peer certificate DER). */
export interface PeerCertificate {
  readonly authorized: boolean;
  readonly authorizationError?: string;
  /** DER of the leaf; undefined when the client sent no certificate. */
  readonly raw?: Buffer;
}

export type CertRefusal =
  | 'cert_untrusted'
  | 'cert_expired'
  | 'cert_not_yet_valid'
  | 'cert_revoked'
  | 'cert_not_for_clients'
  | 'cert_unmapped'
  | 'crl_unavailable';

export type ClientCertVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'caller'; readonly caller: Caller; readonly subject: string; readonly serial: string }
  | {
      readonly kind: 'refused';
      readonly reason: CertRefusal;
      readonly detail: string;
      readonly subject?: string;
      readonly serial?: string;
    };

interface Parsed {
  readonly cn: readonly string[];
  readonly sans: readonly string[];
  readonly subject: string;
  readonly serial: string;
  readonly clientAuth: boolean;
}

const CACHE_MAX = 256;

function parse(raw: Buffer): Parsed {
  const cert = new x509.X509Certificate(raw);
  const cn = cert.subjectName.getField('CN');
  const sanExt = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const sans = sanExt ? sanExt.names.items.map((n) => n.value) : [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const clientAuth = !eku || eku.usages.map(String).includes(x509.ExtendedKeyUsage.clientAuth);
  return { cn, sans, subject: cert.subject, serial: normaliseSerial(cert.serialNumber), clientAuth };
}

function authorizationReason(code: string | undefined): { reason: CertRefusal; detail: string } {
  if (code === 'CERT_HAS_EXPIRED') return { reason: 'cert_expired', detail: 'the client certificate has expired' };
  if (code === 'CERT_NOT_YET_VALID')
    return { reason: 'cert_not_yet_valid', detail: 'the client certificate is not valid yet' };
  return {
    reason: 'cert_untrusted',
    detail: `the client certificate does not chain to server.tls.clientCa (${code ?? 'not verified'})`,
  };
}

export class ClientCertAuthority {
  private readonly cache = new Map<string, Parsed>();

  constructor(
    private readonly clients: readonly TlsClient[],
    /** The CRL check, when server.tls.crl is set. */
    private readonly revocation?: (serial: string) => RevocationVerdict,
  ) {}

  judge(peer: PeerCertificate): ClientCertVerdict {
    if (!peer.raw || peer.raw.length === 0) return { kind: 'none' };
    let parsed: Parsed;
    try {
      parsed = this.parsed(peer.raw);
    } catch (cause) {
      return {
        kind: 'refused',
        reason: 'cert_untrusted',
        detail: `the client certificate cannot be read: ${cause instanceof Error ? cause.message : 'parse error'}`,
      };
    }
    const who = { subject: parsed.subject, serial: parsed.serial };
    if (!peer.authorized) return { kind: 'refused', ...authorizationReason(peer.authorizationError), ...who };
    if (!parsed.clientAuth)
      return {
        kind: 'refused',
        reason: 'cert_not_for_clients',
        detail: 'the certificate is not meant for client authentication (extended key usage)',
        ...who,
      };
    if (this.revocation) {
      const r = this.revocation(parsed.serial);
      if (r === 'revoked')
        return { kind: 'refused', reason: 'cert_revoked', detail: 'the client certificate is revoked (CRL)', ...who };
      if (r !== 'good') return { kind: 'refused', reason: 'crl_unavailable', detail: r.unavailable, ...who };
    }
    const entry = this.clients.find((c) =>
      c.match.cn !== undefined ? parsed.cn.includes(c.match.cn) : parsed.sans.includes(c.match.san as string),
    );
    if (!entry)
      return {
        kind: 'refused',
        reason: 'cert_unmapped',
        detail: 'no server.tls.clients entry matches this certificate (its CN or SAN): it gets nothing',
        ...who,
      };
    const id = entry.match.cn !== undefined ? `cn=${entry.match.cn}` : `san=${entry.match.san as string}`;
    return {
      kind: 'caller',
      caller: {
        kind: 'cert',
        id,
        scopes: [...entry.scopes],
        owner: entry.owner,
        label: entry.name ?? `serial ${parsed.serial}`,
      },
      ...who,
    };
  }

  private parsed(raw: Buffer): Parsed {
    const key = createHash('sha256').update(raw).digest('hex');
    const hit = this.cache.get(key);
    if (hit) return hit;
    const p = parse(raw);
    this.cache.set(key, p);
    if (this.cache.size > CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    return p;
  }
}
