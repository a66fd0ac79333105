/**
 * L09 layer 1: structured fields whose values never reach a log, as pino redact paths. Each key is
 * covered at the top level and up to three levels deep (`req.headers.authorization`, `a.b.c.token`).
 */

/** Field names (as they appear in objects and HTTP headers) that hold credentials. */
export const SENSITIVE_KEYS: readonly string[] = [
  'authorization', 'Authorization', 'proxy-authorization', 'Proxy-Authorization',
  'cookie', 'Cookie', 'set-cookie', 'Set-Cookie', 'cookies',
  'x-api-key', 'X-Api-Key', 'x-auth-token', 'X-Auth-Token', 'x-bulwark-token', 'x-goog-api-key', 'api-key',
  'apiKey', 'api_key', 'apikey', 'APIKey',
  'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'idToken', 'id_token', 'sessionToken', 'session_token', 'bearer',
  'password', 'passwd', 'passphrase', 'pass',
  'secret', 'secretValue', 'clientSecret', 'client_secret', 'webhookSecret', 'signingSecret',
  'privateKey', 'private_key', 'masterKey', 'master_key',
  'credentials', 'credential',
  'value',
];

function accessor(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `["${key}"]`;
}

export function redactPaths(keys: readonly string[] = SENSITIVE_KEYS): string[] {
  const out: string[] = [];
  for (const k of keys) {
    const a = accessor(k);
    out.push(a.startsWith('.') ? a.slice(1) : a, `*${a}`, `*.*${a}`, `*.*.*${a}`);
  }
  return out;
}

const SENSITIVE_LOWER = new Set(SENSITIVE_KEYS.map((k) => k.toLowerCase()));

/** True when an object key names a credential (case-insensitive; also for config display). */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_LOWER.has(key.toLowerCase());
}
