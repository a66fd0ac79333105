/**
 * The environment at start: variables that hold secrets are captured from the one env snapshot and
 * then removed from process.env (through src/config/env.ts), so children and later code cannot read
 * them. The captured values stay reachable only through the secret store's `get`.
 */
import { envSnapshot, scrubProcessEnv } from '../config/index.js';
import { CRITICAL_SECRET_FORMAT_IDS, SECRET_FORMATS } from '../text/index.js';
import { MASTER_KEY_ENV } from './master-key.js';

const CRITICAL_FORMATS = SECRET_FORMATS.filter((f) => CRITICAL_SECRET_FORMAT_IDS.has(f.id));
const MAX_CHECKED_VALUE = 16 * 1024;

/** True when the value has the shape of a known credential (shared pattern library, critical formats). */
export function valueMatchesSecretFormat(value: string): boolean {
  const v = value.length > MAX_CHECKED_VALUE ? value.slice(0, MAX_CHECKED_VALUE) : value;
  return CRITICAL_FORMATS.some((f) => {
    const m = f.regex.exec(v);
    return m !== null && (!f.validate || f.validate(m[0]));
  });
}

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
  /** Test on the value for variables whose names look harmless; default: a secret-format match. */
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
    const valueTest = opts.valueLooksSecret ?? valueMatchesSecretFormat;
    if (extra.has(name) || looksLikeSecretEnvName(name) || valueTest(value)) captured.set(name, value);
  }
  scrubProcessEnv([...captured.keys(), MASTER_KEY_ENV]);
  return {
    get: (name) => captured.get(name),
    names: () => [...captured.keys()],
  };
}
