/**
 * The destructive-command rules of exec layer 2. Each rule has a stable id and judges one resolved
 * command of the shell model (its argv after wrappers, plus its redirects). Rules look at parsed
 * arguments, never at substrings of the whole line, so `echo "rm -rf /"` is harmless text.
 */
import type { Redirect, Word, ResolvedCommand } from '../text/index.js';

export interface RuleHit {
  readonly ruleId: string;
  readonly reason: string;
}

/** Lexical normalisation of a shell path argument: `//`, `.` and `..` collapsed, trailing slashes dropped. */
export function normaliseArgPath(p: string): string {
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length && parts[parts.length - 1] !== '..') parts.pop();
      else if (!abs) parts.push('..');
      continue;
    }
    parts.push(seg);
  }
  const joined = parts.join('/');
  return abs ? '/' + joined : joined || '.';
}

const SYSTEM_ROOTS = [
  'bin',
  'boot',
  'dev',
  'etc',
  'home',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'media',
  'mnt',
  'opt',
  'proc',
  'root',
  'run',
  'sbin',
  'srv',
  'sys',
  'usr',
  'var',
  'snap',
  'nix',
  'System',
  'Library',
  'Applications',
  'Users',
  'private',
  'Volumes',
  'cores',
];
const TEMP_PREFIXES = [
  '/tmp/',
  '/var/tmp/',
  '/private/tmp/',
  '/dev/shm/',
  '$TMPDIR/',
  '${TMPDIR}/',
  '${TMPDIR:-/tmp}/',
  '"$TMPDIR"/',
];
const HOME_FORMS = /^(~[A-Za-z0-9_.-]*|\$HOME|\$\{HOME\}|\$\{HOME:-[^}]*\}|\$USER_HOME)$/;

/** Where a path argument points, coarsely: root, home, system, temp, or elsewhere. */
export type PathClass = 'root' | 'home' | 'system' | 'temp' | 'other';

export function classifyPath(raw: string): PathClass {
  const isTempRaw = TEMP_PREFIXES.some((t) => raw.startsWith(t)) && !raw.split('/').includes('..');
  if (isTempRaw) return 'temp';
  const first = raw.split('/')[0] ?? '';
  if (HOME_FORMS.test(first)) {
    const rest = normaliseArgPath(raw.slice(first.length) || '/');
    return rest === '/' || /^\/[*.]*\*?$/.test(rest) || rest === '/.*' ? 'home' : 'other';
  }
  if (!raw.startsWith('/')) return 'other';
  const n = normaliseArgPath(raw);
  if (n === '/' || /^\/[.*?[\]]+$/.test(n)) return 'root';
  const top = n.split('/')[1] ?? '';
  if (n === '/tmp' || n === '/var/tmp') return 'system';
  if (n.startsWith('/tmp/') || n.startsWith('/var/tmp/') || n.startsWith('/dev/shm/')) return 'temp';
  if (SYSTEM_ROOTS.includes(top) || /[*?[]/.test(top)) return 'system';
  return 'other';
}

function isCritical(c: PathClass): boolean {
  return c === 'root' || c === 'home' || c === 'system';
}

/** Short flags, long flags and operands of a command line (after `--` everything is an operand). */
export function splitArgs(argv: readonly Word[]): { short: Set<string>; long: Set<string>; operands: Word[] } {
  const short = new Set<string>();
  const long = new Set<string>();
  const operands: Word[] = [];
  let done = false;
  for (const w of argv.slice(1)) {
    if (!done && w.text === '--') {
      done = true;
      continue;
    }
    if (!done && w.text.startsWith('--')) long.add(w.text.split('=')[0] as string);
    else if (!done && w.text.startsWith('-') && w.text.length > 1) for (const ch of w.text.slice(1)) short.add(ch);
    else operands.push(w);
  }
  return { short, long, operands };
}

const BLOCK_DEVICE =
  /^\/dev\/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d|md\d|dm-\d|loop\d|mapper\/|nbd\d|zram\d|sr\d|mem$|kmem$|port$)/;
const LOG_OR_HISTORY =
  /(^|\/)\.?[a-z_]*history$|^\/var\/log(\/|$)|^\/var\/adm(\/|$)|(^|\/)(wtmp|btmp|lastlog|utmp|auth\.log|syslog|secure|messages|kern\.log)$/;

function hit(ruleId: string, reason: string): RuleHit {
  return { ruleId, reason };
}

export type Rule = (r: ResolvedCommand, name: string, argv: readonly Word[]) => RuleHit | undefined;

/**
 * Whether an operand can only name something inside the workspace: a static relative path that never climbs with
 * `..` (globs allowed). With exec effects on (L11.7) what such a delete does is judged on its effects — held when it
 * deletes pre-existing files, journaled for undo — so the text check need not ask about it.
 */
function workspaceOnlyOperand(w: Word): boolean {
  return !w.dynamic && !w.text.startsWith('/') && !w.text.startsWith('~') && !w.text.split('/').includes('..');
}

const rm =
  (effectsJudged: boolean): Rule =>
  (r, name, argv) => {
    if (name !== 'rm') return undefined;
    const { short, long, operands } = splitArgs(argv);
    const recursive = short.has('r') || short.has('R') || long.has('--recursive');
    const force = short.has('f') || long.has('--force');
    if (long.has('--no-preserve-root'))
      return hit('fs.rm-no-preserve-root', 'rm --no-preserve-root disables the last guard against deleting /');
    const classes = operands.map((w) => classifyPath(w.text));
    if (recursive && classes.some((c) => c === 'root'))
      return hit('fs.rm-recursive-root', 'recursive delete of / (or everything under it)');
    if (recursive && classes.some((c) => c === 'home'))
      return hit('fs.rm-recursive-home', 'recursive delete of the home directory');
    if (recursive && classes.some((c) => c === 'system'))
      return hit('fs.rm-recursive-system', 'recursive delete of a system path');
    const fromStdin = r.wrappers.includes('xargs');
    if (
      recursive &&
      force &&
      (fromStdin ||
        operands.some(
          (w, i) =>
            !(effectsJudged && workspaceOnlyOperand(w)) &&
            (classes[i] !== 'temp' || (w.dynamic && !TEMP_PREFIXES.some((t) => w.text.startsWith(t)))),
        ))
    ) {
      return hit(
        'fs.rm-recursive-force',
        'rm -rf outside a temporary directory deletes without confirmation and cannot be undone; delete specific files, or use rm -r',
      );
    }
    if (operands.some((w) => LOG_OR_HISTORY.test(normaliseArgPath(w.text))))
      return hit('history.log-wipe', 'deleting shell history or system logs hides what happened');
    return undefined;
  };

const mkfs: Rule = (_r, name, argv) => {
  if (
    name === 'mkfs' ||
    name.startsWith('mkfs.') ||
    name.startsWith('newfs') ||
    ['mke2fs', 'mkswap', 'mkdosfs', 'mkntfs'].includes(name)
  )
    return hit('disk.mkfs', 'creating a filesystem erases the device');
  if (name === 'wipefs' && !argv.some((w) => w.text === '-n' || w.text === '--no-act'))
    return hit('disk.wipefs', 'wipefs erases filesystem signatures');
  if (name === 'blkdiscard') return hit('disk.discard', 'blkdiscard erases every block of a device');
  if (
    (name === 'fdisk' ||
      name === 'sfdisk' ||
      name === 'parted' ||
      name === 'sgdisk' ||
      name === 'gdisk' ||
      name === 'cfdisk') &&
    !argv.some((w) => /^(-l|--list|-p|--print|print|-s|--show-size|-V|--verify|--help|-h|--version)$/.test(w.text))
  ) {
    return hit('disk.partition', 'changing a partition table can destroy every filesystem on the disk');
  }
  if (
    name === 'diskutil' &&
    argv.some((w) => /^(erase|eraseDisk|eraseVolume|zeroDisk|randomDisk|secureErase|partitionDisk)$/i.test(w.text))
  )
    return hit('disk.erase', 'diskutil erase destroys a disk');
  return undefined;
};

const dd: Rule = (_r, name, argv) => {
  if (name !== 'dd') return undefined;
  const of = argv.find((w) => w.text.startsWith('of='));
  if (of && BLOCK_DEVICE.test(of.text.slice(3)))
    return hit('disk.dd-device', 'dd onto a block device overwrites the disk');
  return undefined;
};

const shred: Rule = (_r, name, argv) => {
  if (name !== 'shred' && name !== 'srm' && name !== 'truncate') return undefined;
  const { operands } = splitArgs(argv);
  if (operands.some((w) => BLOCK_DEVICE.test(w.text)))
    return hit('disk.shred-device', `${name} on a block device destroys the disk`);
  if (operands.some((w) => LOG_OR_HISTORY.test(normaliseArgPath(w.text))))
    return hit('history.log-wipe', 'destroying shell history or system logs hides what happened');
  if (name === 'shred' && operands.some((w) => isCritical(classifyPath(w.text))))
    return hit('fs.shred-system', 'shred of a system path');
  return undefined;
};

const power: Rule = (_r, name, argv) => {
  if (/^(shutdown|reboot|halt|poweroff|kexec)$/.test(name)) return hit('system.power', `${name} stops the machine`);
  if ((name === 'init' || name === 'telinit') && /^[06sS]$/.test(argv[1]?.text ?? ''))
    return hit('system.power', `${name} ${argv[1]?.text} changes the runlevel (halt/reboot)`);
  if (
    (name === 'systemctl' || name === 'loginctl') &&
    argv.some((w) => /^(poweroff|reboot|halt|kexec|suspend|hibernate|rescue|emergency|soft-reboot)$/.test(w.text))
  ) {
    return hit('system.power', `${name} stops or restarts the machine`);
  }
  if (name === 'kill' || name === 'pkill' || name === 'killall5') {
    const ops = argv.slice(1).map((w) => w.text);
    if (
      name === 'killall5' ||
      (ops.includes('-1') && ops.indexOf('-1') === ops.length - 1) ||
      ops.slice(-1)[0] === '-1'
    )
      return hit('system.kill-all', 'kill -1 signals every process the user can reach');
  }
  return undefined;
};

const perms: Rule = (_r, name, argv) => {
  if (name !== 'chmod' && name !== 'chown' && name !== 'chgrp' && name !== 'chattr' && name !== 'setfacl')
    return undefined;
  const { operands } = splitArgs(argv);
  // chmod/chown's first operand is the mode/owner, not a path.
  const paths =
    name === 'chattr' || name === 'setfacl' ? operands.filter((w) => !/^[+-=]/.test(w.text)) : operands.slice(1);
  const classes = paths.map((w) => classifyPath(w.text));
  if (classes.some((c) => c === 'root' || c === 'home'))
    return hit('fs.perms-root', `${name} on / or the home directory breaks the system's permissions`);
  if (classes.some((c) => c === 'system')) return hit('fs.perms-system', `${name} on a system path`);
  return undefined;
};

const moveCritical: Rule = (_r, name, argv) => {
  if (name !== 'mv') return undefined;
  const { operands } = splitArgs(argv);
  const sources = operands.slice(0, -1);
  if (
    sources.some((w) => {
      const c = classifyPath(w.text);
      return c === 'root' || c === 'home';
    })
  )
    return hit('fs.mv-root', 'moving / or the home directory away');
  if (operands.length && operands[operands.length - 1]?.text === '/dev/null')
    return hit('fs.mv-devnull', 'moving files onto /dev/null destroys them');
  return undefined;
};

const findDelete: Rule = (_r, name, argv) => {
  if (name !== 'find') return undefined;
  const starts: Word[] = [];
  for (const w of argv.slice(1)) {
    if (w.text.startsWith('-') || w.text === '(' || w.text === '!') break;
    starts.push(w);
  }
  const deletes = argv.some((w) => w.text === '-delete');
  if (deletes && starts.some((w) => isCritical(classifyPath(w.text))))
    return hit('fs.find-delete-system', 'find -delete over / , the home directory or a system path');
  return undefined;
};

/** Destructive only to the repository's own files and refs: journaled and judged on its effects under L11.7. */
const LOCAL_GIT_RULES = new Set([
  'git.reset-hard',
  'git.reset-merge',
  'git.clean-force',
  'git.stash-drop',
  'git.stash-clear',
  'git.branch-force-delete',
]);

const git =
  (effectsJudged: boolean): Rule =>
  (r, name, argv) => {
    const h = gitHit(r, name, argv);
    // `-C`, `--git-dir` and `--work-tree` can point git elsewhere: those keep the text check.
    const elsewhere = argv.some((w) => ['-C', '--git-dir', '--work-tree'].includes(w.text.split('=')[0] ?? ''));
    return h && effectsJudged && !elsewhere && LOCAL_GIT_RULES.has(h.ruleId) ? undefined : h;
  };

const gitHit: Rule = (_r, name, argv) => {
  if (name !== 'git') return undefined;
  // Skip git's global options to find the subcommand.
  let i = 1;
  while (i < argv.length) {
    const t = (argv[i] as Word).text;
    if (t === '-C' || t === '-c' || t === '--git-dir' || t === '--work-tree' || t === '--namespace') {
      i += 2;
      continue;
    }
    if (t.startsWith('-')) {
      i++;
      continue;
    }
    break;
  }
  const sub = argv[i]?.text;
  const rest = argv.slice(i + 1).map((w) => w.text);
  const shortFlags = (ch: string) => rest.some((t) => /^-[a-zA-Z]+$/.test(t) && t.includes(ch));
  if (sub === 'reset' && rest.includes('--hard'))
    return hit('git.reset-hard', 'git reset --hard destroys uncommitted changes');
  if (sub === 'reset' && rest.includes('--merge'))
    return hit('git.reset-merge', 'git reset --merge can destroy uncommitted changes');
  if (sub === 'clean' && (shortFlags('f') || rest.includes('--force')))
    return hit('git.clean-force', 'git clean -f removes untracked files for good');
  if (sub === 'stash' && (rest[0] === 'drop' || rest[0] === 'clear'))
    return hit(`git.stash-${rest[0]}`, `git stash ${rest[0]} discards stashed work`);
  if (
    sub === 'branch' &&
    (rest.some((t) => /^-[a-zA-Z]*D[a-zA-Z]*$/.test(t)) ||
      ((rest.includes('--delete') || shortFlags('d')) && (rest.includes('--force') || shortFlags('f'))))
  ) {
    return hit('git.branch-force-delete', 'git branch -D deletes a branch even when it is not merged');
  }
  if (
    sub === 'push' &&
    (rest.includes('--force') || shortFlags('f') || rest.includes('--mirror') || rest.some((t) => /^\+[^+]/.test(t)))
  ) {
    return hit('git.push-force', "a force push rewrites the remote history and can destroy others' commits");
  }
  if (sub === 'push' && (rest.includes('--delete') || shortFlags('d')))
    return hit('git.push-delete', 'git push --delete removes a remote branch or tag');
  if (
    (sub === 'checkout' || sub === 'restore') &&
    rest.includes('--') &&
    rest.slice(rest.indexOf('--') + 1).some((t) => t === '.' || t === '*' || t === ':/')
  ) {
    return hit('git.discard-worktree', `git ${sub} -- . discards every uncommitted change`);
  }
  if (
    sub === 'reflog' &&
    rest[0] === 'expire' &&
    rest.some((t) => t.startsWith('--expire=now') || t === '--expire-unreachable=now')
  )
    return hit('git.reflog-expire', 'expiring the reflog removes the way back to lost commits');
  if (sub === 'filter-branch') return hit('git.filter-branch', 'git filter-branch rewrites the whole history');
  return undefined;
};

const history: Rule = (r, name, argv) => {
  if (
    name === 'history' &&
    argv.some((w) => w.text === '-c' || (w.text === '-w' && argv.some((x) => x.text === '/dev/null')))
  )
    return hit('history.clear', 'clearing the shell history hides what happened');
  if (name === 'unset' && argv.some((w) => w.text === 'HISTFILE'))
    return hit('history.disable', 'unsetting HISTFILE stops the shell history');
  if (
    (name === 'export' || name === 'set' || name === 'declare' || name === 'typeset' || argv.length === 0) &&
    [...r.assignments, ...argv.map((w) => w.text)].some((a) =>
      /^HISTFILE=(\/dev\/null)?$|^HISTSIZE=0$|^HISTFILESIZE=0$/.test(a),
    )
  ) {
    return hit('history.disable', 'pointing HISTFILE at /dev/null or zeroing HISTSIZE stops the shell history');
  }
  if (name === 'set' && argv.some((w) => w.text === '+o') && argv.some((w) => w.text === 'history'))
    return hit('history.disable', 'set +o history stops the shell history');
  if (name === 'journalctl' && argv.some((w) => /^--(vacuum-size|vacuum-time|vacuum-files|rotate)/.test(w.text)))
    return hit('history.log-wipe', 'journalctl --vacuum deletes system logs');
  if (name === 'auditctl' && argv.some((w) => w.text === '-D'))
    return hit('history.log-wipe', 'auditctl -D deletes the audit rules');
  if (name === 'crontab' && argv.some((w) => w.text === '-r'))
    return hit('system.crontab-remove', 'crontab -r deletes every scheduled job without asking');
  return undefined;
};

/** `ln -sf /dev/null ~/.bash_history`: the history file becomes a black hole. */
const historySymlink: Rule = (_r, name, argv) => {
  if (name !== 'ln') return undefined;
  const { operands } = splitArgs(argv);
  const paths = operands.map((w) => normaliseArgPath(w.text));
  if (!paths.includes('/dev/null')) return undefined;
  if (paths.some((p) => p !== '/dev/null' && LOG_OR_HISTORY.test(p))) {
    return hit('history.symlink-devnull', 'linking shell history or a log to /dev/null silently discards what happens');
  }
  return undefined;
};

/** rsync --delete removes whatever the source lacks: into / or a system path it empties the system. */
const rsyncDelete: Rule = (_r, name, argv) => {
  if (name !== 'rsync') return undefined;
  const { long, operands } = splitArgs(argv);
  if (![...long].some((f) => f === '--del' || f.startsWith('--delete'))) return undefined;
  const dest = operands[operands.length - 1]?.text;
  if (dest === undefined || operands.length < 2) return undefined;
  // host:path and rsync://host/module destinations name a remote path; judge the path part.
  const path = /^[^/:]+:(?!\/\/)/.test(dest) ? dest.replace(/^[^/:]+:/, '') || '~' : dest;
  if (isCritical(classifyPath(path)))
    return hit(
      'fs.rsync-delete-system',
      `rsync --delete into ${dest} deletes everything there the source does not have`,
    );
  return undefined;
};

/** Dangerous environment set inside the command line itself (`LD_PRELOAD=x cmd`, `env LD_PRELOAD=x cmd`). */
const envInjection =
  (isDenied: (name: string) => boolean): Rule =>
  (r) => {
    for (const a of r.assignments) {
      const key = a.slice(0, a.indexOf('='));
      if (isDenied(key))
        return hit('env.injection', `${key} changes what code every program loads; it is not allowed in commands`);
    }
    return undefined;
  };

const forkBomb: Rule = (r, name) => {
  if (r.inFunction && name === r.inFunction && (r.piped || r.background)) {
    return hit(
      'process.fork-bomb',
      `function ${r.inFunction} calls itself in a pipeline or in the background: a fork bomb`,
    );
  }
  return undefined;
};

/** Writes through a redirect: onto a disk, a log or history file, the running kernel or a system file. */
export function redirectRule(redirects: readonly Redirect[]): RuleHit | undefined {
  for (const red of redirects) {
    if (red.kind !== 'write') continue;
    const t = red.target.text;
    if (BLOCK_DEVICE.test(t)) return hit('disk.redirect-device', `writing to ${t} overwrites a disk or kernel memory`);
    const n = normaliseArgPath(t);
    if (LOG_OR_HISTORY.test(n)) return hit('history.log-wipe', `overwriting ${t} destroys shell history or logs`);
    if (/^\/(proc\/sysrq-trigger|proc\/sys\/|sys\/)/.test(n))
      return hit('system.kernel-write', `writing to ${t} changes the running kernel`);
    if (/^\/(etc|boot|bin|sbin|usr|lib|lib32|lib64)(\/|$)/.test(n))
      return hit('fs.redirect-system', `writing to ${t} overwrites a system file`);
  }
  return undefined;
}

const INLINE_DESTRUCTIVE: ReadonlyArray<[RegExp, string, string]> = [
  [/\bshutil\s*\.\s*rmtree\b|\brmtree\s*\(/, 'code.rmtree', 'inline code deletes a directory tree'],
  [/\bos\s*\.\s*(removedirs|rmdir)\b/, 'code.rmtree', 'inline code deletes directories'],
  [
    /\.\s*(rmSync|rm|rmdirSync|rmdir)\s*\([^)]{0,200}recursive\s*:\s*true/,
    'code.rmtree',
    'inline code deletes a directory tree',
  ],
  [
    /\bFileUtils\s*\.\s*(rm_rf|rm_r|remove_dir|remove_entry)\b|\bFile::Path\b|\b(remove_tree|rmtree)\b/,
    'code.rmtree',
    'inline code deletes a directory tree',
  ],
  [/\bfork\s*(?:\(\))?\s*while\s+fork\b/, 'process.fork-bomb', 'inline code forks in an endless loop'],
  [/\bwhile\b[^\n]{0,40}\bfork\s*\(/, 'process.fork-bomb', 'inline code forks in an endless loop'],
  [
    /\bfor\s*\(\s*;\s*;\s*\)[\s{]{0,8}[a-z_.]{0,20}fork\s*\(/,
    'process.fork-bomb',
    'inline code forks in an endless loop',
  ],
  [
    /\bos\s*\.\s*(system|popen)\s*\(\s*['"][^'"]{0,200}\brm\s+-[a-zA-Z]*[rR][a-zA-Z]*f|\bexecSync\s*\(\s*['"][^'"]{0,200}\brm\s+-[a-zA-Z]*[rR]/,
    'code.shell-rm',
    'inline code runs rm -rf',
  ],
];

export function inlineCodeHit(code: string): RuleHit | undefined {
  for (const [re, id, reason] of INLINE_DESTRUCTIVE) if (re.test(code)) return hit(id, reason);
  return undefined;
}

export interface RuleOptions {
  /**
   * Exec effects (L11.7) judge what a command changes in the workspace: deletes and git operations that can only
   * touch the workspace are left to that judgement (approved once, on their effects) instead of refused by text.
   */
  readonly effectsJudged?: boolean;
}

export function commandRules(isDeniedEnv: (name: string) => boolean, options: RuleOptions = {}): readonly Rule[] {
  const effectsJudged = options.effectsJudged === true;
  return [
    envInjection(isDeniedEnv),
    forkBomb,
    rm(effectsJudged),
    mkfs,
    dd,
    shred,
    power,
    perms,
    moveCritical,
    findDelete,
    git(effectsJudged),
    history,
    historySymlink,
    rsyncDelete,
  ];
}
