/**
 * The exact-key allow-list for git config files an agent writes. git reads dozens of keys that run a program
 * (core.fsmonitor, core.pager, core.sshCommand, core.hooksPath, alias.* with `!`, filter/diff/merge drivers,
 * *.uploadpack, credential helpers, gpg.program, …) or read more config (include.path, includeIf.*); rather than
 * chase them, only the keys everyday work writes are allowed — what `git init`, `git clone`, `git remote add`,
 * `git branch -u`, `git submodule add` and `git config user.*` produce — and every other key is refused by name.
 */
import { parseGitConfig, type GitConfigEntry } from './git-config-parse.js';
import { hasControl, refuseRemoteUrl } from './git-url.js';

export interface ConfigProblem {
  /** The variable as git names it (e.g. `core.fsmonitor`); absent when the file itself could not be read. */
  readonly key?: string;
  /** The entry's line. */
  readonly line?: number;
  readonly reason: string;
}

export interface GitConfigContext {
  /**
   * Set for the config of a submodule's git directory (`modules/<name>/config`), where `git submodule add` writes
   * `core.worktree` pointing at the submodule's checkout: true when that value names a directory in the workspace.
   */
  readonly worktreeInside?: (value: string) => boolean;
}

const CORE_KEYS: ReadonlySet<string> = new Set([
  'repositoryformatversion',
  'filemode',
  'bare',
  'logallrefupdates',
  'ignorecase',
  'precomposeunicode',
  'symlinks',
  'autocrlf',
  'eol',
]);
const REMOTE_KEYS: ReadonlySet<string> = new Set(['url', 'pushurl', 'fetch']);
const BRANCH_KEYS: ReadonlySet<string> = new Set(['remote', 'merge', 'rebase']);
const SUBMODULE_KEYS: ReadonlySet<string> = new Set(['url', 'active']);

/** Why a key is dangerous, for the keys people ask about; any key not allowed is refused either way. */
const KNOWN_DANGER: ReadonlyArray<readonly [RegExp, string]> = [
  [/^include(if)?\b/, 'makes git read another file as config (which this check never sees)'],
  [/^core\.fsmonitor$/, 'is a command git runs on every `git status`'],
  [
    /^core\.(pager|editor|sshcommand|askpass|hookspath|worktree|gitproxy|alternaterefscommand)$/,
    'makes git run a program or work outside this repository',
  ],
  [/^alias\./, 'defines a git command (`!` runs a shell command)'],
  [/^(filter|diff|merge)\./, 'defines a driver that git runs as a command'],
  [/\.(uploadpack|receivepack|proxy|sshcommand|vcs)$/, 'names a program git runs for this remote'],
  [/^url\..*\.(insteadof|pushinsteadof)$/, 'rewrites URLs, e.g. into ext:: commands'],
  [
    /^(credential|gpg|pager|sequence|protocol|uploadpack|receive)\b/,
    'makes git run a program or changes which transports are allowed',
  ],
];

function dangerOf(name: string): string {
  for (const [re, why] of KNOWN_DANGER) if (re.test(name)) return why;
  return 'is not on the allow-list of keys an agent may set';
}

function refuse(e: GitConfigEntry, why: string): ConfigProblem {
  return { key: e.name, line: e.line, reason: `${e.name} (line ${e.line}) ${why}` };
}

function judgeEntry(e: GitConfigEntry, ctx: GitConfigContext): ConfigProblem | undefined {
  if (e.value !== null && hasControl(e.value)) return refuse(e, 'has a control character in its value');
  const { section, subsection, key } = e;
  if (subsection === undefined) {
    if (section === 'core' && CORE_KEYS.has(key)) return undefined;
    if (section === 'core' && key === 'worktree' && ctx.worktreeInside) {
      return e.value !== null && ctx.worktreeInside(e.value)
        ? undefined
        : refuse(e, "points outside the workspace (a submodule's core.worktree must name its checkout here)");
    }
    if (section === 'user') return undefined;
    if (section === 'init' && key === 'defaultbranch') return undefined;
    if (section === 'extensions' && key === 'objectformat') return undefined;
  } else {
    if (section === 'remote' && REMOTE_KEYS.has(key)) {
      if (key === 'fetch') return undefined;
      const why = refuseRemoteUrl(e.value, 'the URL');
      return why === undefined ? undefined : refuse(e, `is refused: ${why}`);
    }
    if (section === 'branch' && BRANCH_KEYS.has(key)) {
      // A branch's remote may be a URL itself (git fetches from it when no remote of that name exists).
      const why = key === 'remote' ? refuseRemoteUrl(e.value, 'the URL') : undefined;
      return why === undefined ? undefined : refuse(e, `is refused: ${why}`);
    }
    if (section === 'submodule' && SUBMODULE_KEYS.has(key)) {
      const why = key === 'url' ? refuseRemoteUrl(e.value, 'the URL') : undefined;
      return why === undefined ? undefined : refuse(e, `is refused: ${why}`);
    }
  }
  return refuse(e, dangerOf(e.name));
}

/** Every problem of a config file under the allow-list; empty when git may read it as it is. */
export function judgeGitConfig(content: Uint8Array, ctx: GitConfigContext = {}): ConfigProblem[] {
  const parsed = parseGitConfig(content).result;
  if (!parsed.ok)
    return [{ reason: `cannot be read as git config (line ${parsed.error.line}: ${parsed.error.message})` }];
  const problems: ConfigProblem[] = [];
  for (const e of parsed.value) {
    const p = judgeEntry(e, ctx);
    if (p) problems.push(p);
  }
  return problems;
}

const GITMODULES_KEYS: ReadonlySet<string> = new Set([
  'path',
  'url',
  'branch',
  'update',
  'ignore',
  'shallow',
  'fetchrecursesubmodules',
]);

/**
 * `.gitmodules`: git copies a submodule's URL from here into the config on `git submodule init/update` and has
 * honoured `update = !command` from it in the past; URLs are judged as remote URLs, `!` updates and unknown keys
 * are refused.
 */
export function judgeGitmodules(content: Uint8Array): ConfigProblem[] {
  const parsed = parseGitConfig(content).result;
  if (!parsed.ok)
    return [{ reason: `cannot be read as git config (line ${parsed.error.line}: ${parsed.error.message})` }];
  const problems: ConfigProblem[] = [];
  for (const e of parsed.value) {
    if (e.value !== null && hasControl(e.value)) {
      problems.push(refuse(e, 'has a control character in its value'));
      continue;
    }
    if (e.section !== 'submodule' || e.subsection === undefined || !GITMODULES_KEYS.has(e.key)) {
      problems.push(
        refuse(
          e,
          'is not a key .gitmodules may hold (path, url, branch, update, ignore, shallow, fetchRecurseSubmodules)',
        ),
      );
      continue;
    }
    if (e.key === 'url') {
      const why = refuseRemoteUrl(e.value, 'the URL');
      if (why !== undefined) problems.push(refuse(e, `is refused: ${why}`));
    } else if (e.key === 'update' && (e.value ?? '').trimStart().startsWith('!'))
      problems.push(refuse(e, 'runs a command on `git submodule update`'));
  }
  return problems;
}
