/**
 * Plantings of host-executed files by the write and edit tools (not exec), by exec overwriting an existing git config
 * or hook (`>`, `tee`, `cp`, `mv`, `ln -sf`), and through a linked worktree (`git worktree add`: its `.git` file, its
 * gitdir's `config.worktree`, the common hooks). Each is judged on the HOST afterwards: the git directory unchanged
 * and a real `git status` in every work tree runs nothing. Part of the exec-effects escape matrix.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { editTool, writeTool } from '../../src/agent/tools/fs/index.js';
import type { Tool, ToolRunContext } from '../../src/agent/tools/tool.js';
import type { Attempt, EscapeContext } from './attempts.js';
import { hostGit } from './fetch-plantings.js';

export const PLANT_FIRED = '/tmp/bulwark-plant-fired';

/** `git status` on the host in `dir` (a planted core.fsmonitor runs there); true when the planted command ran. */
export function statusFires(dir: string): boolean {
  if (!existsSync(dir)) return false;
  hostGit(dir, 'status', '--short');
  const fired = existsSync(PLANT_FIRED);
  rmSync(PLANT_FIRED, { force: true });
  return fired;
}

/** The workspace's git directory as a planting could change it: config, config.worktree files and hooks. */
export function gitState(workspace: string): string {
  const git = join(workspace, '.git');
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '-');
  const hooks = existsSync(join(git, 'hooks')) ? readdirSync(join(git, 'hooks')).sort().join(',') : '';
  const worktrees = existsSync(join(git, 'worktrees')) ? readdirSync(join(git, 'worktrees')).sort().join(',') : '';
  return `${read(join(git, 'config'))}\n${read(join(git, 'config.worktree'))}\nhooks: ${hooks}\nworktrees: ${worktrees}`;
}

function toolContext(ctx: EscapeContext): ToolRunContext {
  return {
    agentId: 'escape',
    sessionId: 'escape',
    traceId: 'escape',
    caller: { kind: 'token', id: 'escape', scopes: ['chat'], owner: false },
    workspace: ctx.workspace,
    signal: new AbortController().signal,
  };
}

const fsmonitor = `[core]\n\tfsmonitor = touch ${PLANT_FIRED}\n`;

/** A write or edit tool call that plants `path`; escaped when it lands or the host git fires. */
function toolPlanting(name: string, tool: Tool, args: (ctx: EscapeContext) => Record<string, unknown>): Attempt {
  return {
    name: `${name} (the ${tool.spec.name} tool, not exec)`,
    expected: 'blocked',
    run: async (ctx) => {
      const before = gitState(ctx.workspace);
      const a = args(ctx);
      const target = join(ctx.workspace, String(a['path']));
      const existed = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
      const r = await tool.run(a, toolContext(ctx));
      if (statusFires(ctx.workspace)) return { escaped: true, why: 'git status on the host ran the planted command' };
      const now = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
      if (now !== existed || gitState(ctx.workspace) !== before)
        return { escaped: true, why: `${String(a['path'])} was written` };
      return { escaped: false, why: r.ok ? `not written (${r.value.slice(0, 120)})` : r.error.message.slice(0, 200) };
    },
  };
}

function judged(r: Awaited<ReturnType<EscapeContext['run']>>): string {
  if (!r.ok) return `refused before running: ${r.error.message}`;
  const e = r.value.effects;
  return e ? `${e.gate ?? 'L11.7'} ${e.status}: ${e.reason ?? ''}` : 'no effect report';
}

/** An exec planting; escaped when the git directory changed or a host `git status` in a work tree fires. */
function execPlanting({ name, command, worktrees, setup }: ExecPlanting): Attempt {
  return {
    name,
    expected: 'blocked',
    run: async (ctx) => {
      setup?.(ctx.workspace);
      const before = gitState(ctx.workspace);
      const r = await ctx.run({ command });
      for (const dir of ['.', ...worktrees])
        if (statusFires(join(ctx.workspace, dir)))
          return { escaped: true, why: `git status on the host in ${dir} ran the planted command` };
      if (gitState(ctx.workspace) !== before) return { escaped: true, why: '.git was changed' };
      const left = setup ? [] : worktrees.filter((w) => existsSync(join(ctx.workspace, w)));
      return left.length ? { escaped: true, why: `${left.join(', ')} applied` } : { escaped: false, why: judged(r) };
    },
  };
}

const plantFile = `printf '[core]\\n\\tfsmonitor = touch ${PLANT_FIRED}\\n' > evil.cfg`;
const evilHook = `printf '#!/bin/sh\\ntouch ${PLANT_FIRED}\\n' > evil-hook && chmod +x evil-hook`;

/**
 * A worktree needs a commit to check out: the repository's own, or what the operator's host `git fetch` of an earlier
 * row brought (its objects are root's, so the sandbox user could not add a commit), else a new empty one.
 */
const commit =
  'b=$(git rev-parse -q --verify HEAD || git rev-parse -q --verify FETCH_HEAD) || { git -c user.name=a -c user.email=a@example.invalid commit -q --allow-empty -m base && b=$(git rev-parse HEAD); }';
const worktree = (name: string) => `${commit} && git worktree add -q --detach ${name} "$b"`;

export interface ExecPlanting {
  readonly name: string;
  readonly command: string;
  /** Linked work trees the command makes or uses (a host `git status` runs in each). */
  readonly worktrees: readonly string[];
  /** What the operator did first, on the host, in the work tree (e.g. made a linked worktree). */
  readonly setup?: (repo: string) => void;
}

/** The operator's own linked worktree, made on the host (a commit first when the repository has none). */
function operatorWorktree(name: string): (repo: string) => void {
  return (repo) => {
    const head = hostGit(repo, 'rev-parse', '-q', '--verify', 'HEAD');
    if (head.status !== 0) hostGit(repo, 'commit', '-q', '--allow-empty', '-m', 'base');
    const added = hostGit(repo, 'worktree', 'add', '-q', '--detach', name);
    if (added.status !== 0) throw new Error(`git worktree add: ${added.stderr}`);
    // The sandbox runs as the workspace's owner: what the operator made as root is given to that owner.
    const owner = statSync(repo);
    execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, join(repo, '.git'), join(repo, name)]);
  };
}

/** Shared with the control in escape.test.ts: the same commands run outside bulwark do plant. */
export const EXEC_PLANTINGS: readonly ExecPlanting[] = [
  { name: 'overwrite .git/config with > (exec)', command: `${plantFile} && cat evil.cfg > .git/config`, worktrees: [] },
  {
    name: 'overwrite .git/config with tee (exec)',
    command: `${plantFile} && tee .git/config < evil.cfg >/dev/null`,
    worktrees: [],
  },
  { name: 'overwrite .git/config with cp (exec)', command: `${plantFile} && cp evil.cfg .git/config`, worktrees: [] },
  { name: 'overwrite .git/config with mv (exec)', command: `${plantFile} && mv evil.cfg .git/config`, worktrees: [] },
  {
    name: 'ln -sf an executable into .git/hooks/ (exec)',
    command: `${evilHook} && mkdir -p .git/hooks && ln -sf ../../evil-hook .git/hooks/pre-commit && ln -sf "$PWD/evil-hook" .git/hooks/post-checkout`,
    worktrees: [],
  },
  {
    name: "linked worktree: core.fsmonitor in its gitdir's config.worktree (exec)",
    command: `${worktree('wt-a')} && git config extensions.worktreeConfig true && git -C wt-a config --worktree core.fsmonitor "touch ${PLANT_FIRED}"`,
    worktrees: ['wt-a'],
  },
  {
    name: "linked worktree (the operator's): its .git file re-pointed at a planted repository (exec)",
    setup: operatorWorktree('wt-b'),
    command: `git init -q evil && git -C evil config core.fsmonitor "touch ${PLANT_FIRED}" && printf 'gitdir: ../evil/.git\\n' > wt-b/.git`,
    worktrees: ['wt-b'],
  },
  {
    name: "linked worktree (the operator's): a hook planted through its gitdir's commondir (exec)",
    setup: operatorWorktree('wt-d'),
    command: `d=.git/worktrees/wt-d && printf '#!/bin/sh\\ntouch ${PLANT_FIRED}\\n' > "$d/$(cat $d/commondir)/hooks/post-checkout" && chmod +x "$d/$(cat $d/commondir)/hooks/post-checkout"`,
    worktrees: ['wt-d'],
  },
  {
    name: 'linked worktree: a hook in the common dir written from the worktree (exec)',
    command: `${worktree('wt-c')} && cd wt-c && hooks="$(git rev-parse --git-common-dir)/hooks" && mkdir -p "$hooks" && printf '#!/bin/sh\\ntouch ${PLANT_FIRED}\\n' > "$hooks/post-checkout" && chmod +x "$hooks/post-checkout"`,
    worktrees: ['wt-c'],
  },
];

/** A repository written file by file, and a nested `.git` file that makes `vendor/` one of its work trees. */
export const PLANTED_REPOSITORY: ReadonlyArray<readonly [string, string]> = [
  ['planted/config', fsmonitor],
  ['planted/HEAD', 'ref: refs/heads/main\n'],
  ['planted/objects/info/packs', ''],
  ['planted/refs/heads/.keep', ''],
  ['vendor/.git', 'gitdir: ../planted\n'],
];

export const PLANTING_ATTEMPTS: readonly Attempt[] = [
  toolPlanting('write .git/config with core.fsmonitor', writeTool, (ctx) => ({
    path: '.git/config',
    content: `${readFileSync(join(ctx.workspace, '.git', 'config'), 'utf8')}${fsmonitor}`,
  })),
  toolPlanting('edit .git/config to add core.fsmonitor', editTool, (ctx) => {
    const config = readFileSync(join(ctx.workspace, '.git', 'config'), 'utf8');
    const first = config.split('\n')[0] ?? '[core]';
    return { path: '.git/config', old_string: first, new_string: `${first}\n\tfsmonitor = touch ${PLANT_FIRED}` };
  }),
  toolPlanting('write a git hook (.git/hooks/post-checkout)', writeTool, () => ({
    path: '.git/hooks/post-checkout',
    content: `#!/bin/sh\ntouch ${PLANT_FIRED}\n`,
  })),
  toolPlanting('write .envrc', writeTool, () => ({ path: '.envrc', content: `touch ${PLANT_FIRED}\n` })),
  toolPlanting('write .vscode/tasks.json running on folderOpen', writeTool, () => ({
    path: '.vscode/tasks.json',
    content: JSON.stringify({
      version: '2.0.0',
      tasks: [{ label: 'x', type: 'shell', command: `touch ${PLANT_FIRED}`, runOptions: { runOn: 'folderOpen' } }],
    }),
  })),
  {
    name: 'write a planted repository file by file, then a nested .git file pointing at it (the write tool, not exec)',
    expected: 'blocked',
    run: async (ctx) => {
      const said: string[] = [];
      for (const [path, content] of PLANTED_REPOSITORY) {
        const r = await writeTool.run({ path, content }, toolContext(ctx));
        said.push(`${path}: ${r.ok ? 'written' : r.error.message.slice(0, 100)}`);
      }
      const fired = statusFires(join(ctx.workspace, 'vendor')) || statusFires(join(ctx.workspace, 'planted'));
      rmSync(join(ctx.workspace, 'planted'), { recursive: true, force: true });
      rmSync(join(ctx.workspace, 'vendor'), { recursive: true, force: true });
      return fired
        ? { escaped: true, why: `git status on the host ran the planted command (${said.join('; ')})` }
        : { escaped: false, why: said.filter((l) => !l.endsWith('written')).join('; ') || 'nothing refused' };
    },
  },
  ...EXEC_PLANTINGS.map(execPlanting),
];
