/**
 * L11 escape suite against real bwrap: every attempt must fail, and say why.
 * Controls prove the checks can fail: the same reads succeed when the sandbox is off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ATTEMPTS, makeEscapeContext, type EscapeContext } from './attempts.js';
import { EFFECT_ATTEMPTS, EFFECTS_FIRED_MARKER, FETCH_FIRED_MARKER, makeEffectContext } from './effect-attempts.js';
import { FETCH_PLANTINGS, hostFetchFires, makeFetchRemote, makeOperatorRepo, remoteOf } from './fetch-plantings.js';
import { EXEC_PLANTINGS, gitState, PLANT_FIRED, PLANTED_REPOSITORY, statusFires } from './planting-attempts.js';

let ctx: EscapeContext;

beforeAll(() => {
  ctx = makeEscapeContext();
});
afterAll(() => {
  ctx?.close();
});

describe('escape attempts under bwrap (all six layers)', () => {
  it('runs sandboxed with a process limit, rlimits and seccomp on this host', () => {
    expect(ctx.runner.mode).toBe('bwrap');
    expect(ctx.service.layer.state).toBe('on');
    expect(ctx.service.detection.cgroup.available).toBe(true);
    expect(ctx.service.detection.seccomp.available).toBe(true);
  });

  for (const attempt of ATTEMPTS) {
    it(`blocks: ${attempt.name}`, async () => {
      const r = await attempt.run(ctx);
      expect(r.why.length).toBeGreaterThan(0);
      expect(r, r.why).toMatchObject({ escaped: false });
    });
  }

  it('leaves no sandbox cgroup of this process behind once stopped', async () => {
    await ctx.runner.settled();
    const base = ctx.service.detection.cgroup.base;
    expect(base).toBeDefined();
    const mine = () => readdirSync(base?.dir ?? '/nonexistent').filter((d) => d.startsWith(`run-${process.pid}-`));
    // While running, only the pool of reusable cgroups exists: empty, or holding one bwrap parked ahead of
    // time (src/exec/parked-bwrap.ts) that is still blocked on its options and has started nothing.
    for (const d of mine()) {
      const procs = readFileSync(`${base?.dir}/${d}/cgroup.procs`, 'utf8').split('\n').filter(Boolean);
      expect(procs.length).toBeLessThanOrEqual(1);
      for (const pid of procs) {
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(
          expect.arrayContaining(['--args', '4', '--unshare-all', '--die-with-parent']),
        );
        expect(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()).toBe('');
      }
    }
    expect(mine().length).toBeLessThanOrEqual(4);
    ctx.service.stop();
    expect(mine()).toEqual([]);
  });
});

describe('controls: the same checks detect an escape when the OS sandbox is off', () => {
  let off: EscapeContext;
  beforeAll(() => {
    // Nothing between the command and the host: no sandbox and, with no sandbox user, no drop from root either (a root
    // daemon's exec.sandbox: off otherwise runs commands as the sandbox user, which cannot enter the data dir).
    off = makeEscapeContext({ sandbox: 'off', sandboxUser: 'root' });
  });
  afterAll(() => off?.close());

  it('reads the data dir and another workspace without the sandbox', async () => {
    expect(off.runner.mode).toBe('unsandboxed');
    const byName = (n: string) => ATTEMPTS.find((a) => a.name.startsWith(n));
    const data = await byName('read the bulwark data dir')?.run(off);
    const other = await byName("read another agent's workspace")?.run(off);
    expect(data?.escaped).toBe(true);
    expect(other?.escaped).toBe(true);
  });

  it('still refuses the command policy and env layers without the sandbox', async () => {
    const r = await ATTEMPTS.find((a) => a.name.startsWith('LD_PRELOAD'))?.run(off);
    expect(r?.escaped).toBe(false);
  });
});

describe('escape attempts against exec effects (L11.7), the quota (L11.8) and the sandbox identity', () => {
  let fx: EscapeContext;
  beforeAll(() => {
    fx = makeEffectContext();
  });
  afterAll(() => fx?.close());

  for (const attempt of EFFECT_ATTEMPTS) {
    it(`blocks: ${attempt.name}`, async () => {
      const r = await attempt.run(fx);
      expect(r, r.why).toMatchObject({ escaped: false });
    });
  }

  it('git on the host afterwards runs nothing planted (and the same planting made outside bulwark does fire)', () => {
    expect(existsSync(EFFECTS_FIRED_MARKER)).toBe(false);
    // Real git, as the operator would run it, in every repository an attempt tried to make or change; a planted
    // core.fsmonitor runs on status. safe.directory=* so git's ownership check cannot hide a planting.
    const git = (cwd: string, ...args: string[]) =>
      spawnSync('git', ['-c', 'safe.directory=*', ...args], { cwd, env: { PATH: '/usr/bin:/bin', HOME: cwd } });
    // A planting that fires on fetch is caught too: fetch from a local upstream in each of them.
    const upstream = remoteOf(fx.root);
    for (const dir of [fx.workspace, join(fx.workspace, 'fresh'), join(fx.workspace, 'lib')])
      if (existsSync(dir)) {
        git(dir, 'status');
        git(dir, 'log', '-1');
        git(dir, 'fetch', '-q', upstream);
      }
    if (existsSync(join(fx.workspace, 'lib', 'x.git'))) {
      git(fx.workspace, '--git-dir', 'lib/x.git', 'status');
      git(fx.workspace, '--git-dir', 'lib/x.git', 'fetch', '-q', upstream);
    }
    expect(hostFetchFires(fx.workspace, upstream, FETCH_FIRED_MARKER)).toBe(false);
    expect(existsSync(EFFECTS_FIRED_MARKER)).toBe(false);
    expect(existsSync(FETCH_FIRED_MARKER)).toBe(false);
    // The control: the same planting written directly fires, so the check above could fail.
    const control = mkdtempSync(join(tmpdir(), 'bulwark-fsmonitor-control-'));
    try {
      git(control, 'init', '-q');
      git(control, 'config', 'core.fsmonitor', `touch ${EFFECTS_FIRED_MARKER}`);
      git(control, 'status');
      expect(existsSync(EFFECTS_FIRED_MARKER)).toBe(true);
    } finally {
      rmSync(control, { recursive: true, force: true });
      rmSync(EFFECTS_FIRED_MARKER, { force: true });
    }
  });

  it('controls: each fetch planting made outside bulwark does fire on the host git fetch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-fetch-control-'));
    try {
      const upstream = makeFetchRemote(remoteOf(dir));
      const fired = FETCH_PLANTINGS.map((p, i) => {
        const repo = makeOperatorRepo(join(dir, `repo-${i}`), upstream);
        if (i === 0) expect(hostFetchFires(repo, upstream, FETCH_FIRED_MARKER), 'nothing planted yet').toBe(false);
        const planted = spawnSync('sh', ['-c', p.plant(FETCH_FIRED_MARKER, upstream)], { cwd: repo, encoding: 'utf8' });
        expect(planted.status, planted.stderr).toBe(0);
        return [p.name, hostFetchFires(repo, upstream, FETCH_FIRED_MARKER)];
      });
      expect(fired).toEqual(FETCH_PLANTINGS.map((p) => [p.name, true]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(FETCH_FIRED_MARKER, { force: true });
    }
  });

  it('controls: each exec planting run outside bulwark does plant (its git directory changes or git status fires)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-plant-control-'));
    try {
      const planted = EXEC_PLANTINGS.map((p, i) => {
        const repo = makeOperatorRepo(join(dir, `repo-${i}`), remoteOf(dir));
        p.setup?.(repo);
        const before = gitState(repo);
        const r = spawnSync('sh', ['-c', p.command], { cwd: repo, encoding: 'utf8' });
        expect(r.status, `${p.name}: ${r.stderr}`).toBe(0);
        const fired = ['.', ...p.worktrees].some((w) => statusFires(join(repo, w)));
        return [p.name, fired || gitState(repo) !== before];
      });
      expect(planted).toEqual(EXEC_PLANTINGS.map((p) => [p.name, true]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(PLANT_FIRED, { force: true });
    }
  });

  it('control: the repository the write tool rows plant file by file, written directly, fires the host git', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-planted-control-'));
    try {
      for (const [file, content] of PLANTED_REPOSITORY) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), content);
      }
      expect(statusFires(join(dir, 'vendor'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(PLANT_FIRED, { force: true });
    }
  });
});
