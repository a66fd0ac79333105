/**
 * `git worktree add` inside the sandbox, on the copy-on-write view (L11.7): git records the worktree's pointers with
 * the sandbox's mount point (`gitdir: /workspace/.git/worktrees/wt`), and the judge reads that mount point as the
 * workspace — so a linked worktree inside the workspace is applied, while one outside it, or a pointer through the
 * mount point at a planted repository, stays refused. Real bwrap and overlayfs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pointerRoots } from '../../src/exec/pointer-roots.js';
import { startHarness, type Harness } from './effects-harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const gitc = 'git -c user.name=a -c user.email=a@example.invalid';
const base = `git init -q -b main && ${gitc} commit -q --allow-empty -m base`;

function outcome(r: Awaited<ReturnType<Harness['run']>>): { status: string; reason: string; stdout: string } {
  if (!r.ok) throw new Error(r.error.message);
  return { status: r.value.effects?.status ?? 'none', reason: r.value.effects?.reason ?? '', stdout: r.value.stdout };
}

describe('git worktree add in the sandbox (copy-on-write view)', () => {
  it('a linked worktree inside the workspace is applied, and works in the next run', async () => {
    h = startHarness();
    const made = outcome(await h.run(`${base} && git worktree add -q wt && echo made`));
    expect(made.status, made.reason).toBe('applied');
    expect(readFileSync(join(h.workspace, 'wt', '.git'), 'utf8')).toBe('gitdir: /workspace/.git/worktrees/wt\n');
    expect(readFileSync(join(h.workspace, '.git', 'worktrees', 'wt', 'gitdir'), 'utf8')).toBe('/workspace/wt/.git\n');
    const used = outcome(
      await h.run(`cd wt && echo x > f && git add f && ${gitc} commit -qm in-wt && git log -1 --format=%s`),
    );
    expect(used.status, used.reason).toBe('applied');
    expect(used.stdout).toBe('in-wt\n');
  });

  it('a linked worktree outside the workspace stays refused', async () => {
    h = startHarness();
    outcome(await h.run(base));
    const r = outcome(await h.run('git worktree add -q /tmp/out'));
    expect(r.status).toBe('refused');
    expect(r.reason).toMatch(/worktrees\/out\/gitdir.*points outside the workspace/);
    expect(existsSync(join(h.workspace, '.git', 'worktrees'))).toBe(false);
  });

  it('a .git file naming a planted config through the mount point is judged there, and refused', async () => {
    h = startHarness();
    // notgit/ is no git directory by its shape: only the pointer makes it one, so only following the pointer judges it.
    const r = outcome(
      await h.run(
        `mkdir notgit v && printf '[core]\\n\\tfsmonitor = touch /tmp/x\\n' > notgit/config && echo "gitdir: /workspace/notgit" > v/.git`,
      ),
    );
    expect(r.status).toBe('refused');
    expect(r.reason).toMatch(/core\.fsmonitor/);
    expect(existsSync(join(h.workspace, 'v'))).toBe(false);
    expect(existsSync(join(h.workspace, 'notgit'))).toBe(false);
  });

  it('a .git file naming the workspace repository through the mount point is applied (as the write tool writes it)', async () => {
    h = startHarness();
    outcome(await h.run(base));
    const r = outcome(await h.run('mkdir sub && echo "gitdir: /workspace/.git" > sub/.git'));
    expect(r.status, r.reason).toBe('applied');
    expect(readFileSync(join(h.workspace, 'sub', '.git'), 'utf8')).toBe('gitdir: /workspace/.git\n');
  });

  it('a pointer through the mount point out of the workspace stays refused', async () => {
    h = startHarness();
    const r = outcome(await h.run('mkdir v && echo "gitdir: /workspace/../etc" > v/.git'));
    expect(r.status).toBe('refused');
    expect(r.reason).toMatch(/leads out of the workspace/);
  });
});

describe('pointerRoots', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("counts the mount point only when the host's path of that name is missing or is the workspace", () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'bulwark-roots-')));
    const ws = join(dir, 'ws');
    const point = join(dir, 'workspace');
    mkdirSync(ws);
    expect(pointerRoots(ws, point)).toEqual([ws, point]);
    symlinkSync(ws, point);
    expect(pointerRoots(ws, point)).toEqual([ws, point]);
    rmSync(point);
    mkdirSync(point);
    expect(pointerRoots(ws, point)).toEqual([ws]);
  });
});
