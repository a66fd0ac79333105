/**
 * Certificates for the gateway's TLS and L19 mTLS, made with @peculiar/x509 on WebCrypto ECDSA P-256: a local client
 * CA, client certificates it issues (CN = the name, optional SANs), a self-signed server pair (`bulwark init --tls`)
 * and CRLs. Private keys are PKCS#8 PEM; callers write them 0600.
 */
import {
  DAY_MS,
  EC_ALG,
  importSigningKey,
  newKeyPair,
  newSerial,
  privateKeyPem,
  x509,
  type CryptoKeyPair,
} from '../secrets/index.js';
import { bulwarkError, describeCause, type BulwarkError, attemptAsync, type Result } from '../core/index.js';

export interface KeyedCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
  /** Hex serial number (as a CRL lists it). */
  readonly serial: string;
  readonly notAfter: Date;
}

export interface RevokedEntry {
  readonly serial: string;
  readonly revokedAt: Date;
}

/** A name safe inside a distinguished name: no separators or quoting a DN parser would read differently. */
function dnValue(v: string): string {
  if (!/^[A-Za-z0-9 ._@:-]{1,64}$/.test(v))
    throw new Error(`"${v.slice(0, 80)}" is not a usable name: 1-64 letters, digits, space, . _ @ : -`);
  return v;
}

function certError(code: string, what: string, cause: unknown): BulwarkError {
  return bulwarkError(code, `${what}: ${describeCause(cause)}`, { layer: 'L19' });
}

/** A self-signed P-256 certificate valid from a minute ago for `validDays`, with the extensions `extensions` gives. */
async function selfSigned(
  commonName: string,
  validDays: number,
  extensions: (keys: CryptoKeyPair) => Promise<x509.Extension[]>,
): Promise<KeyedCertificate> {
  const keys = await newKeyPair();
  const now = Date.now();
  const serial = newSerial();
  const notAfter = new Date(now + validDays * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=${dnValue(commonName)}, O=bulwark`,
    notBefore: new Date(now - 60_000),
    notAfter,
    signingAlgorithm: EC_ALG,
    keys,
    extensions: await extensions(keys),
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey), serial, notAfter };
}

/** A CA for client certificates (and their CRLs): self-signed, may sign leaves only. */
export function createClientCa(
  commonName = 'bulwark client CA',
  validDays = 3650,
): Promise<Result<KeyedCertificate, BulwarkError>> {
  return attemptAsync(
    () =>
      selfSigned(commonName, validDays, async (keys) => [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ]),
    (cause) => certError('cert.ca_create', 'cannot create the client CA', cause),
  );
}

export interface IssueOptions {
  readonly validDays?: number;
  /** DNS names, e-mail addresses (with @) or URIs (with ://) put in the SubjectAlternativeName. */
  readonly san?: readonly string[];
  /** Backdate/shorten validity (tests of expired certificates). */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

function generalName(v: string): x509.JsonGeneralName {
  if (v.includes('://')) return { type: 'url', value: v };
  if (v.includes('@')) return { type: 'email', value: v };
  if (/^[0-9.]+$/.test(v) || v.includes(':')) return { type: 'ip', value: v };
  return { type: 'dns', value: v };
}

/** A client certificate (CN = `name`, extended key usage clientAuth) signed by the CA. */
export function issueClientCertificate(
  ca: { certPem: string; keyPem: string },
  name: string,
  opts: IssueOptions = {},
): Promise<Result<KeyedCertificate, BulwarkError>> {
  return attemptAsync(
    async () => {
      const caCert = new x509.X509Certificate(ca.certPem);
      const signingKey = await importSigningKey(ca.keyPem);
      const keys = await newKeyPair();
      const now = Date.now();
      const serial = newSerial();
      const notAfter = opts.notAfter ?? new Date(now + (opts.validDays ?? 365) * DAY_MS);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial,
        subject: `CN=${dnValue(name)}`,
        issuer: caCert.subject,
        notBefore: opts.notBefore ?? new Date(now - 60_000),
        notAfter,
        signingAlgorithm: EC_ALG,
        publicKey: keys.publicKey,
        signingKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
          ...(opts.san && opts.san.length > 0
            ? [new x509.SubjectAlternativeNameExtension(opts.san.map(generalName))]
            : []),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      return { certPem: cert.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey), serial, notAfter };
    },
    (cause) => certError('cert.issue', `cannot issue a client certificate for "${name.slice(0, 80)}"`, cause),
  );
}

/** A self-signed server certificate for `hosts` (names and IP addresses), usable as its own trust anchor. */
export function selfSignedServerCertificate(
  hosts: readonly string[],
  validDays = 825,
): Promise<Result<KeyedCertificate, BulwarkError>> {
  return attemptAsync(
    async () => {
      const first = hosts[0];
      if (first === undefined) throw new Error('at least one host name is needed');
      return selfSigned(first, validDays, async (keys) => [
        // CA:true so that clients accept it as its own anchor (curl --cacert, NODE_EXTRA_CA_CERTS).
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(hosts.map(generalName)),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ]);
    },
    (cause) => certError('cert.server', 'cannot create the server certificate', cause),
  );
}

/** A CRL signed by the CA listing `revoked`, valid for `validDays`. */
export function createCrl(
  ca: { certPem: string; keyPem: string },
  revoked: readonly RevokedEntry[],
  validDays = 30,
): Promise<Result<string, BulwarkError>> {
  return attemptAsync(
    async () => {
      const caCert = new x509.X509Certificate(ca.certPem);
      const now = Date.now();
      const crl = await x509.X509CrlGenerator.create({
        issuer: caCert.subject,
        thisUpdate: new Date(now - 60_000),
        nextUpdate: new Date(now + validDays * DAY_MS),
        signingAlgorithm: EC_ALG,
        signingKey: await importSigningKey(ca.keyPem),
        entries: revoked.map((r) => ({ serialNumber: r.serial, revocationDate: r.revokedAt })),
        extensions: [await x509.AuthorityKeyIdentifierExtension.create(caCert)],
      });
      return crl.toString('pem') + '\n';
    },
    (cause) => certError('cert.crl', 'cannot create the CRL', cause),
  );
}

/** Serial numbers (lower-case hex, no leading zeros) listed in a CRL. */
export function crlSerials(crl: x509.X509Crl): Set<string> {
  return new Set(crl.entries.map((e) => normaliseSerial(e.serialNumber)));
}

export function normaliseSerial(hex: string): string {
  return hex
    .toLowerCase()
    .replace(/^(00)+/, '')
    .replace(/^0+(?=.)/, '');
}

export { x509 };
