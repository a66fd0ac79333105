/**
 * Gates L11.3 and L11.6: what environment a sandboxed command gets.
 * L11.3 refuses variables the model passes that change what code a program loads.
 * L11.6 builds the child's environment from an allow-list: nothing is inherited from the daemon,
 * so no API key or token in the daemon's environment can reach a command.
 */
import { err, ok, type Result, bulwarkError, type BulwarkError } from '../core/index.js';
import { dangerousEnvKind } from '../text/index.js';

export const MAX_ENV_VARS = 64;
export const MAX_ENV_VALUE = 8192;

/** Every kind on the shared list: a variable the model passes may not change what runs, nor where data goes. */
export function isDeniedEnvName(name: string): boolean {
  return dangerousEnvKind(name) !== undefined;
}

/** L11.3: validates the variables the model asked for; any denied name refuses the whole call. */
export function checkModelEnv(env: unknown): Result<Record<string, string>, BulwarkError> {
  const refused = (code: string, message: string, details?: Record<string, unknown>) =>
    err(bulwarkError(code, message, { layer: 'L11.3', status: 403, ...(details ? { details } : {}) }));
  if (env === undefined || env === null) return ok({});
  if (typeof env !== 'object' || Array.isArray(env))
    return refused('exec.env.invalid', 'env must be an object of NAME: "value" strings');
  const entries = Object.entries(env as Record<string, unknown>);
  if (entries.length > MAX_ENV_VARS)
    return refused('exec.env.too_many', `at most ${MAX_ENV_VARS} environment variables may be passed`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(k))
      return refused('exec.env.bad_name', `"${k.slice(0, 64)}" is not a valid environment variable name`);
    if (typeof v !== 'string') return refused('exec.env.bad_value', `the value of ${k} must be a string`);
    if (v.length > MAX_ENV_VALUE || v.includes('\0'))
      return refused(
        'exec.env.bad_value',
        `the value of ${k} is longer than ${MAX_ENV_VALUE} characters or holds a NUL byte`,
      );
    if (isDeniedEnvName(k)) {
      return refused(
        'exec.env.denied',
        `${k} may not be set for a command: it changes what code programs load or where they send data (L11.3)`,
        { name: k },
      );
    }
    out[k] = v;
  }
  return ok(out);
}

export interface ChildEnvOptions {
  /** HOME inside the child (the workspace path as the child sees it). */
  readonly home: string;
  readonly tmp: string;
  readonly lang?: string;
  readonly term?: string;
  /** Variables the model passed, already checked by `checkModelEnv`. */
  readonly extra?: Readonly<Record<string, string>>;
  /** Variables code adds (e.g. the broker's proxy URL and CA bundle paths). These win over `extra`. */
  readonly system?: Readonly<Record<string, string>>;
}

export const CHILD_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

/** L11.6: the whole environment of a child, built from nothing. */
export function buildChildEnv(o: ChildEnvOptions): Record<string, string> {
  const cache = `${o.home}/.cache`;
  return {
    ...(o.extra ?? {}),
    PATH: CHILD_PATH,
    HOME: o.home,
    TMPDIR: o.tmp,
    LANG: o.lang && /^[A-Za-z0-9_.@-]{1,64}$/.test(o.lang) ? o.lang : 'C.UTF-8',
    TERM: o.term && /^[A-Za-z0-9_.+-]{1,64}$/.test(o.term) ? o.term : 'dumb',
    USER: 'sandbox',
    LOGNAME: 'sandbox',
    SHELL: '/bin/sh',
    XDG_CACHE_HOME: cache,
    XDG_CONFIG_HOME: `${o.home}/.config`,
    XDG_DATA_HOME: `${o.home}/.local/share`,
    npm_config_cache: `${cache}/npm`,
    PIP_CACHE_DIR: `${cache}/pip`,
    PIP_NO_INPUT: '1',
    CARGO_HOME: `${o.home}/.cargo`,
    GOPATH: `${o.home}/go`,
    GOCACHE: `${cache}/go-build`,
    YARN_CACHE_FOLDER: `${cache}/yarn`,
    // Python's bytecode cache goes to the run's own temporary directory, not beside the workspace's sources: a .pyc
    // there is what the host's Python loads in place of its source, so L11.7 holds a run that writes one (host-run.ts).
    PYTHONPYCACHEPREFIX: `${o.tmp}/pycache`,
    ...(o.system ?? {}),
  };
}
