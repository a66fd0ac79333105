/**
 * The one list of environment variable names that change what a program runs or trusts. Exec layer 3
 * (variables the model passes), the exec command policy (assignments inside a command line) and the
 * L27 classifier all read it; each entry names once how it is dangerous and each consumer picks the
 * kinds it acts on, so the three can no longer drift apart.
 *
 * - `loader`: changes what code a program loads or runs at start-up (dynamic loader, interpreter
 *   start-up files and module paths, shell start-up and imported functions, iconv modules).
 * - `command`: holds or locates a program that some tool runs later (pagers, editors, askpass, git's
 *   ssh command, config keys given through the environment).
 * - `lookup`: changes which program a name resolves to or how a line is split into words.
 * - `context`: changes trust, routing, identity or scratch locations (proxies, CA bundles, HOME, TMPDIR).
 *
 * Matching ignores case: zsh ties `path` to `PATH`, and proxy variables are honoured in lower case.
 */
export type DangerousEnvKind = 'loader' | 'command' | 'lookup' | 'context';

const EXACT: Readonly<Record<DangerousEnvKind, readonly string[]>> = {
  loader: [
    'BASH_ENV',
    'ENV',
    'PROMPT_COMMAND',
    'PS4',
    'SHELLOPTS',
    'BASHOPTS',
    'ZDOTDIR',
    'NODE_OPTIONS',
    'NODE_PATH',
    'NODE_REPL_EXTERNAL_MODULE',
    'PYTHONSTARTUP',
    'PYTHONPATH',
    'PYTHONHOME',
    'PYTHONUSERBASE',
    'PYTHONWARNINGS',
    'PYTHONBREAKPOINT',
    'PERL5LIB',
    'PERLLIB',
    'PERL5OPT',
    'PERL5DB',
    'RUBYLIB',
    'RUBYOPT',
    'GEM_PATH',
    'JAVA_TOOL_OPTIONS',
    '_JAVA_OPTIONS',
    'JDK_JAVA_OPTIONS',
    'CLASSPATH',
    'GCONV_PATH',
    'OPENSSL_CONF',
    'OPENSSL_ENGINES',
  ],
  command: [
    'GIT_SSH',
    'GIT_SSH_COMMAND',
    'GIT_EXEC_PATH',
    'GIT_PAGER',
    'GIT_EDITOR',
    'GIT_ASKPASS',
    'GIT_PROXY_COMMAND',
    'GIT_EXTERNAL_DIFF',
    'GIT_CONFIG',
    'GIT_CONFIG_GLOBAL',
    'GIT_CONFIG_SYSTEM',
    'GIT_TEMPLATE_DIR',
    'SSH_ASKPASS',
    'SUDO_ASKPASS',
    'PAGER',
    'EDITOR',
    'VISUAL',
    'BROWSER',
    'MANPAGER',
    'LESSOPEN',
    'LESSCLOSE',
  ],
  lookup: ['PATH', 'IFS', 'CDPATH'],
  context: [
    'PS0',
    'PS1',
    'PS2',
    'PYTHONINSPECT',
    'PYTHONEXECUTABLE',
    'GLOBIGNORE',
    'BASH_XTRACEFD',
    'HISTFILE',
    'INPUTRC',
    'HOME',
    'SHELL',
    'TMPDIR',
    'USER',
    'LOGNAME',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'ALL_PROXY',
    'NO_PROXY',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE',
    'NODE_EXTRA_CA_CERTS',
    'NODE_TLS_REJECT_UNAUTHORIZED',
    'GETCONF_DIR',
    'HOSTALIASES',
    'LOCALDOMAIN',
    'RES_OPTIONS',
    'RESOLV_HOST_CONF',
    'NLSPATH',
    'TZDIR',
  ],
};

/** Name prefixes, longest meaningful first; a name is judged by its exact entry before any prefix. */
const PREFIXES: ReadonlyArray<readonly [string, DangerousEnvKind]> = [
  ['LD_', 'loader'],
  ['DYLD_', 'loader'],
  ['BASH_FUNC_', 'loader'],
  ['GLIBC_', 'loader'],
  ['LUA_', 'loader'],
  ['MALLOC_', 'context'],
  ['GIT_CONFIG_', 'command'],
  ['NPM_CONFIG_', 'command'],
  // Whole families refused from the model, though only the exact entries above load code.
  ['NODE_', 'context'],
  ['PYTHON', 'context'],
  ['PERL', 'context'],
  ['RUBY', 'context'],
  ['BULWARK_', 'context'],
];

const BY_NAME = new Map<string, DangerousEnvKind>();
for (const [kind, names] of Object.entries(EXACT) as Array<[DangerousEnvKind, readonly string[]]>) {
  for (const n of names) BY_NAME.set(n, kind);
}

/** How setting `name` is dangerous, or undefined for an ordinary variable. */
export function dangerousEnvKind(name: string): DangerousEnvKind | undefined {
  const upper = name.toUpperCase();
  const exact = BY_NAME.get(upper);
  if (exact) return exact;
  for (const [prefix, kind] of PREFIXES) if (upper.startsWith(prefix)) return kind;
  return undefined;
}

/**
 * The kinds that change which program runs or what it runs: refused when a builtin assigns them inside a command
 * line (exec layer 2) and destructive for L27. `context` stays out: it changes trust and routing, not the program.
 */
export const STEERS_EXECUTION: readonly DangerousEnvKind[] = ['loader', 'command', 'lookup'];

/** True when `name` is on the list with one of `kinds`. */
export function isDangerousEnv(name: string, kinds: readonly DangerousEnvKind[]): boolean {
  const k = dangerousEnvKind(name);
  return k !== undefined && kinds.includes(k);
}

/** Every exact name on the list, with its kind (for tests and `bulwark scan`-style reports). */
export function dangerousEnvNames(): ReadonlyArray<readonly [string, DangerousEnvKind]> {
  return [...BY_NAME.entries()];
}
