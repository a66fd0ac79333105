/**
 * A workspace whose `.git` is a file (a linked worktree, a submodule) on the direct view (no copy-on-write view:
 * L11.7 degraded): the git directory it points to inside the workspace — and that one's `commondir` — get the same
 * read-only entries as a `.git` directory, and the pointer file itself cannot be rewritten. Real bwrap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';
import { execFileSync } from 'node:child_process';

let root: string | undefined;
let svc: ExecService | undefined;
afterEach(() => {
  svc?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
  svc = undefined;
  root = undefined;
});

function setup(gitdir = 'repo/worktrees/wt'): {
  ws: string;
  run: (command: string) => ReturnType<NonNullable<ExecService['runner']>['run']>;
} {
  root = mkdtempSync(join(tmpdir(), 'bulwark-linked-'));
  const ws = join(root, 'ws');
  // The worktree's own git directory and the repository's common one, both inside the workspace.
  mkdirSync(join(ws, 'repo', 'hooks'), { recursive: true });
  mkdirSync(join(ws, 'repo', 'worktrees', 'wt'), { recursive: true });
  writeFileSync(join(ws, 'repo', 'config'), '[core]\n\tbare = true\n');
  writeFileSync(join(ws, 'repo', 'worktrees', 'wt', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(ws, 'repo', 'worktrees', 'wt', 'commondir'), '../..\n');
  writeFileSync(join(ws, '.git'), `gitdir: ${gitdir}\n`);
  // As a root daemon's workspaces are: owned by the sandbox user every run drops to (the read-only entries then
  // come through the holder's bind of the workspace).
  if (process.getuid?.() === 0) {
    const user = ensureSandboxUser('bulwark-sandbox');
    if (!user.ok) throw new Error(user.error.message);
    execFileSync('chown', ['-R', `${user.value.uid}:${user.value.gid}`, ws]);
  }
  const s = startExec({
    config: ExecConfigSchema.parse({}),
    runtimeDir: join(root, 'rt'),
    parkedSandboxes: 0,
    bus: new EventBus(),
  });
  if (!s.ok || !s.value.runner) throw new Error('exec is not available on this host');
  svc = s.value;
  const runner = s.value.runner;
  return { ws, run: (command) => runner.run(ws, { command }) };
}

describe("a linked worktree's git directories on the direct view", () => {
  it.each([
    ['relative', 'repo/worktrees/wt'],
    ["the sandbox's mount point, as git in the sandbox writes it", '/workspace/repo/worktrees/wt'],
  ])(
    'keep their config, hooks and the .git pointer read-only (gitdir: %s); other files stay writable',
    async (_, gitdir) => {
      const { ws, run } = setup(gitdir);
      const r = await run(
        [
          'echo "[core] fsmonitor = touch /tmp/pwned" >> repo/config',
          'echo "[core] fsmonitor = x" > repo/worktrees/wt/config.worktree',
          'printf "#!/bin/sh\\n" > repo/hooks/pre-commit',
          'echo "gitdir: planted" > .git',
          'echo fine > notes.txt',
          'true',
        ].join('; '),
      );
      expect(r.ok).toBe(true);
      expect(readFileSync(join(ws, 'repo', 'config'), 'utf8')).toBe('[core]\n\tbare = true\n');
      expect(existsSync(join(ws, 'repo', 'hooks', 'pre-commit'))).toBe(false);
      expect(readFileSync(join(ws, '.git'), 'utf8')).toBe(`gitdir: ${gitdir}\n`);
      expect(existsSync(join(ws, 'repo', 'worktrees', 'wt', 'config.worktree'))).toBe(false);
      expect(readFileSync(join(ws, 'notes.txt'), 'utf8')).toBe('fine\n');
    },
  );
});
