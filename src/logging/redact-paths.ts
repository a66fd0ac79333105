/**
 * L09 layer 1: structured fields whose values never reach a log. Two mechanisms, same key list:
 * pino redact paths for the top level and the usual fixed places (`req.headers.authorization`),
 * and a bounded depth walk (pino `formatters.log`) for the same keys anywhere below. The walk is used
 * instead of wildcard paths (`*.*.token`), which cost pino ~100 µs a line.
 */
import { isSecretReference } from '../config/index.js';

/** Field names (as they appear in objects and HTTP headers) that hold credentials. */
export const SENSITIVE_KEYS: readonly string[] = [
  'authorization',
  'Authorization',
  'proxy-authorization',
  'Proxy-Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'Set-Cookie',
  'cookies',
  'x-api-key',
  'X-Api-Key',
  'x-auth-token',
  'X-Auth-Token',
  'x-bulwark-token',
  'x-goog-api-key',
  'api-key',
  'apiKey',
  'api_key',
  'apikey',
  'APIKey',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'sessionToken',
  'session_token',
  'bearer',
  'password',
  'passwd',
  'passphrase',
  'pass',
  'secret',
  'secretValue',
  'clientSecret',
  'client_secret',
  'webhookSecret',
  'signingSecret',
  'privateKey',
  'private_key',
  'masterKey',
  'master_key',
  'credentials',
  'credential',
  'value',
];

function accessor(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `["${key}"]`;
}

/** Objects under which credentials usually sit, given as fixed (cheap) redact paths. */
const FIXED_PARENTS = [
  'headers',
  'req.headers',
  'request.headers',
  'res.headers',
  'response.headers',
  'config',
  'provider',
  'options',
];

export function redactPaths(keys: readonly string[] = SENSITIVE_KEYS): string[] {
  const out: string[] = [];
  for (const k of keys) {
    const a = accessor(k);
    out.push(a.startsWith('.') ? a.slice(1) : a);
    for (const parent of FIXED_PARENTS) out.push(`${parent}${a}`);
  }
  return out;
}

const SENSITIVE_LOWER = new Set(SENSITIVE_KEYS.map((k) => k.toLowerCase()));

/** True when an object key names a credential (case-insensitive; also for config display). */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_LOWER.has(key.toLowerCase());
}

/** What a censored value is replaced with (pino redact, the depth walk and config display alike). */
export const REDACT_CENSOR = '[REDACTED]';
const MAX_WALK_DEPTH = 8;

/**
 * Copy of `value` with every sensitive key's value censored, at any depth up to 8; returns the same
 * object when nothing needed censoring (no allocation on the common path). Never mutates its input.
 */
export function censorSensitiveFields<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_WALK_DEPTH) return value;
  if (value instanceof Error || Buffer.isBuffer(value) || value instanceof Date) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((x, i) => {
      const c = censorSensitiveFields(x, depth + 1);
      if (c !== x) (copy ??= [...value])[i] = c;
    });
    return (copy ?? value) as T;
  }
  if (isSecretReference(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(value as Record<string, unknown>)) {
    const c =
      isSensitiveKey(k) && x !== undefined && x !== null && !isSecretReference(x)
        ? REDACT_CENSOR
        : censorSensitiveFields(x, depth + 1);
    if (c !== x) (copy ??= { ...(value as Record<string, unknown>) })[k] = c;
  }
  return (copy ?? value) as T;
}

/** A `{ secret: NAME }` reference holds no value, so it is never censored. */
export { isSecretReference };
