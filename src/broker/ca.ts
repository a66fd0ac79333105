/**
 * L08 certificate authority: an ECDSA P-256 CA (via @peculiar/x509 on WebCrypto) that issues short-lived
 * leaf certificates for the hosts the broker terminates TLS for. Only the CA certificate leaves the daemon
 * (into sandboxes' trust bundles); its private key is kept by a CaKeyStore (the vault, in the daemon).
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import {
  DAY_MS,
  EC_ALG,
  importSigningKey,
  newKeyPair,
  newSerial,
  privateKeyPem,
  x509,
  type CryptoKey,
} from '../secrets/index.js';
import { bulwarkError, describeCause, type BulwarkError, attemptAsync, err, ok, type Result } from '../core/index.js';

export interface CaMaterial {
  readonly certPem: string;
  /** PKCS#8 PEM. Never logged, never given to a sandbox. */
  readonly keyPem: string;
}

export interface LeafMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  readonly notAfter: Date;
}

export async function createCa(
  commonName = 'bulwark credential broker CA',
  validDays = 3650,
): Promise<Result<CaMaterial, BulwarkError>> {
  return attemptAsync(
    async () => {
      const keys = await newKeyPair();
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: newSerial(),
        name: `CN=${commonName}, O=bulwark`,
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + validDays * DAY_MS),
        signingAlgorithm: EC_ALG,
        keys,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
    },
    (cause) =>
      bulwarkError('broker.ca_create', `cannot create the broker CA: ${describeCause(cause)}`, { layer: 'L08' }),
  );
}

/** Checks that stored CA material is a usable CA (a CA certificate whose key matches). */
export function validateCa(ca: CaMaterial): Result<CaMaterial, BulwarkError> {
  try {
    const cert = new X509Certificate(ca.certPem);
    if (!cert.ca)
      return err(
        bulwarkError(
          'broker.ca_invalid',
          'the stored broker CA certificate is not a CA; delete it to have a new one created',
          { layer: 'L08' },
        ),
      );
    if (new Date(cert.validTo).getTime() < Date.now())
      return err(
        bulwarkError('broker.ca_expired', 'the broker CA has expired; delete it to have a new one created', {
          layer: 'L08',
        }),
      );
    createSecureContext({ cert: ca.certPem, key: ca.keyPem });
    return ok(ca);
  } catch (cause) {
    return err(
      bulwarkError(
        'broker.ca_invalid',
        `the stored broker CA cannot be used (${describeCause(cause)}); delete it to have a new one created`,
        { layer: 'L08' },
      ),
    );
  }
}

export interface LeafIssuerOptions {
  readonly validDays?: number;
  /** Hosts kept in the cache (least recently issued evicted first). */
  readonly cacheSize?: number;
}

/** Issues and caches one leaf certificate (with its own key) per host name or IP. */
export class LeafIssuer {
  private readonly cache = new Map<string, { leaf: LeafMaterial; context: SecureContext }>();
  private readonly pending = new Map<
    string,
    Promise<Result<{ leaf: LeafMaterial; context: SecureContext }, BulwarkError>>
  >();
  private caKey: CryptoKey | undefined;
  private readonly caCert: x509.X509Certificate;

  constructor(
    private readonly ca: CaMaterial,
    private readonly opts: LeafIssuerOptions = {},
  ) {
    this.caCert = new x509.X509Certificate(ca.certPem);
  }

  get caCertPem(): string {
    return this.ca.certPem;
  }

  /** Number of cached leaves (for `broker status`). */
  get cached(): number {
    return this.cache.size;
  }

  async contextFor(host: string): Promise<Result<SecureContext, BulwarkError>> {
    const key = host.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.leaf.notAfter.getTime() - Date.now() > DAY_MS) return ok(hit.context);
    let p = this.pending.get(key);
    if (!p) {
      p = this.issueEntry(key);
      this.pending.set(key, p);
    }
    const r = await p;
    this.pending.delete(key);
    if (!r.ok) return r;
    this.cache.delete(key);
    this.cache.set(key, r.value);
    const max = this.opts.cacheSize ?? 1000;
    while (this.cache.size > max) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
    return ok(r.value.context);
  }

  /** A leaf for `host` (and any `altNames`), with a fresh key. */
  async issue(host: string, altNames: readonly string[] = []): Promise<Result<LeafMaterial, BulwarkError>> {
    return attemptAsync(
      async () => {
        const names = [host, ...altNames];
        if (!names.every((n) => /^[a-z0-9_.:-]{1,253}$/i.test(n))) throw new Error('not a host name or IP address');
        this.caKey ??= await importSigningKey(this.ca.keyPem);
        const keys = await newKeyPair();
        const now = Date.now();
        const notAfter = new Date(now + (this.opts.validDays ?? 7) * DAY_MS);
        const isIp = (n: string) => /^[0-9.]+$/.test(n) || n.includes(':');
        const cert = await x509.X509CertificateGenerator.create({
          serialNumber: newSerial(),
          subject: `CN=${host}`,
          issuer: this.caCert.subject,
          notBefore: new Date(now - 3_600_000),
          notAfter,
          signingAlgorithm: EC_ALG,
          publicKey: keys.publicKey,
          signingKey: this.caKey,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIp(n) ? 'ip' : 'dns', value: n }))),
            await x509.AuthorityKeyIdentifierExtension.create(this.caCert),
          ],
        });
        return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey), notAfter };
      },
      (cause) =>
        bulwarkError('broker.leaf_issue', `cannot issue a certificate for ${host}: ${describeCause(cause)}`, {
          layer: 'L08',
        }),
    );
  }

  private async issueEntry(
    host: string,
  ): Promise<Result<{ leaf: LeafMaterial; context: SecureContext }, BulwarkError>> {
    const leaf = await this.issue(host);
    if (!leaf.ok) return leaf;
    try {
      const context = createSecureContext({ cert: leaf.value.certPem + this.ca.certPem, key: leaf.value.keyPem });
      return ok({ leaf: leaf.value, context });
    } catch (cause) {
      return err(
        bulwarkError('broker.leaf_context', `cannot use the certificate issued for ${host}: ${describeCause(cause)}`, {
          layer: 'L08',
        }),
      );
    }
  }
}
