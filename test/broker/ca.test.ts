import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createCa, LeafIssuer, validateCa } from '../../src/broker/ca.js';
import { memoryCaStore, vaultCaStore } from '../../src/broker/ca-store.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, ok, unwrap } from '../../src/core/result.js';

describe('broker CA', () => {
  it('is an ECDSA P-256 CA; leaves chain to it, carry the SAN and serverAuth, and are cached per host', async () => {
    const ca = unwrap(await createCa());
    const caCert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const issuer = new LeafIssuer(ca);
    const leaf = unwrap(await issuer.issue('api.anthropic.com'));
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('DNS:api.anthropic.com');
    expect(cert.checkHost('api.anthropic.com')).toBe('api.anthropic.com');
    expect(cert.checkHost('evil.com')).toBeUndefined();
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    const ip = new X509Certificate(unwrap(await issuer.issue('127.0.0.1')).certPem);
    expect(ip.subjectAltName).toBe('IP Address:127.0.0.1');
    const c1 = unwrap(await issuer.contextFor('a.test'));
    const c2 = unwrap(await issuer.contextFor('A.TEST'));
    expect(c1).toBe(c2);
    expect(issuer.cached).toBe(1);
  });

  it('refuses to issue for a malformed host', async () => {
    const issuer = new LeafIssuer(unwrap(await createCa()));
    for (const h of ['', 'a b', 'x/../y', 'a\nb', 'x'.repeat(300)]) expect((await issuer.issue(h)).ok).toBe(false);
  });

  it('validateCa refuses a leaf as CA and a mismatched key', async () => {
    const ca = unwrap(await createCa());
    const other = unwrap(await createCa());
    const leaf = unwrap(await new LeafIssuer(ca).issue('x.test'));
    expect(validateCa({ certPem: leaf.certPem, keyPem: leaf.keyPem }).ok).toBe(false);
    expect(validateCa({ certPem: ca.certPem, keyPem: other.keyPem }).ok).toBe(false);
    expect(validateCa(ca).ok).toBe(true);
  });

  it('vaultCaStore keeps the CA in a vault entry and refuses a corrupt one', async () => {
    const map = new Map<string, string>();
    const vault = {
      has: (n: string) => map.has(n),
      get: (n: string) => (map.has(n) ? ok(map.get(n) as string) : err(bulwarkError('secret.not_found', n))),
      set: (n: string, v: string) => (map.set(n, v), ok(undefined)),
    };
    const store = vaultCaStore(vault);
    expect(unwrap(store.load())).toBeUndefined();
    const ca = unwrap(await createCa());
    unwrap(store.save(ca));
    expect(unwrap(store.load())).toEqual(ca);
    map.set('BULWARK_BROKER_CA', 'not json');
    expect(store.load().ok).toBe(false);
    expect(unwrap(memoryCaStore(ca).load())).toEqual(ca);
  });
});
