/**
 * The data dir's certificate files (`<data dir>/tls/`), as `bulwark init --tls` and `bulwark cert` make them:
 *   server.crt, server.key            the gateway's own pair (self-signed)
 *   client-ca.crt, client-ca.key      the local client CA (L19)
 *   clients/<name>.crt, .key          client certificates it issued
 *   revoked.json, crl.pem             revoked serials and the CRL signed from them
 * Keys are written 0600, directories 0700; nothing is overwritten unless asked.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import {
  createFileAtomic,
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
} from '../core/index.js';
import {
  createClientCa,
  createCrl,
  issueClientCertificate,
  normaliseSerial,
  selfSignedServerCertificate,
  type IssueOptions,
  type KeyedCertificate,
} from './x509.js';

export const TLS_DIR = 'tls';
export const CERT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Paths relative to the data dir, as config.yaml names them. */
export const TLS_FILES = {
  serverCert: `${TLS_DIR}/server.crt`,
  serverKey: `${TLS_DIR}/server.key`,
  clientCa: `${TLS_DIR}/client-ca.crt`,
  clientCaKey: `${TLS_DIR}/client-ca.key`,
  crl: `${TLS_DIR}/crl.pem`,
  revoked: `${TLS_DIR}/revoked.json`,
} as const;

export interface IssuedCertificate {
  readonly name: string;
  readonly serial: string;
  readonly notAfter: string;
  readonly revoked: boolean;
  readonly certFile: string;
  readonly keyFile: string;
}

interface RevokedRecord {
  readonly serial: string;
  readonly name: string;
  readonly revokedAt: string;
}

function certError(code: string, message: string): BulwarkError {
  return bulwarkError(code, message, { layer: 'L19' });
}

function dir(dataDir: string, ...names: string[]): string {
  const d = childPath(dataDir, TLS_DIR, ...names);
  mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
}

function file(dataDir: string, rel: string): string {
  return childPath(dataDir, ...rel.split('/'));
}

/** Writes a pair; with `force` an existing one is replaced, else it is an error naming the file. */
function writePair(certFile: string, keyFile: string, m: KeyedCertificate, force: boolean): Result<void, BulwarkError> {
  try {
    if (force) {
      writeFileAtomic(keyFile, m.keyPem, 0o600);
      writeFileAtomic(certFile, m.certPem, 0o644);
      return ok(undefined);
    }
    if (existsSync(certFile) || existsSync(keyFile))
      return err(certError('cert.exists', `${certFile} already exists; pass --force to replace it`));
    createFileAtomic(keyFile, m.keyPem, 0o600);
    createFileAtomic(certFile, m.certPem, 0o644);
    return ok(undefined);
  } catch (cause) {
    return err(certError('cert.write', `cannot write ${certFile}: ${describeCause(cause)}`));
  }
}

export async function createServerPair(
  dataDir: string,
  hosts: readonly string[],
  force = false,
): Promise<Result<{ certFile: string; keyFile: string; fingerprint: string }, BulwarkError>> {
  dir(dataDir);
  const made = await selfSignedServerCertificate(hosts);
  if (!made.ok) return made;
  const certFile = file(dataDir, TLS_FILES.serverCert);
  const keyFile = file(dataDir, TLS_FILES.serverKey);
  const written = writePair(certFile, keyFile, made.value, force);
  if (!written.ok) return written;
  return ok({ certFile, keyFile, fingerprint: new X509Certificate(made.value.certPem).fingerprint256 });
}

export async function createCaFiles(
  dataDir: string,
  force = false,
): Promise<Result<{ certFile: string; keyFile: string }, BulwarkError>> {
  dir(dataDir);
  const made = await createClientCa();
  if (!made.ok) return made;
  const certFile = file(dataDir, TLS_FILES.clientCa);
  const keyFile = file(dataDir, TLS_FILES.clientCaKey);
  const written = writePair(certFile, keyFile, made.value, force);
  return written.ok ? ok({ certFile, keyFile }) : written;
}

function readCa(dataDir: string): Result<{ certPem: string; keyPem: string }, BulwarkError> {
  try {
    return ok({
      certPem: readFileSync(file(dataDir, TLS_FILES.clientCa), 'utf8'),
      keyPem: readFileSync(file(dataDir, TLS_FILES.clientCaKey), 'utf8'),
    });
  } catch (cause) {
    return err(
      certError(
        'cert.no_ca',
        `no client CA in ${childPath(dataDir, TLS_DIR)} (${describeCause(cause)}): run bulwark cert ca first`,
      ),
    );
  }
}

export async function issueClientFiles(
  dataDir: string,
  name: string,
  opts: IssueOptions & { readonly force?: boolean } = {},
): Promise<Result<IssuedCertificate, BulwarkError>> {
  if (!CERT_NAME.test(name))
    return err(
      certError('cert.name', `"${name.slice(0, 80)}" is not a certificate name: 1-64 letters, digits, . _ @ -`),
    );
  const ca = readCa(dataDir);
  if (!ca.ok) return ca;
  const made = await issueClientCertificate(ca.value, name, opts);
  if (!made.ok) return made;
  const clients = dir(dataDir, 'clients');
  const certFile = childPath(clients, `${name}.crt`);
  const keyFile = childPath(clients, `${name}.key`);
  const written = writePair(certFile, keyFile, made.value, opts.force === true);
  if (!written.ok) return written;
  return ok({
    name,
    serial: made.value.serial,
    notAfter: made.value.notAfter.toISOString(),
    revoked: false,
    certFile,
    keyFile,
  });
}

function readRevoked(dataDir: string): Result<RevokedRecord[], BulwarkError> {
  const f = file(dataDir, TLS_FILES.revoked);
  if (!existsSync(f)) return ok([]);
  try {
    const parsed = JSON.parse(readFileSync(f, 'utf8')) as unknown;
    if (!Array.isArray(parsed)) throw new Error('not a list');
    return ok(parsed as RevokedRecord[]);
  } catch (cause) {
    return err(
      certError('cert.revoked_file', `${f} cannot be read (${describeCause(cause)}); restore it from a backup`),
    );
  }
}

/** Revokes `name`'s certificate (or, with no name, only writes a fresh CRL) and writes the CRL; returns its path. */
export async function revokeAndWriteCrl(
  dataDir: string,
  name: string | undefined,
): Promise<Result<{ crlFile: string; serial?: string; revoked: number }, BulwarkError>> {
  const ca = readCa(dataDir);
  if (!ca.ok) return ca;
  const revoked = readRevoked(dataDir);
  if (!revoked.ok) return revoked;
  let serial: string | undefined;
  if (name !== undefined) {
    if (!CERT_NAME.test(name)) return err(certError('cert.name', `"${name.slice(0, 80)}" is not a certificate name`));
    const certFile = childPath(dataDir, TLS_DIR, 'clients', `${name}.crt`);
    try {
      serial = normaliseSerial(new X509Certificate(readFileSync(certFile)).serialNumber);
    } catch (cause) {
      return err(
        certError('cert.unknown', `no certificate named ${name} (${describeCause(cause)}); see bulwark cert list`),
      );
    }
    if (!revoked.value.some((r) => r.serial === serial))
      revoked.value.push({ serial, name, revokedAt: new Date().toISOString() });
  }
  const crl = await createCrl(
    ca.value,
    revoked.value.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt) })),
  );
  if (!crl.ok) return crl;
  const crlFile = file(dataDir, TLS_FILES.crl);
  try {
    writeFileAtomic(file(dataDir, TLS_FILES.revoked), JSON.stringify(revoked.value, null, 2) + '\n', 0o600);
    writeFileAtomic(crlFile, crl.value, 0o644);
  } catch (cause) {
    return err(certError('cert.write', `cannot write ${crlFile}: ${describeCause(cause)}`));
  }
  return ok({ crlFile, ...(serial !== undefined ? { serial } : {}), revoked: revoked.value.length });
}

export function listClientFiles(dataDir: string): Result<IssuedCertificate[], BulwarkError> {
  const revoked = readRevoked(dataDir);
  if (!revoked.ok) return revoked;
  const clients = childPath(dataDir, TLS_DIR, 'clients');
  if (!existsSync(clients)) return ok([]);
  const out: IssuedCertificate[] = [];
  for (const entry of readdirSync(clients).sort()) {
    if (!entry.endsWith('.crt')) continue;
    const name = entry.slice(0, -4);
    const certFile = childPath(clients, entry);
    try {
      const cert = new X509Certificate(readFileSync(certFile));
      const serial = normaliseSerial(cert.serialNumber);
      out.push({
        name,
        serial,
        notAfter: new Date(cert.validTo).toISOString(),
        revoked: revoked.value.some((r) => r.serial === serial),
        certFile,
        keyFile: childPath(clients, `${name}.key`),
      });
    } catch (cause) {
      return err(certError('cert.unreadable', `${certFile} cannot be read: ${describeCause(cause)}`));
    }
  }
  return ok(out);
}
