/**
 * L19 revocation: the CRL file of `server.tls.crl`, verified against the client CA and re-read when it changes (so
 * `bulwark cert revoke` takes effect without a restart). While the file cannot be read or verified, or once it is
 * past its nextUpdate, every client certificate is refused (fail closed) with the reason.
 */
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { crlSerials, normaliseSerial, x509 } from './x509.js';

export type CrlState =
  | { readonly ok: true; readonly serials: ReadonlySet<string>; readonly nextUpdate?: Date; readonly loadedAt: Date }
  | { readonly ok: false; readonly reason: string };

export type RevocationVerdict = 'good' | 'revoked' | { readonly unavailable: string };

/** Reads and verifies a CRL: signed by one of `caPems`, issued by it. */
export async function loadCrl(file: string, caPems: readonly string[]): Promise<Result<CrlState, BulwarkError>> {
  let crl: x509.X509Crl;
  try {
    crl = new x509.X509Crl(readFileSync(file, 'utf8'));
  } catch (cause) {
    return err(
      bulwarkError('tls.crl_unreadable', `cannot read the CRL ${file}: ${describeCause(cause)}`, { layer: 'L19' }),
    );
  }
  for (const pemText of caPems) {
    let ca: x509.X509Certificate;
    try {
      ca = new x509.X509Certificate(pemText);
    } catch {
      // Not a certificate block this CRL could belong to: try the next.
      continue;
    }
    if (ca.subject !== crl.issuer) continue;
    try {
      if (await crl.verify({ publicKey: ca.publicKey }))
        return ok({
          ok: true,
          serials: crlSerials(crl),
          ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate } : {}),
          loadedAt: new Date(),
        });
    } catch (cause) {
      return err(
        bulwarkError('tls.crl_invalid', `the CRL ${file} cannot be verified: ${describeCause(cause)}`, {
          layer: 'L19',
        }),
      );
    }
  }
  return err(
    bulwarkError(
      'tls.crl_invalid',
      `the CRL ${file} is not signed by the client CA (server.tls.clientCa): issue it with bulwark cert revoke`,
      { layer: 'L19' },
    ),
  );
}

/** Splits a PEM bundle into its certificate blocks. */
export function pemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

export class CrlWatcher {
  private state: CrlState = { ok: false, reason: 'the CRL has not been read yet' };
  private watching = false;

  constructor(
    private readonly file: string,
    private readonly caPems: readonly string[],
    private readonly onReload: (state: CrlState) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Reads the file now; with `watch`, again whenever it changes (polled every `intervalMs`). */
  async start(watch = true, intervalMs = 2000): Promise<CrlState> {
    await this.reload();
    if (watch && !this.watching) {
      this.watching = true;
      watchFile(this.file, { interval: intervalMs, persistent: false }, (cur: Stats, prev: Stats) => {
        if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) void this.reload();
      });
    }
    return this.state;
  }

  async reload(): Promise<CrlState> {
    const r = await loadCrl(this.file, this.caPems);
    this.state = r.ok ? r.value : { ok: false, reason: r.error.message };
    this.onReload(this.state);
    return this.state;
  }

  current(): CrlState {
    return this.state;
  }

  check(serialHex: string): RevocationVerdict {
    const s = this.state;
    if (!s.ok) return { unavailable: s.reason };
    if (s.nextUpdate && s.nextUpdate.getTime() < this.clock())
      return {
        unavailable: `the CRL ${this.file} is past its next update (${s.nextUpdate.toISOString()}); issue a fresh one with bulwark cert revoke --refresh`,
      };
    return s.serials.has(normaliseSerial(serialHex)) ? 'revoked' : 'good';
  }

  stop(): void {
    if (this.watching) unwatchFile(this.file);
    this.watching = false;
  }
}
