/** Shape of L18 bearer tokens: a recognisable prefix (so secret scanners and humans spot them) and 32 random bytes. */
import { randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'bwk_';
const TOKEN_BODY = /^[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** True when the text has the shape of a bulwark token; says nothing about whether it is valid. */
export function looksLikeToken(text: string): boolean {
  return text.startsWith(TOKEN_PREFIX) && TOKEN_BODY.test(text.slice(TOKEN_PREFIX.length));
}
