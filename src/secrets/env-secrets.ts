/**
 * The environment at start: variables that hold secrets are captured from the one env snapshot and
 * then removed from process.env (through src/config/env.ts), so children and later code cannot read
 * them. The captured values stay reachable only through the secret store's `get`.
 */
import { envSnapshot, scrubProcessEnv } from '../config/env.js';
import { MASTER_KEY_ENV } from './master-key.js';

/** Names that conventionally carry credentials: *_API_KEY, *_TOKEN, *_SECRET, *_PASSWORD, *_KEY, … */
const SECRET_ENV_NAME_RE =
  /(?:^|_)(?:API_?KEY|APIKEY|KEY|TOKEN|SECRET|SECRETS|PASSWORD|PASSWD|PASSPHRASE|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?|AUTH|DSN|COOKIE)(?:_|$)/i;

export function looksLikeSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME_RE.test(name);
}

export interface EnvSecrets {
  get(name: string): string | undefined;
  /** Names captured (for the operator's `secrets list` and the leak index). */
  names(): readonly string[];
}

export interface CaptureOptions {
  /** Names referenced from config (`{ secret: NAME }`) that must be captured whatever they look like. */
  readonly extraNames?: Iterable<string>;
  /** Extra test on the value (e.g. a secret-format match) for variables whose names look harmless. */
  readonly valueLooksSecret?: (value: string) => boolean;
}

export const EMPTY_ENV_SECRETS: EnvSecrets = { get: () => undefined, names: () => [] };

/** Captures and scrubs secret-bearing variables. Idempotent: the snapshot still holds the values. */
export function captureEnvSecrets(opts: CaptureOptions = {}): EnvSecrets {
  const snap = envSnapshot();
  const extra = new Set(opts.extraNames ?? []);
  const captured = new Map<string, string>();
  for (const [name, value] of Object.entries(snap)) {
    if (name === MASTER_KEY_ENV || value === '') continue;
    if (extra.has(name) || looksLikeSecretEnvName(name) || opts.valueLooksSecret?.(value)) captured.set(name, value);
  }
  scrubProcessEnv([...captured.keys(), MASTER_KEY_ENV]);
  return {
    get: (name) => captured.get(name),
    names: () => [...captured.keys()],
  };
}
