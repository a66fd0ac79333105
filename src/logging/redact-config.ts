/**
 * L09 for anything the CLI prints (`bulwark config show`): a deep copy of a config value in which
 * credential-named fields are censored (except `{ secret: NAME }` references, which hold no value)
 * and every other string passes through the free-text sanitizer.
 */
import { isSecretReference, isSensitiveKey, REDACT_CENSOR as CENSOR } from './redact-paths.js';

const MAX_DEPTH = 64;

export function redactConfigForDisplay(value: unknown, sanitize: (text: string) => string = (t) => t): unknown {
  const walk = (v: unknown, depth: number, sensitive: boolean): unknown => {
    if (depth > MAX_DEPTH) return CENSOR;
    if (typeof v === 'string') return sensitive ? CENSOR : sanitize(v);
    if (v === null || typeof v !== 'object') return sensitive && v !== undefined ? CENSOR : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1, sensitive));
    if (isSecretReference(v)) return { secret: v.secret };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, depth + 1, sensitive || isSensitiveKey(k));
    return out;
  };
  return walk(value, 0, false);
}
