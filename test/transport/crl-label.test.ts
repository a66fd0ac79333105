/** L19 reads a CRL under either PEM label: OpenSSL's `X509 CRL` (openssl ca -gencrl) and the `CRL` bulwark writes. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCrl } from '../../src/transport/crl.js';
import { createClientCa, createCrl } from '../../src/transport/x509.js';
import { tempDataDir } from '../e2e/support.js';

describe('CRL PEM labels', () => {
  it('accepts BEGIN X509 CRL and BEGIN CRL alike, with the same revoked serials', async () => {
    const ca = await createClientCa('label test CA');
    if (!ca.ok) throw new Error(ca.error.message);
    const pem = await createCrl(ca.value, [{ serial: '0a1b2c', revokedAt: new Date() }]);
    if (!pem.ok) throw new Error(pem.error.message);
    expect(pem.value).toContain('-----BEGIN CRL-----');
    const dir = tempDataDir();
    const ours = path.join(dir, 'ours.pem');
    const openssl = path.join(dir, 'openssl.pem');
    writeFileSync(ours, pem.value);
    writeFileSync(openssl, pem.value.replace(/-----(BEGIN|END) CRL-----/g, '-----$1 X509 CRL-----'));
    for (const file of [ours, openssl]) {
      const r = await loadCrl(file, [ca.value.certPem]);
      expect(r.ok && r.value.ok && [...r.value.serials]).toEqual(['a1b2c']);
    }
  });
});
