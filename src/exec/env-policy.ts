/**
 * Exec layers 3 and 6: what environment a sandboxed command gets.
 * Layer 3 refuses variables the model passes that change what code a program loads.
 * Layer 6 builds the child's environment from an allow-list: nothing is inherited from the daemon,
 * so no API key or token in the daemon's environment can reach a command.
 */
import { err, ok, type Result } from '../core/result.js';
import { bulwarkError, type BulwarkError } from '../core/errors.js';

const DENIED_EXACT = new Set([
  'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'LD_DEBUG', 'LD_DEBUG_OUTPUT', 'LD_PROFILE', 'LD_ORIGIN_PATH', 'LD_BIND_NOW', 'LD_DYNAMIC_WEAK', 'LD_USE_LOAD_BIAS', 'LD_SHOW_AUXV', 'LD_HWCAP_MASK',
  'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_REPL_EXTERNAL_MODULE',
  'BASH_ENV', 'ENV', 'PROMPT_COMMAND', 'PS0', 'PS1', 'PS2', 'PS4', 'SHELLOPTS', 'BASHOPTS', 'IFS', 'CDPATH', 'GLOBIGNORE', 'BASH_XTRACEFD', 'HISTFILE', 'ZDOTDIR', 'INPUTRC',
  'PYTHONSTARTUP', 'PYTHONPATH', 'PYTHONHOME', 'PYTHONINSPECT', 'PYTHONUSERBASE', 'PYTHONEXECUTABLE', 'PYTHONWARNINGS', 'PYTHONBREAKPOINT',
  'PERL5LIB', 'PERLLIB', 'PERL5OPT', 'PERL5DB', 'PERL_MB_OPT', 'RUBYLIB', 'RUBYOPT', 'GEM_PATH', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'CLASSPATH',
  'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_PAGER', 'GIT_EDITOR', 'GIT_ASKPASS', 'GIT_PROXY_COMMAND', 'GIT_EXTERNAL_DIFF', 'GIT_CONFIG', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'GIT_TEMPLATE_DIR',
  'SSH_ASKPASS', 'SUDO_ASKPASS', 'PAGER', 'EDITOR', 'VISUAL', 'BROWSER', 'MANPAGER', 'LESSOPEN', 'LESSCLOSE',
  'PATH', 'HOME', 'SHELL', 'TMPDIR', 'USER', 'LOGNAME',
  'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy',
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'OPENSSL_CONF', 'OPENSSL_ENGINES',
  'GCONV_PATH', 'GETCONF_DIR', 'HOSTALIASES', 'LOCALDOMAIN', 'RES_OPTIONS', 'RESOLV_HOST_CONF', 'NLSPATH', 'MALLOC_TRACE', 'TZDIR',
  'NPM_CONFIG_USERCONFIG', 'NPM_CONFIG_GLOBALCONFIG', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_script_shell',
]);
const DENIED_PREFIXES = ['LD_', 'DYLD_', 'BASH_FUNC_', 'MALLOC_', 'GLIBC_', 'NODE_', 'PYTHON', 'PERL', 'RUBY', 'GIT_CONFIG_', 'LUA_', 'npm_config_', 'NPM_CONFIG_', 'BULWARK_'];

export const MAX_ENV_VARS = 64;
export const MAX_ENV_VALUE = 8192;

export function isDeniedEnvName(name: string): boolean {
  return DENIED_EXACT.has(name) || DENIED_EXACT.has(name.toUpperCase()) || DENIED_PREFIXES.some((p) => name.toUpperCase().startsWith(p.toUpperCase()));
}

/** Exec layer 3: validates the variables the model asked for; any denied name refuses the whole call. */
export function checkModelEnv(env: unknown): Result<Record<string, string>, BulwarkError> {
  if (env === undefined || env === null) return ok({});
  if (typeof env !== 'object' || Array.isArray(env)) return err(bulwarkError('exec.env.invalid', 'env must be an object of NAME: "value" strings'));
  const entries = Object.entries(env as Record<string, unknown>);
  if (entries.length > MAX_ENV_VARS) return err(bulwarkError('exec.env.too_many', `at most ${MAX_ENV_VARS} environment variables may be passed`));
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(k)) return err(bulwarkError('exec.env.bad_name', `"${k.slice(0, 64)}" is not a valid environment variable name`));
    if (typeof v !== 'string') return err(bulwarkError('exec.env.bad_value', `the value of ${k} must be a string`));
    if (v.length > MAX_ENV_VALUE || v.includes('\0')) return err(bulwarkError('exec.env.bad_value', `the value of ${k} is longer than ${MAX_ENV_VALUE} characters or holds a NUL byte`));
    if (isDeniedEnvName(k)) {
      return err(bulwarkError('exec.env.denied', `${k} may not be set for a command: it changes what code programs load or where they send data (exec layer 3)`, { layer: 'L11', details: { name: k } }));
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

/** Exec layer 6: the whole environment of a child, built from nothing. */
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
    ...(o.system ?? {}),
  };
}
