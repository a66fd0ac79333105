/**
 * `broker.upstreamCas`: per-host trust anchors for the broker's upstream connections, read and checked once when the
 * daemon starts. Each file must hold only readable, currently valid CA certificates; a problem names the config key,
 * the file and the fix, and the daemon does not start (a CA the operator meant to trust is never silently dropped).
 * The result is keyed like the proxy's tunnels (`host:port`), so a CA applies to exactly the host it was given for.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { absoluteFrom, bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { readTextFileBounded, type BrokerConfig } from '../config/index.js';
import { configHostKey } from './bindings.js';

const MAX_CA_FILE_BYTES = 1024 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** host:port → the PEM bundle its upstream certificate must chain to. */
export type UpstreamCaPems = ReadonlyMap<string, string>;

const FIX = "point it at a PEM file with the CA certificate(s) that signed the server's certificate";

function caError(where: string, file: string, problem: string): BulwarkError {
  return bulwarkError('broker.upstream_ca', `${where}: ${file}: ${problem}; ${FIX}`, { layer: 'L08' });
}

function checkBundle(pem: string, where: string, file: string, now: Date): Result<string, BulwarkError> {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return err(caError(where, file, 'holds no PEM certificate'));
  for (const [i, block] of blocks.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (cause) {
      return err(caError(where, file, `certificate ${i + 1} cannot be read (${describeCause(cause)})`));
    }
    if (!cert.ca)
      return err(caError(where, file, `certificate ${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not a CA`));
    if (new Date(cert.validTo) <= now || new Date(cert.validFrom) > now)
      return err(
        caError(
          where,
          file,
          `certificate ${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not valid now (${cert.validFrom} to ${cert.validTo})`,
        ),
      );
  }
  const bundle = blocks.join('\n') + '\n';
  try {
    createSecureContext({ ca: bundle });
  } catch (cause) {
    return err(caError(where, file, `cannot be used as trust anchors (${describeCause(cause)})`));
  }
  return ok(bundle);
}

export function loadUpstreamCas(
  config: Pick<BrokerConfig, 'upstreamCas'>,
  dataDir: string,
  now: Date = new Date(),
): Result<UpstreamCaPems, BulwarkError> {
  const out = new Map<string, string>();
  for (const [i, entry] of config.upstreamCas.entries()) {
    const where = `broker.upstreamCas[${i}].caFile (for ${entry.host})`;
    const file = absoluteFrom(dataDir, entry.caFile);
    const read = readTextFileBounded(file, MAX_CA_FILE_BYTES, 'broker.upstream_ca');
    if (!read.ok)
      return err(bulwarkError('broker.upstream_ca', `${where}: ${read.error.message}; ${FIX}`, { layer: 'L08' }));
    const bundle = checkBundle(read.value, where, file, now);
    if (!bundle.ok) return bundle;
    out.set(configHostKey(entry.host), bundle.value);
  }
  return ok(out);
}
