/**
 * L27 rules for shell commands: each simple command is classified from its name and arguments.
 * Unknown programs, privilege changes and anything the tokeniser cannot see through are destructive.
 */
import type { ActionClass } from './action-classifier-classes.js';
import { parseShell, type SimpleCommand } from './action-classifier-shell.js';
import { ASSIGNMENT_WORD, ENV_OPERAND } from '../text/shell-parse.js';
import { isDangerousEnv, type DangerousEnvKind } from '../text/dangerous-env.js';

export interface ExecVerdict {
  readonly classes: Set<ActionClass>;
  readonly reasons: string[];
  readonly argvs: string[][];
  readonly envNames: string[];
  /** Simple commands examined (nested ones included). */
  readonly commands: number;
}

/** The verdict being built, with sets beside the lists so each addition is O(1), not a scan of all before it. */
interface Acc {
  readonly classes: Set<ActionClass>;
  readonly reasons: string[];
  readonly argvs: string[][];
  readonly envNames: string[];
  readonly seenReasons: Set<string>;
  readonly seenEnv: Set<string>;
  commands: number;
}

function newAcc(): Acc {
  return {
    classes: new Set(['exec']),
    reasons: [],
    argvs: [],
    envNames: [],
    seenReasons: new Set(),
    seenEnv: new Set(),
    commands: 0,
  };
}

function verdict(v: Acc): ExecVerdict {
  return { classes: v.classes, reasons: v.reasons, argvs: v.argvs, envNames: v.envNames, commands: v.commands };
}

const READ_ONLY = new Set([
  'ls',
  'cat',
  'head',
  'tail',
  'less',
  'more',
  'grep',
  'egrep',
  'fgrep',
  'rg',
  'wc',
  'echo',
  'printf',
  'pwd',
  'stat',
  'file',
  'du',
  'df',
  'which',
  'whereis',
  'type',
  'date',
  'uname',
  'whoami',
  'id',
  'hostname',
  'tree',
  'sort',
  'uniq',
  'cut',
  'tr',
  'diff',
  'cmp',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'true',
  'false',
  'test',
  '[',
  'jq',
  'ps',
  'nl',
  'column',
  'base64',
  'xxd',
  'od',
  'seq',
  'sleep',
  'cd',
  'tac',
  'rev',
  'comm',
  'join',
  'paste',
  'fold',
  'fmt',
  'expr',
  'yes',
  'locale',
  'uptime',
  'free',
  'lsof',
  'ldd',
  'strings',
]);
const WRITERS = new Set([
  'mkdir',
  'touch',
  'cp',
  'mv',
  'ln',
  'tee',
  'rmdir',
  'chmod',
  'chown',
  'chgrp',
  'install',
  'patch',
  'unzip',
  'tar',
  'gzip',
  'gunzip',
  'zip',
]);
const DESTRUCTIVE = new Set([
  'rm',
  'shred',
  'dd',
  'fdisk',
  'sfdisk',
  'parted',
  'wipefs',
  'mkswap',
  'swapon',
  'swapoff',
  'truncate',
  'kill',
  'pkill',
  'killall',
  'reboot',
  'shutdown',
  'halt',
  'poweroff',
  'init',
  'mount',
  'umount',
  'chattr',
  'userdel',
  'groupdel',
  'eval',
  'source',
  '.',
  'exec',
  'docker',
  'podman',
  'kubectl',
  'nsenter',
  'unshare',
  'chroot',
  'insmod',
  'rmmod',
  'modprobe',
  'sysctl',
  'losetup',
  'cryptsetup',
]);
const PRIVILEGE = new Set(['sudo', 'doas', 'su', 'pkexec', 'runuser', 'setpriv', 'capsh']);
const CONFIG = new Set([
  'crontab',
  'systemctl',
  'service',
  'iptables',
  'ip6tables',
  'nft',
  'ufw',
  'update-alternatives',
  'git-config',
  'visudo',
  'useradd',
  'usermod',
  'groupadd',
  'apt',
  'apt-get',
  'dpkg',
  'yum',
  'dnf',
  'apk',
  'brew',
  'snap',
]);
const CREDENTIAL = new Set([
  'printenv',
  'ssh-keygen',
  'ssh-add',
  'ssh-agent',
  'gpg',
  'pass',
  'security',
  'passwd',
  'chpasswd',
  'keyctl',
  'openssl',
  'vault',
  'op',
  'aws',
  'gcloud',
  'az',
]);
const NETWORK = new Set([
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'telnet',
  'ftp',
  'ping',
  'dig',
  'nslookup',
  'host',
  'socat',
  'http',
  'https',
  'aria2c',
]);
const INTERPRETERS = new Set([
  'python',
  'python3',
  'node',
  'deno',
  'bun',
  'ruby',
  'perl',
  'php',
  'lua',
  'awk',
  'gawk',
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'fish',
]);
const BUILD = new Set([
  'go',
  'cargo',
  'rustc',
  'gcc',
  'g++',
  'cc',
  'clang',
  'make',
  'cmake',
  'tsc',
  'pytest',
  'java',
  'javac',
  'mvn',
  'gradle',
  'vitest',
  'jest',
  'eslint',
  'prettier',
]);
const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'pip', 'pip3', 'gem', 'composer', 'uv', 'poetry', 'npx']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish']);
/** Wrappers that run the rest of the line as the command; their own options are skipped. */
const WRAPPERS = new Set([
  'nice',
  'nohup',
  'time',
  'stdbuf',
  'ionice',
  'command',
  'builtin',
  'env',
  'timeout',
  'xargs',
  'setsid',
]);
/** Kinds of the shared dangerous-variable list that make setting a variable destructive here. */
const DESTRUCTIVE_ENV: readonly DangerousEnvKind[] = ['loader', 'command', 'lookup'];
const SECRET_ENV = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;
/** Paths whose contents are credentials wherever they are read from. */
const CREDENTIAL_PATH =
  /(^|[/~])(\.ssh|\.gnupg|\.aws|\.kube|\.docker|\.netrc|\.npmrc|\.pypirc|\.git-credentials|\.env$|\.env\.[\w-]+$|id_(rsa|dsa|ecdsa|ed25519)|shadow$|gshadow$|sudoers|\.pgpass|environ$|credentials$|credentials\.json$|\.bulwark)/;

const MAX_DEPTH = 3;

/** Flags that make an interpreter run code given on the command line. */
const INLINE_CODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  python: ['-c'],
  python3: ['-c'],
  python2: ['-c'],
  node: ['-e', '-p', '--eval', '--print'],
  bun: ['-e', '--eval', '-p', '--print'],
  deno: ['eval'],
  perl: ['-e', '-E'],
  ruby: ['-e'],
  php: ['-r'],
  lua: ['-e'],
};
/** `s/a/b/e`, `s/a/b/w file`, or an `e`/`w` command at the start of a sed expression. */
const SED_EXEC_OR_WRITE = /\/[gpiImM0-9]*[ew]|(^|[;{}\s])[0-9,$]*[ew](\s|$)/;

/** True when an operand may point outside the workspace: absolute, home, parent, or an unexpanded variable. */
export function leavesWorkspace(p: string, workspace?: string): boolean {
  if (p.includes('$')) return true;
  if (p.startsWith('~')) return true;
  if (p.split('/').includes('..')) return true;
  if (p.startsWith('/')) {
    if (!workspace) return true;
    const root = workspace.endsWith('/') ? workspace : `${workspace}/`;
    return !(p === workspace || p.startsWith(root));
  }
  return false;
}

export function isCredentialPath(p: string): boolean {
  return CREDENTIAL_PATH.test(p);
}

function basename(name: string): string {
  const i = name.lastIndexOf('/');
  return i >= 0 ? name.slice(i + 1) : name;
}

function operands(args: readonly string[]): string[] {
  return args.filter((a) => !a.startsWith('-'));
}

function hasFlag(args: readonly string[], short: string, long: readonly string[] = []): boolean {
  return args.some(
    (a) =>
      long.includes(a) ||
      long.some((l) => a.startsWith(`${l}=`)) ||
      (/^-[A-Za-z]+$/.test(a) && a.slice(1).includes(short)),
  );
}

export function classifyCommandString(command: string, workspace: string | undefined): ExecVerdict {
  const v = newAcc();
  classifyInto(v, command, workspace, 0);
  return verdict(v);
}

export function classifyArgv(argv: readonly string[], workspace: string | undefined): ExecVerdict {
  const v = newAcc();
  classifySimple(v, { assigns: [], argv, redirects: [], piped: false }, workspace, 0);
  return verdict(v);
}

/** Variables passed beside the command (the exec tool's `env`): each name as if set on the command line. */
export function classifyEnvNames(names: readonly string[]): ExecVerdict {
  const v = newAcc();
  for (const name of names) {
    if (!ASSIGNMENT_WORD.test(`${name}=`))
      add(v, 'destructive', `environment variable name ${JSON.stringify(name.slice(0, 64))} is not a valid name`);
    noteEnv(v, name);
  }
  return verdict(v);
}

function add(v: Acc, c: ActionClass, reason: string): void {
  v.classes.add(c);
  if (v.seenReasons.has(reason)) return;
  v.seenReasons.add(reason);
  v.reasons.push(reason);
}

function classifyInto(v: Acc, command: string, workspace: string | undefined, depth: number): void {
  const parsed = parseShell(command);
  if (!parsed.ok) {
    add(v, 'destructive', `cannot see through the command (${parsed.opaque})`);
    return;
  }
  if (parsed.commands.length === 0) add(v, 'destructive', 'empty command');
  for (const cmd of parsed.commands) classifySimple(v, cmd, workspace, depth);
}

function classifySimple(v: Acc, cmd: SimpleCommand, workspace: string | undefined, depth: number): void {
  v.commands++;
  if (depth > MAX_DEPTH) {
    add(v, 'destructive', 'commands nested too deeply');
    return;
  }
  for (const a of cmd.assigns) noteEnv(v, a.slice(0, a.indexOf('=')));
  for (const r of cmd.redirects) {
    // `<>` opens for writing too, `>&file` and `&>` write.
    if (!r.op.includes('>')) {
      if (isCredentialPath(r.target)) add(v, 'credential', `reads credential file ${r.target}`);
    } else if (r.target !== '/dev/null' && r.target !== '/dev/stdout' && r.target !== '/dev/stderr') {
      if (leavesWorkspace(r.target, workspace)) add(v, 'destructive', `writes ${r.target} outside the workspace`);
      else add(v, 'write', `writes ${r.target}`);
    }
  }
  let argv = [...cmd.argv];
  // Peel wrappers (env, nice, timeout, xargs, …) to reach the real program.
  for (let guard = 0; guard < 8 && argv.length > 0; guard++) {
    const name = basename(argv[0] as string);
    if (PRIVILEGE.has(name)) {
      add(v, 'destructive', `changes privilege with ${name}`);
      argv = argv.slice(1);
      while (argv.length > 0 && (argv[0] as string).startsWith('-')) argv = argv.slice(1);
      continue;
    }
    if (!WRAPPERS.has(name)) break;
    if (name === 'xargs') add(v, 'exec', 'xargs runs a command with arguments from its input');
    if (name === 'env' && argv.length === 1) {
      add(v, 'credential', 'env prints the environment');
      return;
    }
    argv = argv.slice(1);
    while (argv.length > 0) {
      const a = argv[0] as string;
      if (a.startsWith('-')) argv = argv.slice(1);
      else if (name === 'env' && ENV_OPERAND.test(a)) {
        noteEnv(v, a.slice(0, a.indexOf('=')));
        argv = argv.slice(1);
      } else if (name === 'timeout' && /^\d/.test(a)) argv = argv.slice(1);
      else break;
    }
  }
  if (argv.length === 0) return;
  v.argvs.push(argv);
  const name = basename(argv[0] as string);
  const args = argv.slice(1);
  for (const a of args) if (isCredentialPath(a)) add(v, 'credential', `touches credential file ${a}`);

  // Without a script operand a shell or interpreter runs whatever arrives on stdin (a pipe, a
  // redirect or the tool's stdin argument): a program the classifier never sees.
  if (
    (SHELLS.has(name) || INTERPRETERS.has(name)) &&
    name !== 'awk' &&
    name !== 'gawk' &&
    operands(args).length === 0
  ) {
    add(
      v,
      'destructive',
      cmd.piped ? `pipes downloaded or generated text into ${name}` : `${name} reads its program from standard input`,
    );
    return;
  }
  if (SHELLS.has(name)) {
    const c = args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
    if (c >= 0) {
      const script = args[c + 1];
      if (script === undefined) add(v, 'destructive', `${name} -c without a script`);
      else classifyInto(v, script, workspace, depth + 1);
      return;
    }
    add(v, 'exec', `runs a ${name} script`);
    return;
  }
  const inline = INLINE_CODE_FLAGS[name];
  if (
    inline &&
    args.some((a) => inline.includes(a) || inline.some((f) => f.startsWith('--') && a.startsWith(`${f}=`)))
  ) {
    add(v, 'destructive', `${name} runs an inline program the classifier cannot see through`);
    return;
  }
  if (name === 'awk' || name === 'gawk' || name === 'mawk') {
    add(v, 'exec', `runs ${name}`);
    if (args.some((a) => a.includes('system') || a.includes('|') || a.includes('>') || a.includes('getline'))) {
      add(v, 'destructive', `${name} program runs commands or writes files`);
    }
    return;
  }
  if (
    name === 'tar' &&
    args.some(
      (a) =>
        /^--(to-command|checkpoint-action|use-compress-program|info-script|new-volume-script)/.test(a) ||
        a === '-I' ||
        a === '-F',
    )
  ) {
    add(v, 'destructive', 'tar option runs a command');
    return;
  }
  if (name === 'git') return classifyGit(v, args);
  if (name === 'find') return classifyFind(v, args, workspace, depth);
  if (name === 'sed') {
    add(v, 'read', 'sed filters text');
    if (hasFlag(args, 'i', ['--in-place'])) add(v, 'write', 'sed edits files in place');
    // The e command/flag runs the pattern space as a shell command; w writes a file.
    if (operands(args).some((a) => SED_EXEC_OR_WRITE.test(a)))
      add(v, 'destructive', 'sed script can run commands or write files');
    return;
  }
  if (name === 'rsync' || name === 'scp' || name === 'sftp') {
    add(v, 'network', `${name} copies over the network`);
    if (
      name === 'rsync' &&
      hasFlag(args, '\0', ['--delete', '--delete-after', '--delete-before', '--remove-source-files'])
    ) {
      add(v, 'destructive', 'rsync deletes files');
    }
    add(v, 'write', `${name} writes files`);
    return;
  }
  if (name === 'ssh') {
    add(v, 'network', 'ssh connects to a remote host');
    add(v, 'destructive', 'ssh runs commands on a remote host');
    return;
  }
  if (NETWORK.has(name)) return classifyNetwork(v, name, args, workspace);
  if (PACKAGE_MANAGERS.has(name)) return classifyPackageManager(v, name, args);
  if (DESTRUCTIVE.has(name)) {
    add(v, 'destructive', `${name} is destructive`);
    return;
  }
  if (CONFIG.has(name)) {
    add(v, 'config', `${name} changes system configuration`);
    return;
  }
  if (CREDENTIAL.has(name)) {
    add(v, 'credential', `${name} handles credentials`);
    return;
  }
  if (WRITERS.has(name)) {
    const recursiveMode =
      (name === 'chmod' || name === 'chown' || name === 'chgrp') && hasFlag(args, 'R', ['--recursive']);
    if (recursiveMode) add(v, 'destructive', `${name} -R changes a whole tree`);
    const outside = operands(args).filter((a) => leavesWorkspace(a, workspace));
    if (outside.length > 0) add(v, 'destructive', `${name} touches ${outside.join(', ')} outside the workspace`);
    else add(v, 'write', `${name} writes inside the workspace`);
    return;
  }
  if (READ_ONLY.has(name)) {
    add(v, 'read', `${name} reads`);
    return;
  }
  if (INTERPRETERS.has(name) || BUILD.has(name)) {
    add(v, 'exec', `runs ${name}`);
    return;
  }
  add(v, 'destructive', `unrecognised program ${name}`);
}

function noteEnv(v: Acc, name: string): void {
  if (!v.seenEnv.has(name)) {
    v.seenEnv.add(name);
    v.envNames.push(name);
  }
  if (isDangerousEnv(name, DESTRUCTIVE_ENV)) add(v, 'destructive', `sets ${name}, which changes what runs`);
  else if (SECRET_ENV.test(name)) add(v, 'credential', `sets ${name}, which looks like a credential`);
}

function classifyGit(v: Acc, args: readonly string[]): void {
  let i = 0;
  while (i < args.length && (args[i] as string).startsWith('-')) {
    const a = args[i] as string;
    // `-c key=value` (or `-ckey=value`) sets configuration for this run: an alias or core.pager runs commands.
    if (a.startsWith('-c')) add(v, 'config', 'git -c overrides configuration');
    // -c key=value and -C dir take a value.
    i += a === '-c' || a === '-C' ? 2 : 1;
  }
  const sub = args[i];
  const rest = args.slice(i + 1);
  switch (sub) {
    case undefined:
    case 'status':
    case 'log':
    case 'diff':
    case 'show':
    case 'blame':
    case 'ls-files':
    case 'rev-parse':
    case 'describe':
    case 'grep':
    case 'shortlog':
      add(v, 'read', `git ${sub ?? ''} reads`.trim());
      return;
    case 'branch':
    case 'tag':
      if (hasFlag(rest, 'D', ['--delete', '--force']) || hasFlag(rest, 'd') || hasFlag(rest, 'f'))
        add(v, 'destructive', `git ${sub} deletes or moves refs`);
      else add(v, 'write', `git ${sub}`);
      return;
    case 'add':
    case 'commit':
    case 'init':
    case 'mv':
    case 'stash':
    case 'switch':
    case 'merge':
    case 'cherry-pick':
    case 'revert':
    case 'apply':
    case 'am':
      add(v, 'write', `git ${sub} changes the repository`);
      return;
    case 'checkout':
    case 'restore':
      if (rest.includes('--') || rest.includes('.') || hasFlag(rest, 'f', ['--force']))
        add(v, 'destructive', `git ${sub} discards changes`);
      else add(v, 'write', `git ${sub}`);
      return;
    case 'reset':
      if (rest.includes('--hard') || rest.includes('--merge') || rest.includes('--keep'))
        add(v, 'destructive', 'git reset --hard discards work');
      else add(v, 'write', 'git reset');
      return;
    case 'clean':
      add(v, 'destructive', 'git clean deletes untracked files');
      return;
    case 'rebase':
      add(v, 'destructive', 'git rebase rewrites history');
      return;
    case 'push':
      add(v, 'network', 'git push sends commits to a remote');
      if (
        hasFlag(rest, 'f', ['--force', '--force-with-lease', '--mirror', '--delete', '--prune']) ||
        rest.some((a) => a.startsWith('+') || a.startsWith(':'))
      ) {
        add(v, 'destructive', 'git push rewrites or deletes remote history');
      }
      return;
    case 'fetch':
    case 'pull':
    case 'clone':
    case 'submodule':
    case 'ls-remote':
      add(v, 'network', `git ${sub} talks to a remote`);
      add(v, 'write', `git ${sub} writes the working tree`);
      return;
    case 'config':
    case 'remote':
    case 'hooks':
      add(v, 'config', `git ${sub} changes repository configuration`);
      return;
    case 'credential':
      add(v, 'credential', 'git credential handles credentials');
      return;
    default:
      add(v, 'destructive', `unrecognised git subcommand ${sub}`);
  }
}

function classifyFind(v: Acc, args: readonly string[], workspace: string | undefined, depth: number): void {
  add(v, 'read', 'find lists files');
  if (args.includes('-delete')) add(v, 'destructive', 'find -delete removes files');
  for (const flag of ['-fprint', '-fprintf', '-fls'])
    if (args.includes(flag)) add(v, 'write', `find ${flag} writes a file`);
  for (let i = 0; i < args.length; i++) {
    if (['-exec', '-execdir', '-ok', '-okdir'].includes(args[i] as string)) {
      const sub: string[] = [];
      for (let j = i + 1; j < args.length && args[j] !== ';' && args[j] !== '+'; j++) sub.push(args[j] as string);
      classifySimple(
        v,
        { assigns: [], argv: sub.filter((a) => a !== '{}'), redirects: [], piped: false },
        workspace,
        depth + 1,
      );
    }
  }
}

function classifyNetwork(v: Acc, name: string, args: readonly string[], workspace: string | undefined): void {
  add(v, 'network', `${name} reaches the network`);
  if (name === 'nc' || name === 'ncat' || name === 'netcat' || name === 'socat' || name === 'telnet') {
    add(v, 'destructive', `${name} opens raw connections that can carry any data out`);
    return;
  }
  if (name === 'curl' || name === 'wget' || name === 'http' || name === 'https') {
    const sends =
      hasFlag(args, 'd', [
        '--data',
        '--data-binary',
        '--data-raw',
        '--data-urlencode',
        '--json',
        '--form',
        '--upload-file',
        '--post-data',
        '--post-file',
        '--body-data',
        '--body-file',
        '--method',
      ]) ||
      hasFlag(args, 'F') ||
      hasFlag(args, 'T');
    const method = args.findIndex((a) => a === '-X' || a === '--request');
    const m =
      method >= 0
        ? (args[method + 1] ?? '').toUpperCase()
        : args
            .find((a) => /^-X[A-Za-z]+$/.test(a))
            ?.slice(2)
            .toUpperCase();
    if (sends || (m !== undefined && !['GET', 'HEAD', 'OPTIONS'].includes(m)))
      add(v, 'destructive', `${name} sends data to a remote server`);
    const out = args.findIndex((a) => a === '-o' || a === '-O' || a === '--output' || a === '--output-document');
    const target = out >= 0 ? args[out + 1] : undefined;
    if (target !== undefined && leavesWorkspace(target, workspace))
      add(v, 'destructive', `${name} writes ${target} outside the workspace`);
    else if (target !== undefined || args.includes('-O') || name === 'wget') add(v, 'write', `${name} saves a file`);
  }
}

function classifyPackageManager(v: Acc, name: string, args: readonly string[]): void {
  const sub = args.find((a) => !a.startsWith('-'));
  if (name === 'npx') {
    add(v, 'network', 'npx may download and run a package');
    add(v, 'exec', 'npx runs a package');
    return;
  }
  if (sub === 'publish' || sub === 'unpublish' || sub === 'deprecate' || sub === 'owner' || sub === 'upload') {
    add(v, 'network', `${name} ${sub} talks to the registry`);
    add(v, 'destructive', `${name} ${sub} publishes or changes a public package`);
    return;
  }
  if (sub === 'login' || sub === 'adduser' || sub === 'token' || sub === 'whoami') {
    add(v, 'credential', `${name} ${sub} handles registry credentials`);
    return;
  }
  if (sub === 'config' || sub === 'set') {
    add(v, 'config', `${name} ${sub} changes configuration`);
    return;
  }
  if (sub === 'uninstall' || sub === 'remove' || sub === 'rm') {
    add(v, 'write', `${name} ${sub} removes dependencies`);
    return;
  }
  if (
    sub === 'install' ||
    sub === 'i' ||
    sub === 'add' ||
    sub === 'ci' ||
    sub === 'update' ||
    sub === 'upgrade' ||
    sub === 'sync' ||
    sub === undefined
  ) {
    add(v, 'network', `${name} install downloads packages`);
    add(v, 'write', `${name} install writes dependencies`);
    add(v, 'exec', `${name} install may run install scripts`);
    return;
  }
  add(v, 'exec', `${name} ${sub} runs project scripts`);
}
