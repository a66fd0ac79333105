/**
 * The files of `server.tls`, read and checked once at start: the certificate and key must belong together and the
 * key must be readable by its owner only; a client CA must hold at least one CA certificate. Paths are relative to
 * the data dir. Every problem names the file and the fix, and the daemon does not start.
 */
import { readFileSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type TlsOptions } from 'node:tls';
import type { TlsConfig } from '../config/index.js';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result, absoluteFrom } from '../core/index.js';
import { pemCertificates } from './crl.js';

export interface TlsMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  /** The client CA bundle (L19), when configured. */
  readonly clientCaPem?: string;
  readonly clientCaCerts: readonly string[];
  readonly files: { readonly cert: string; readonly key: string; readonly clientCa?: string; readonly crl?: string };
  /** Leaf of the server chain, for `bulwark status` and the start banner. */
  readonly serverNotAfter: Date;
  readonly serverFingerprint: string;
}

function tlsError(code: string, message: string): BulwarkError {
  return bulwarkError(code, message, { layer: 'L19' });
}

function readText(file: string, what: string): Result<string, BulwarkError> {
  try {
    return ok(readFileSync(file, 'utf8'));
  } catch (cause) {
    return err(
      tlsError(
        'tls.file',
        `cannot read the ${what} ${file}: ${describeCause(cause)}; create one with bulwark init --tls or fix server.tls in config.yaml`,
      ),
    );
  }
}

export function loadTlsMaterial(config: TlsConfig, dataDir: string): Result<TlsMaterial, BulwarkError> {
  const files = {
    cert: absoluteFrom(dataDir, config.cert),
    key: absoluteFrom(dataDir, config.key),
    ...(config.clientCa !== undefined ? { clientCa: absoluteFrom(dataDir, config.clientCa) } : {}),
    ...(config.crl !== undefined ? { crl: absoluteFrom(dataDir, config.crl) } : {}),
  };
  const certPem = readText(files.cert, 'server certificate (server.tls.cert)');
  if (!certPem.ok) return certPem;
  const keyPem = readText(files.key, 'server key (server.tls.key)');
  if (!keyPem.ok) return keyPem;
  try {
    if ((statSync(files.key).mode & 0o077) !== 0)
      return err(
        tlsError(
          'tls.key_mode',
          `the server key ${files.key} can be read by others: chmod 600 ${files.key} (and use a new key if others did read it)`,
        ),
      );
  } catch (cause) {
    return err(tlsError('tls.file', `cannot check ${files.key}: ${describeCause(cause)}`));
  }
  let leaf: X509Certificate;
  try {
    createSecureContext({ cert: certPem.value, key: keyPem.value });
    leaf = new X509Certificate(pemCertificates(certPem.value)[0] ?? certPem.value);
  } catch (cause) {
    return err(
      tlsError(
        'tls.pair',
        `server.tls.cert ${files.cert} and server.tls.key ${files.key} cannot be used together: ${describeCause(cause)}`,
      ),
    );
  }
  let clientCaPem: string | undefined;
  let clientCaCerts: string[] = [];
  if (files.clientCa !== undefined) {
    const ca = readText(files.clientCa, 'client CA (server.tls.clientCa)');
    if (!ca.ok) return ca;
    clientCaCerts = pemCertificates(ca.value);
    const usable = clientCaCerts.filter((p) => {
      try {
        return new X509Certificate(p).ca;
      } catch {
        // Not a readable certificate: it is simply not a usable CA.
        return false;
      }
    });
    if (usable.length === 0)
      return err(
        tlsError(
          'tls.client_ca',
          `${files.clientCa} holds no CA certificate; create one with bulwark cert ca and point server.tls.clientCa at it`,
        ),
      );
    clientCaPem = ca.value;
  }
  return ok({
    certPem: certPem.value,
    keyPem: keyPem.value,
    ...(clientCaPem !== undefined ? { clientCaPem } : {}),
    clientCaCerts,
    files,
    serverNotAfter: new Date(leaf.validTo),
    serverFingerprint: leaf.fingerprint256,
  });
}

/**
 * Options for https.createServer. A client certificate is asked for when a client CA is configured, but the handshake
 * never fails on it (`rejectUnauthorized: false`): the gateway then refuses the request with a reason it can audit.
 */
export function tlsServerOptions(m: TlsMaterial, handshakeTimeoutMs: number): TlsOptions {
  return {
    cert: m.certPem,
    key: m.keyPem,
    minVersion: 'TLSv1.2',
    handshakeTimeout: handshakeTimeoutMs,
    ...(m.clientCaPem !== undefined ? { ca: m.clientCaPem, requestCert: true, rejectUnauthorized: false } : {}),
  };
}
