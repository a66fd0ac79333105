/**
 * The certificate basics the broker's CA (L08) and the gateway's TLS and client CA (L19) share: @peculiar/x509 on
 * WebCrypto with ECDSA P-256 / SHA-256 keys, PKCS#8 PEM private keys, and random positive serial numbers.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const EC_ALG: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = {
  name: 'ECDSA',
  namedCurve: 'P-256',
  hash: 'SHA-256',
};
export const DAY_MS = 86_400_000;

/** DER bytes as a PEM block with 64-character lines. */
export function pemBlock(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The DER bytes of the first `label` block of PEM text; throws when there is none. */
export function pemDer(pemText: string, label: string): Buffer {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const from = pemText.indexOf(begin);
  const to = from < 0 ? -1 : pemText.indexOf(end, from + begin.length);
  if (from < 0 || to < 0) throw new Error(`no ${label} block in the PEM text`);
  return Buffer.from(pemText.slice(from + begin.length, to).replace(/\s+/g, ''), 'base64');
}

/** A 128-bit serial number in hex: positive and without a leading zero byte, as RFC 5280 asks. */
export function newSerial(): string {
  const b = randomBytes(16);
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return b.toString('hex');
}

export async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A private key as PKCS#8 PEM. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pemBlock('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

/** A PKCS#8 PEM private key, for signing only. */
export function importSigningKey(keyPemText: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', pemDer(keyPemText, 'PRIVATE KEY'), EC_ALG, false, ['sign']);
}
