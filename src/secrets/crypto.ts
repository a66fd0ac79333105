/**
 * L06 record encryption: AES-256-GCM under a key derived per encryption with HKDF-SHA256 from the
 * master key and a fresh random salt, with a fresh IV, and the record's name bound as additional
 * authenticated data (a ciphertext moved to another name fails to decrypt).
 *
 * Sealed layout: version (1) | salt (16) | iv (12) | tag (16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';

export const MASTER_KEY_BYTES = 32;
const VERSION = 1;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + SALT_BYTES + IV_BYTES + TAG_BYTES;
const HKDF_INFO = Buffer.from('bulwark vault record key v1');

function aadFor(name: string): Buffer {
  return Buffer.from(`bulwark:vault:v1:${name}`, 'utf8');
}

function recordKey(masterKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, salt, HKDF_INFO, 32));
}

export function seal(masterKey: Buffer, name: string, plaintext: Buffer): Buffer {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new RangeError('master key must be 32 bytes');
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = recordKey(masterKey, salt);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadFor(name));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  key.fill(0);
  return Buffer.concat([Buffer.from([VERSION]), salt, iv, cipher.getAuthTag(), body]);
}

/** Decrypts a sealed record; any change to the bytes, the name or the key is `vault.auth_failed`. */
export function open(masterKey: Buffer, name: string, sealed: Buffer): Result<Buffer, BulwarkError> {
  if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) {
    return err(
      bulwarkError('vault.malformed', `record "${name}" is not a bulwark vault record (wrong version or truncated)`, {
        layer: 'L06',
      }),
    );
  }
  const salt = sealed.subarray(1, 1 + SALT_BYTES);
  const iv = sealed.subarray(1 + SALT_BYTES, 1 + SALT_BYTES + IV_BYTES);
  const tag = sealed.subarray(1 + SALT_BYTES + IV_BYTES, HEADER_BYTES);
  const body = sealed.subarray(HEADER_BYTES);
  const key = recordKey(masterKey, salt);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadFor(name));
    decipher.setAuthTag(tag);
    return ok(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    return err(bulwarkError('vault.auth_failed', `record "${name}" failed authentication`, { layer: 'L06' }));
  } finally {
    key.fill(0);
  }
}
