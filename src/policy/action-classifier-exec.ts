/**
 * L27 rules for shell commands. The command line is read through the shell model (text/shell-model.ts, the
 * one parse shared with the exec command policy): each resolved command is classified from its name and
 * arguments after wrappers, and each wrapper from its own name. The classifier wants plain words, so anything
 * whose effect depends on text it would have to run to know (command, process or arithmetic substitution,
 * here-documents and here-strings, script text built at run time) is destructive: fail closed. So is input the
 * model refuses (unterminated quotes, oversized or too deeply nested lines), an unknown program, and a
 * privilege change.
 *
 * When the command's effects are judged after the run (transactional exec, L11.7 on), a command is approved once,
 * on its effects: changes to files inside the workspace that look destructive (rm, shred, truncate, dd into a
 * workspace file, chmod -R, find -delete, git clean/reset --hard/checkout -- ./rebase/branch -D, git config of
 * the repository, git -c for one run) are `write` here, because the effect check holds deletions for the operator,
 * refuses what the host would run and journals the rest; so is a program the classifier does not know (`exec`, as
 * an interpreter running a script is). What cannot be undone keeps asking: anything outside the workspace, the
 * network, processes and the system, privilege, and text the classifier cannot read.
 */
import type { ActionClass } from '../config/index.js';
import {
  parseShell,
  resolveArgv,
  type ResolvedCommand,
  type ShellModel,
  ASSIGNMENT_WORD,
  type Word,
  SHELLS,
  isDangerousEnv,
  STEERS_EXECUTION,
  braceExpansions,
} from '../text/index.js';
import type { Result, BulwarkError } from '../core/index.js';
import { credentialExpansionTarget, credentialGlobTarget, parameterDefaults } from './credential-globs.js';

export interface ExecVerdict {
  readonly classes: Set<ActionClass>;
  readonly reasons: string[];
  readonly argvs: string[][];
  /** The classes each command of `argvs` added (same order): what in a long line made it need approval. */
  readonly argvClasses: ActionClass[][];
  readonly envNames: string[];
  /** Simple commands examined (nested ones included). */
  readonly commands: number;
}

/** The verdict being built, with sets beside the lists so each addition is O(1), not a scan of all before it. */
interface Acc {
  /** The command's workspace changes are judged on their effects after the run (L11.7). */
  readonly effectsJudged: boolean;
  readonly classes: Set<ActionClass>;
  readonly reasons: string[];
  readonly argvs: string[][];
  readonly argvClasses: Set<ActionClass>[];
  /** Where `add` also records its class: the command being classified (nested ones have their own). */
  current: Set<ActionClass> | undefined;
  readonly envNames: string[];
  readonly seenReasons: Set<string>;
  readonly seenEnv: Set<string>;
  commands: number;
}

function newAcc(effectsJudged = false): Acc {
  return {
    effectsJudged,
    classes: new Set(['exec']),
    reasons: [],
    argvs: [],
    argvClasses: [],
    current: undefined,
    envNames: [],
    seenReasons: new Set(),
    seenEnv: new Set(),
    commands: 0,
  };
}

function verdict(v: Acc): ExecVerdict {
  return {
    classes: v.classes,
    reasons: v.reasons,
    argvs: v.argvs,
    argvClasses: v.argvClasses.map((c) => [...c]),
    envNames: v.envNames,
    commands: v.commands,
  };
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
/** Wrappers the model sees through that add no class of their own (xargs adds exec; the others are judged by name). */
const TRANSPARENT_WRAPPERS = new Set([
  'nice',
  'nohup',
  'time',
  'stdbuf',
  'ionice',
  'command',
  'builtin',
  'env',
  'timeout',
  'setsid',
]);
const SECRET_ENV = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;
/** Paths whose contents are credentials wherever they are read from. */
const CREDENTIAL_PATH =
  /(^|[/~])(\.ssh|\.gnupg|\.aws|\.kube|\.docker|\.netrc|\.npmrc|\.pypirc|\.git-credentials|\.env$|\.env\.[\w-]+$|id_(rsa|dsa|ecdsa|ed25519)|shadow$|gshadow$|sudoers|\.pgpass|environ$|credentials$|credentials\.json$|\.bulwark)/;

const MAX_DEPTH = 3;

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

export interface ExecClassifyOptions {
  /** The command runs on a copy-on-write view and its effects are judged before they land (L11.7). */
  readonly effectsJudged?: boolean;
}

export function classifyCommandString(
  command: string,
  workspace: string | undefined,
  options: ExecClassifyOptions = {},
): ExecVerdict {
  const v = newAcc(options.effectsJudged === true);
  classifyModel(v, parseShell(command), workspace, 0);
  return verdict(v);
}

export function classifyArgv(
  argv: readonly string[],
  workspace: string | undefined,
  options: ExecClassifyOptions = {},
): ExecVerdict {
  const v = newAcc(options.effectsJudged === true);
  classifyResolved(v, resolveArgv(argv), workspace, 0, ALONE);
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

/**
 * A change to files inside the workspace that looks destructive: with effects judged (L11.7) the effect check
 * decides after the run (deletions held, the rest journaled), so it is a write here; without, the operator is asked.
 */
function workspaceChange(v: Acc, reason: string): void {
  if (v.effectsJudged) add(v, 'write', `${reason} (judged on its effects after the run, L11.7)`);
  else add(v, 'destructive', reason);
}

/** Programs whose only effect is on the files they name. */
const FILE_DESTROYERS = new Set(['rm', 'shred', 'truncate']);

function add(v: Acc, c: ActionClass, reason: string): void {
  v.classes.add(c);
  v.current?.add(c);
  if (v.seenReasons.has(reason)) return;
  v.seenReasons.add(reason);
  v.reasons.push(reason);
}

/** A word whose value comes from running something: `$(…)`, backticks or `$((…))`. */
function substituted(w: Word): boolean {
  return w.dynamic && (w.text.includes('$(') || w.text.includes('`'));
}

/** What L27 will not read past in a parsed text: substitutions, here-documents and here-strings. */
function unreadable(m: ShellModel): string | undefined {
  for (const c of m.commands) {
    if (c.inSubstitution) return 'command or process substitution';
    for (const w of c.words) if (substituted(w)) return 'command substitution';
    for (const w of c.words) if (w.dynamic && w.text === '/dev/fd/63') return 'process substitution';
    for (const r of c.redirects) {
      if (r.kind === 'heredoc') return 'here-document';
      if (r.kind === 'herestring') return 'here-string';
      if (substituted(r.target)) return 'command substitution';
    }
  }
  return undefined;
}

function classifyModel(
  v: Acc,
  model: Result<ShellModel, BulwarkError>,
  workspace: string | undefined,
  depth: number,
): void {
  if (!model.ok) {
    add(v, 'destructive', `cannot see through the command (${model.error.message})`);
    return;
  }
  const opaque = unreadable(model.value);
  if (opaque !== undefined) {
    add(v, 'destructive', `cannot see through the command (${opaque})`);
    return;
  }
  if (model.value.commands.length === 0) add(v, 'destructive', 'empty command');
  for (const c of model.value.commands) {
    classifyResolved(v, c, workspace, depth, c.pipePosition > 0 ? PIPED : ALONE);
  }
}

/** A wrapper the model saw through, judged by its own name. */
function classifyWrapper(v: Acc, name: string): void {
  if (PRIVILEGE.has(name)) add(v, 'destructive', `changes privilege with ${name}`);
  else if (name === 'xargs') add(v, 'exec', 'xargs runs a command with arguments from its input');
  else if (TRANSPARENT_WRAPPERS.has(name)) return;
  else if (DESTRUCTIVE.has(name)) add(v, 'destructive', `${name} is destructive`);
  else unknownProgram(v, name);
}

/** The words' texts; under `find -exec`, without the `{}` that stands for a found path. */
function texts(words: readonly Word[], seat: Seat): string[] {
  const out: string[] = [];
  for (const w of words) if (!seat.findExec || w.text !== '{}') out.push(w.text);
  return out;
}

interface Seat {
  /** Reads the output of the command before it in a pipeline. */
  readonly piped: boolean;
  /** Run by `find -exec`: its `{}` stands for a found path. */
  readonly findExec: boolean;
}

const ALONE: Seat = { piped: false, findExec: false };
const PIPED: Seat = { piped: true, findExec: false };
const FIND_EXEC: Seat = { piped: false, findExec: true };

function classifyResolved(
  v: Acc,
  cmd: ResolvedCommand,
  workspace: string | undefined,
  depth: number,
  seat: Seat,
): void {
  const outer = v.current;
  v.current = new Set();
  try {
    classifyCommand(v, cmd, workspace, depth, seat);
  } finally {
    v.current = outer;
  }
}

/** Pushes the command's argv with the set its classes are recorded in (the one `classifyResolved` opened). */
function pushArgv(v: Acc, argv: string[]): void {
  v.argvs.push(argv);
  v.argvClasses.push(v.current ?? new Set());
}

function classifyCommand(v: Acc, cmd: ResolvedCommand, workspace: string | undefined, depth: number, seat: Seat): void {
  v.commands++;
  if (depth > MAX_DEPTH) {
    add(v, 'destructive', 'commands nested too deeply');
    return;
  }
  for (const a of cmd.assignments) {
    noteEnv(v, a.slice(0, a.indexOf('=')));
    // `f=.env; cat "$f"`: the variable is read later, where the path no longer shows.
    const value = a.slice(a.indexOf('=') + 1);
    if (isCredentialPath(value)) add(v, 'credential', `puts credential file ${value} in ${a.slice(0, a.indexOf('='))}`);
  }
  for (const r of cmd.redirects) {
    if (r.kind === 'dup' || r.kind === 'heredoc' || r.kind === 'herestring') continue;
    const target = r.target.text;
    if (r.kind === 'read') {
      const named = r.target.glob ? credentialGlobTarget(target) : undefined;
      if (isCredentialPath(target)) add(v, 'credential', `reads credential file ${target}`);
      else if (named !== undefined) add(v, 'credential', `reads ${target}, a glob that names credential file ${named}`);
      else if (target.includes('{')) bracedCredential(v, target, r.target.glob === true);
      if (r.target.dynamic) expandedCredential(v, target, r.target.glob === true);
    } else if (target !== '/dev/null' && target !== '/dev/stdout' && target !== '/dev/stderr') {
      if (leavesWorkspace(target, workspace)) add(v, 'destructive', `writes ${target} outside the workspace`);
      else add(v, 'write', `writes ${target}`);
    }
  }
  const peeled = cmd.runner ? cmd.wrappers.slice(0, -1) : cmd.wrappers;
  for (const w of peeled) classifyWrapper(v, w);
  if (cmd.opaque?.kind === 'script') add(v, 'destructive', `cannot see through the command (${cmd.opaque.reason})`);
  if (cmd.runner) return classifyRunner(v, cmd, texts(cmd.runner, seat), workspace, depth, seat);
  const argv = texts(cmd.argv, seat);
  if (argv.length === 0) {
    if (peeled[peeled.length - 1] === 'env') add(v, 'credential', 'env prints the environment');
    return;
  }
  pushArgv(v, argv);
  const name = argv[0] as string;
  const args = argv.slice(1);
  for (const a of args) {
    // A path after `=` (`dd if=.env`, `--file=.env`) or `:` (`git show :.env`, `HEAD:.env`) is as good as alone.
    const path = [a, a.slice(a.indexOf('=') + 1), a.slice(a.lastIndexOf(':') + 1)].find((p) => isCredentialPath(p));
    if (path !== undefined) add(v, 'credential', `touches credential file ${path}`);
  }
  for (const w of cmd.argv.slice(1)) {
    const named = w.glob && !isCredentialPath(w.text) ? credentialGlobTarget(w.text) : undefined;
    if (named !== undefined) add(v, 'credential', `touches ${w.text}, a glob that names credential file ${named}`);
    else if (w.text.includes('{') && !isCredentialPath(w.text)) bracedCredential(v, w.text, w.glob === true);
    if (w.dynamic && !isCredentialPath(w.text)) expandedCredential(v, w.text, w.glob === true);
  }

  // Without a script operand an interpreter runs whatever arrives on stdin (a pipe, a redirect or the
  // tool's stdin argument): a program the classifier never sees.
  if (cmd.readsStdinScript) {
    add(
      v,
      'destructive',
      seat.piped ? `pipes downloaded or generated text into ${name}` : `${name} reads its program from standard input`,
    );
    return;
  }
  if (cmd.inlineCode) {
    add(v, 'destructive', `${name} runs an inline program the classifier cannot see through`);
    return;
  }
  if (PRIVILEGE.has(name)) {
    add(v, 'destructive', `changes privilege with ${name}`);
    return;
  }
  if (name === 'command') {
    // The model leaves `command -v NAME` as is: it looks a program up and runs nothing.
    add(v, 'read', 'command -v looks a program up');
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
  if (name === 'find') return classifyFind(v, cmd, args, workspace, depth);
  if (name === 'dd') return classifyDd(v, args, workspace);
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
    const outside = operands(args).filter((a) => leavesWorkspace(a, workspace));
    // Paths from xargs' input are not known before the run.
    if (FILE_DESTROYERS.has(name) && outside.length === 0 && !cmd.wrappers.includes('xargs'))
      workspaceChange(v, `${name} is destructive`);
    else add(v, 'destructive', `${name} is destructive`);
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
    const outside = operands(args).filter((a) => leavesWorkspace(a, workspace));
    if (recursiveMode) workspaceChange(v, `${name} -R changes a whole tree`);
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
  unknownProgram(v, name);
}

/**
 * A program the classifier does not know. Without the effect check it is destructive (asked): nothing says what it
 * does. With it, it is what an interpreter running a script is — `exec`, judged on what it changed in the workspace
 * after the run (the sandbox keeps everything else); the network, privilege and text it cannot read are still judged
 * by their own rules before the run.
 */
function unknownProgram(v: Acc, name: string): void {
  if (v.effectsJudged) add(v, 'exec', `runs unrecognised program ${name} (judged on its effects after the run, L11.7)`);
  else add(v, 'destructive', `unrecognised program ${name}`);
}

/**
 * A command that runs script text instead of an argv: a shell (`sh -c X`, `bash file`, `sh` reading stdin),
 * `eval`, `su -c`, `env -S`, `watch`. The scripts it runs are classified one level deeper.
 */
function classifyRunner(
  v: Acc,
  cmd: ResolvedCommand,
  runner: readonly string[],
  workspace: string | undefined,
  depth: number,
  seat: Seat,
): void {
  pushArgv(v, [...runner]);
  const name = runner[0] ?? '';
  // busybox is any program at all: judged by name like the other wrappers, not read as a shell.
  if (SHELLS.has(name) && name !== 'busybox') {
    if (cmd.readsStdinScript) {
      add(
        v,
        'destructive',
        seat.piped
          ? `pipes downloaded or generated text into ${name}`
          : `${name} reads its program from standard input`,
      );
      return;
    }
    if (cmd.scripts.length === 0) {
      add(v, 'exec', `runs a ${name} script`);
      return;
    }
  } else classifyWrapper(v, name);
  for (const s of cmd.scripts) classifyModel(v, s.model, workspace, depth + 1);
}

function noteEnv(v: Acc, name: string): void {
  if (!v.seenEnv.has(name)) {
    v.seenEnv.add(name);
    v.envNames.push(name);
  }
  if (isDangerousEnv(name, STEERS_EXECUTION)) add(v, 'destructive', `sets ${name}, which changes what runs`);
  else if (SECRET_ENV.test(name)) add(v, 'credential', `sets ${name}, which looks like a credential`);
}

function classifyGit(v: Acc, args: readonly string[]): void {
  let i = 0;
  while (i < args.length && (args[i] as string).startsWith('-')) {
    const a = args[i] as string;
    // `-c key=value` (or `-ckey=value`) sets configuration for this run: an alias or core.pager runs commands.
    // In a judged run those commands run in the same sandbox as the command itself, and nothing of it persists.
    if (a.startsWith('-c'))
      add(
        v,
        v.effectsJudged ? 'exec' : 'config',
        v.effectsJudged
          ? 'git -c sets configuration for this run, inside the sandbox'
          : 'git -c overrides configuration',
      );
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
        workspaceChange(v, `git ${sub} deletes or moves refs`);
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
        workspaceChange(v, `git ${sub} discards changes`);
      else add(v, 'write', `git ${sub}`);
      return;
    case 'reset':
      if (rest.includes('--hard') || rest.includes('--merge') || rest.includes('--keep'))
        workspaceChange(v, 'git reset --hard discards work');
      else add(v, 'write', 'git reset');
      return;
    case 'clean':
      workspaceChange(v, 'git clean deletes untracked files');
      return;
    case 'rebase':
      workspaceChange(v, 'git rebase rewrites history');
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
      // The repository's own config is in the workspace: a judged run's change to it meets the host-executed
      // judge's allow-list (user.*, remote URLs, …). Another file, the user's or the system's is not.
      if (v.effectsJudged && !rest.some((a) => /^--(global|system|file|blob)(=|$)|^-f$/.test(a)))
        add(
          v,
          'write',
          `git ${sub} changes the repository's configuration (judged on its effects after the run, L11.7)`,
        );
      else add(v, 'config', `git ${sub} changes repository configuration`);
      return;
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

function classifyFind(
  v: Acc,
  cmd: ResolvedCommand,
  args: readonly string[],
  workspace: string | undefined,
  depth: number,
): void {
  add(v, 'read', 'find lists files');
  if (args.includes('-delete')) {
    const starts: string[] = [];
    for (const a of args) {
      if (a.startsWith('-') || a === '(' || a === '!') break;
      starts.push(a);
    }
    if (starts.some((a) => leavesWorkspace(a, workspace))) add(v, 'destructive', 'find -delete removes files');
    else workspaceChange(v, 'find -delete removes files');
  }
  for (const flag of ['-fprint', '-fprintf', '-fls'])
    if (args.includes(flag)) add(v, 'write', `find ${flag} writes a file`);
  for (const extra of cmd.extraCommands) classifyResolved(v, extra, workspace, depth + 1, FIND_EXEC);
}

/** dd writes the file its `of=` names (standard output without one). */
function classifyDd(v: Acc, args: readonly string[], workspace: string | undefined): void {
  const targets = args.filter((a) => a.startsWith('of=')).map((a) => a.slice(3));
  if (targets.some((t) => t === '' || leavesWorkspace(t, workspace))) add(v, 'destructive', 'dd is destructive');
  else if (targets.length > 0) workspaceChange(v, 'dd is destructive');
  else if (v.effectsJudged) add(v, 'read', 'dd copies to standard output');
  else add(v, 'destructive', 'dd is destructive');
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
    const targets = downloadTargets(name, args);
    // The null device discards what is written to it: no effect. Only its exact name: `/dev//null`,
    // `/dev/null/../sda` or any other path under /dev is judged as the path it is.
    const written = targets.filter((t) => t !== '/dev/null');
    for (const target of written)
      if (leavesWorkspace(target, workspace)) add(v, 'destructive', `${name} writes ${target} outside the workspace`);
    // curl's `-O` keeps the remote name (in the working directory); wget saves a file unless told where.
    const remoteName = name !== 'wget' && args.some((a) => a.startsWith('--remote-name') || /^-[A-Za-z]*O/.test(a));
    if (written.length > 0 || remoteName || (name === 'wget' && targets.length === 0))
      add(v, 'write', `${name} saves a file`);
  }
}

/** Short options that take an argument, per tool: in a cluster (`-sSo file`) the rest of it is theirs. */
const CURL_ARG_FLAGS = new Set([...'AbcCdDeEFHKmoPQrtTuUwxXyYz']);
const WGET_ARG_FLAGS = new Set([...'aABDeiIloOPQRtTUwX']);

/** The options whose argument is a file (or directory) the tool writes, short and long, per tool. */
const WRITES: Readonly<Record<'curl' | 'wget', { short: ReadonlySet<string>; long: readonly string[] }>> = {
  // -o output, -c cookie jar, -D dumped headers; the long ones write traces, logs, code, ETags, caches, a directory.
  curl: {
    short: new Set(['o', 'c', 'D']),
    long: [
      '--output',
      '--cookie-jar',
      '--dump-header',
      '--trace',
      '--trace-ascii',
      '--stderr',
      '--libcurl',
      '--etag-save',
      '--output-dir',
      '--hsts',
      '--alt-svc',
    ],
  },
  // -O document, -o/-a log, -P directory prefix.
  wget: {
    short: new Set(['O', 'o', 'a', 'P']),
    long: [
      '--output-document',
      '--output-file',
      '--append-output',
      '--save-cookies',
      '--warc-file',
      '--directory-prefix',
    ],
  },
};

/**
 * Every file a curl or wget command line names as where it writes (WRITES): `-o f`, `--output f`, `--output=f`, and
 * a writing short option inside a cluster (`-sSo f`, `-sof`, `-sD h`), where the rest of the cluster or the next
 * argument is the file. `-` (standard output or error) is no file.
 */
function downloadTargets(name: string, args: readonly string[]): string[] {
  const tool = name === 'wget' ? 'wget' : 'curl';
  const argFlags = tool === 'wget' ? WGET_ARG_FLAGS : CURL_ARG_FLAGS;
  const writes = WRITES[tool];
  const out: string[] = [];
  const keep = (value: string | undefined) => {
    if (value !== undefined && value !== '-') out.push(value);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const option = eq < 0 ? a : a.slice(0, eq);
      if (!writes.long.includes(option)) continue;
      if (eq >= 0) keep(a.slice(eq + 1));
      else if (i + 1 < args.length) keep(args[++i]);
      continue;
    }
    if (!/^-[A-Za-z]/.test(a)) continue;
    for (let k = 1; k < a.length; k++) {
      const flag = a[k] as string;
      if (!argFlags.has(flag)) continue;
      const rest = a.slice(k + 1);
      const value = rest !== '' ? rest : args[i + 1];
      if (rest === '') i++;
      // curl's `-O` takes no argument (not in its set); wget's names the document.
      if (writes.short.has(flag)) keep(value);
      break;
    }
  }
  return out;
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

/**
 * A word with parameter expansions that may read a credential file: its defaults name one (`${x:-.env}`), or empty
 * or unknown values join its pieces into one (`.e"$@"nv`, `${p}.env`).
 */
function expandedCredential(v: Acc, word: string, glob: boolean): void {
  const defaults = parameterDefaults(word);
  const file = isCredentialPath(defaults) ? defaults : credentialExpansionTarget(word, glob);
  if (file !== undefined)
    add(v, 'credential', `touches ${word}, whose parameter expansions can make it credential file ${file}`);
}

/** A word whose braces the shell expands into a credential file's name (or into more words than are judged). */
function bracedCredential(v: Acc, word: string, glob: boolean): void {
  const words = braceExpansions(word);
  for (const e of words) {
    const file = isCredentialPath(e) ? e : glob ? credentialGlobTarget(e) : undefined;
    if (file === undefined) continue;
    add(v, 'credential', `touches ${word}, whose braces expand to ${e}, naming credential file ${file}`);
    return;
  }
  if (words.truncated)
    add(v, 'credential', `touches ${word}, whose braces expand to more than ${words.length} names, not all judged`);
}
