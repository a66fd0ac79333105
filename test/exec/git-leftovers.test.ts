/**
 * Root's leftovers in a repository handed to its owner (src/exec/git-leftovers.ts): only root-owned entries of what
 * git rewrites, never host-executed files, never through a symlink, never a hard-linked file, and nothing at all in
 * a repository root owns. Real chown; needs root.
 */
import {
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_LEFTOVERS, handGitLeftovers } from '../../src/exec/git-leftovers.js';
import { HOST_EXECUTED } from '../../src/exec/host-executed/index.js';

const U = 4242;
const G = 4243;
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function tree(): { ws: string; git: string; outside: string } {
  root = mkdtempSync(join(tmpdir(), 'bulwark-leftovers-'));
  const ws = join(root, 'ws');
  const git = join(ws, '.git');
  const outside = join(root, 'outside');
  for (const d of [
    'objects/ab',
    'objects/pack',
    'refs/remotes/up',
    'logs/refs/remotes/up',
    'hooks',
    'worktrees/wt/logs',
  ])
    mkdirSync(join(git, d), { recursive: true });
  mkdirSync(join(outside, 'inner'), { recursive: true });
  for (const f of [
    'config',
    'hooks/pre-commit',
    'FETCH_HEAD',
    'objects/ab/cdef',
    'logs/refs/remotes/up/a',
    'worktrees/wt/gitdir',
    'worktrees/wt/HEAD',
    'worktrees/wt/config.worktree',
  ])
    writeFileSync(join(git, f), 'x\n');
  writeFileSync(join(outside, 'secret'), 's\n');
  // Everything the owner's, then what git as root would leave: all root-owned again below .git.
  chownSync(ws, U, G);
  for (const p of [git, join(git, 'worktrees'), join(git, 'worktrees', 'wt')]) chownSync(p, U, G);
  return { ws, git, outside };
}

const uid = (p: string) => lstatSync(p).uid;

describe.skipIf(process.getuid?.() !== 0)('handGitLeftovers', () => {
  it("hands root's objects, refs, logs and FETCH_HEAD to the owner; config, hooks and pointers stay root's", () => {
    const { ws, git } = tree();
    const r = handGitLeftovers(ws, U, G);
    expect(r).toEqual({ ok: true, value: expect.any(Number) });
    for (const p of [
      'objects',
      'objects/ab',
      'objects/pack',
      'refs/remotes/up',
      'logs/refs/remotes/up/a',
      'FETCH_HEAD',
      'worktrees/wt/HEAD',
      'worktrees/wt/logs',
    ])
      expect(uid(join(git, p)), p).toBe(U);
    // An object file is never rewritten: its owner does not matter and is left.
    expect(uid(join(git, 'objects/ab/cdef'))).toBe(0);
    for (const p of ['config', 'hooks', 'hooks/pre-commit', 'worktrees/wt/gitdir', 'worktrees/wt/config.worktree'])
      expect(uid(join(git, p)), p).toBe(0);
    // Nothing left to hand the second time.
    expect(handGitLeftovers(ws, U, G)).toEqual({ ok: true, value: 0 });
  });

  it('a fan-out directory root adds after a pass whose objects/ listing was kept is still handed', () => {
    const { ws, git } = tree();
    const objects = join(git, 'objects');
    const past = new Date(Date.now() - 60_000);
    utimesSync(objects, past, past);
    expect(handGitLeftovers(ws, U, G).ok).toBe(true);
    expect(uid(join(objects, 'ab'))).toBe(U);
    mkdirSync(join(objects, 'cd'));
    expect(uid(join(objects, 'cd'))).toBe(0);
    expect(handGitLeftovers(ws, U, G)).toEqual({ ok: true, value: 1 });
    expect(uid(join(objects, 'cd'))).toBe(U);
  });

  it("leaves a root-only file root's, wherever in the git directory it was put", () => {
    // A file only root may read, moved into .git by the model (a rename needs no read permission): handing it over
    // would give the sandbox user its content. What root's git writes is readable by all.
    const { ws, git } = tree();
    for (const f of ['logs/HEAD', 'index', 'rr-cache-secret'])
      writeFileSync(join(git, f), 'only root\n', { mode: 0o600 });
    mkdirSync(join(git, 'rr-cache', 'ab'), { recursive: true });
    writeFileSync(join(git, 'rr-cache', 'ab', 'preimage'), 'only root\n', { mode: 0o600 });
    writeFileSync(join(git, 'logs', 'shared'), 'x\n', { mode: 0o644 });
    expect(handGitLeftovers(ws, U, G).ok).toBe(true);
    for (const p of ['logs/HEAD', 'index', 'rr-cache/ab/preimage']) expect(uid(join(git, p)), p).toBe(0);
    expect(uid(join(git, 'logs', 'shared'))).toBe(U);
    expect(uid(join(git, 'rr-cache', 'ab'))).toBe(U);
  });

  it('follows no symlink and leaves a hard-linked file alone', () => {
    const { ws, git, outside } = tree();
    rmSync(join(git, 'refs'), { recursive: true });
    symlinkSync(outside, join(git, 'refs'));
    linkSync(join(outside, 'secret'), join(git, 'logs', 'HEAD'));
    expect(handGitLeftovers(ws, U, G).ok).toBe(true);
    expect(uid(outside)).toBe(0);
    expect(uid(join(outside, 'inner'))).toBe(0);
    expect(uid(join(outside, 'secret'))).toBe(0);
  });

  it("touches nothing when .git is root's, a symlink or a file, or the owner is root", () => {
    const { ws, git, outside } = tree();
    chownSync(git, 0, 0);
    expect(handGitLeftovers(ws, U, G)).toEqual({ ok: true, value: 0 });
    expect(uid(join(git, 'objects'))).toBe(0);
    chownSync(git, U, G);
    expect(handGitLeftovers(ws, 0, 0)).toEqual({ ok: true, value: 0 });
    rmSync(git, { recursive: true });
    mkdirSync(join(outside, 'objects'));
    symlinkSync(outside, git);
    expect(handGitLeftovers(ws, U, G)).toEqual({ ok: true, value: 0 });
    expect(uid(join(outside, 'objects'))).toBe(0);
  });

  it('names nothing the host executes', () => {
    const tops = HOST_EXECUTED.filter((r) => r.scope === 'git-dir').flatMap((r) => r.paths.map((p) => p.split('/')[0]));
    for (const { name } of GIT_LEFTOVERS) expect(tops, name).not.toContain(name);
  });
});
