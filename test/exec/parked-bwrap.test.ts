/**
 * Parked sandboxes (src/exec/sandbox/parked-bwrap.ts) on real bwrap and the real cgroup: a parked bwrap is bound by
 * its cgroup before it has started anything, a parked bwrap whose daemon vanished runs nothing, and runs that
 * start parked keep every exec layer (process bound, stdin, environment, NUL smuggling).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import type { ExecRunner } from '../../src/exec/runner.js';
import { CgroupPool } from '../../src/exec/cgroup.js';
import { ParkedBwrapPool, type ParkedBwrap } from '../../src/exec/sandbox/parked-bwrap.js';
import { EventBus } from '../../src/core/events.js';

let root: string;
let ws: string;
let svc: ExecService;
let runner: ExecRunner;

async function until<T>(f: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-parked-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
  const s = startExec({
    // Under root with a sandbox user every run drops to it and nothing is parked: parking serves the other cases.
    config: ExecConfigSchema.parse({ sandboxUser: 'root', limits: { processes: 32 } }),
    runtimeDir: join(root, 'rt'),
    bus: new EventBus(),
  });
  if (!s.ok || !s.value.runner) throw new Error(s.ok ? s.value.layer.reason : s.error.message);
  svc = s.value;
  runner = s.value.runner;
});
afterAll(async () => {
  svc?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a parked bwrap', () => {
  let pool: ParkedBwrapPool;
  let cgroups: CgroupPool;
  const problems: string[] = [];
  beforeAll(() => {
    const base = svc.detection.cgroup.base;
    if (!base) throw new Error('no cgroup on this host');
    cgroups = new CgroupPool(base, { processes: 32, memoryBytes: 4096 * 1024 * 1024 }, 1);
    const bwrap = svc.detection.providers.find((p) => p.name === 'bwrap')?.path as string;
    pool = new ParkedBwrapPool(
      { bwrapPath: bwrap, argsFd: 4, aliveFd: 5, shell: ['/bin/sh', '-c', 'echo RAN'] },
      cgroups,
      1,
      (p) => problems.push(p),
    );
  });
  afterAll(() => {
    pool.close();
    cgroups.close();
  });

  it('is inside its own pids cgroup, alone, before it has created any process', async () => {
    const p: ParkedBwrap = await until(() => pool.take(), 'a parked bwrap');
    try {
      expect(p.cgroup.pids()).toEqual([p.child.pid]);
      expect(readFileSync(p.cgroup.dir + '/pids.max', 'utf8').trim()).toBe('32');
      expect(readFileSync(`/proc/${p.child.pid}/task/${p.child.pid}/children`, 'utf8').trim()).toBe('');
    } finally {
      p.child.kill('SIGKILL');
      await cgroups.put(p.cgroup);
    }
    expect(problems).toEqual([]);
  });

  it('runs nothing when its daemon goes away before writing the options (EOF): no root filesystem, exec fails', async () => {
    pool.refill();
    const p: ParkedBwrap = await until(() => pool.take(), 'a parked bwrap');
    let out = '';
    let errText = '';
    (p.child.stdout as Readable).on('data', (c: Buffer) => (out += c.toString()));
    (p.child.stderr as Readable).on('data', (c: Buffer) => (errText += c.toString()));
    const exited = new Promise<number | null>((r) => p.child.on('close', (code) => r(code)));
    // What a dead daemon leaves: the options pipe closed with nothing written.
    (p.child.stdio[4] as Writable).end();
    const code = await exited;
    expect(code).not.toBe(0);
    expect(out).not.toContain('RAN');
    expect(errText).toMatch(/execvp \/bin\/sh/);
    expect(await cgroups.put(p.cgroup)).toBeUndefined();
  });
});

describe('runs that start from a parked sandbox', () => {
  beforeAll(async () => {
    await runner.settled();
  });

  it('are bound by the process limit (a fork storm stops at pids.max)', async () => {
    const before = runner.parkedRuns;
    const r = await runner.run(ws, {
      command: 'n=0; while [ $n -lt 100 ]; do sleep 3 & n=$((n+1)); done 2>&1; echo done',
      timeoutMs: 20_000,
    });
    expect(runner.parkedRuns).toBe(before + 1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.stdout + r.value.stderr).toMatch(/fork|Resource temporarily unavailable|Cannot fork/i);
  });

  it('get their stdin, and EOF at once when there is none', async () => {
    await runner.settled();
    const before = runner.parkedRuns;
    const a = await runner.run(ws, { command: 'cat', stdin: 'hello parked\n' });
    expect(a.ok && a.value.stdout).toBe('hello parked\n');
    const b = await runner.run(ws, { command: 'cat; echo end', timeoutMs: 5_000 });
    expect(b.ok && b.value.timedOut).toBe(false);
    expect(b.ok && b.value.stdout).toBe('end\n');
    expect(runner.parkedRuns).toBeGreaterThan(before);
  });

  it('do not hand the command variable on to the command', async () => {
    await runner.settled();
    const r = await runner.run(ws, { command: 'env; cat /proc/self/environ' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.stdout).not.toContain('BULWARK_CMD');
  });

  it('refuse a NUL byte that would smuggle a bwrap option into the options pipe', async () => {
    const r = await runner.run(ws, { command: 'true\0--bind\0/\0/host' });
    expect(r.ok).toBe(false);
    // Layer 2 refuses it first; the runner refuses any NUL in the options pipe as well.
    if (!r.ok) expect(r.error.code).toMatch(/^exec\.(command\.denied|nul_byte)$/);
  });

  it('are not prepared at all for a one-shot runner (parkedSandboxes: 0), which joins its cgroup during the run', async () => {
    const one = startExec({
      // Under root with a sandbox user every run drops to it and nothing is parked: parking serves the other cases.
      config: ExecConfigSchema.parse({ sandboxUser: 'root', limits: { processes: 32 } }),
      runtimeDir: join(root, 'rt-one'),
      parkedSandboxes: 0,
      bus: new EventBus(),
    });
    if (!one.ok || !one.value.runner) throw new Error('exec did not start');
    await one.value.runner.settled();
    const r = await one.value.runner.run(ws, { command: 'echo one' });
    expect(r.ok && r.value.stdout).toBe('one\n');
    expect(one.value.runner.parkedRuns).toBe(0);
    one.value.stop();
  });

  it('keep the sandbox: the host root is not reachable and the workspace is', async () => {
    const r = await runner.run(ws, { command: 'ls /root 2>&1; touch /workspace/ok && echo wrote; id -u' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.stdout).toMatch(/No such file|cannot access/);
    expect(r.value.stdout).toContain('wrote');
    expect(r.value.stdout.trim().split('\n').pop()).toBe('1000');
  });
});
