/**
 * The one kill path of a run (src/exec/run-handle.ts) on real processes and the real pids cgroup: a sleeping
 * process tree — including a process that left the group with setsid and one orphaned by a double fork — is
 * gone, and its cgroup empty or removed, after a kill, a timeout, a cancellation and a daemon stop; through
 * bwrap and without a sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { findCgroupBase, SandboxCgroup, type CgroupBase } from '../../src/exec/cgroup.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { RunHandle } from '../../src/exec/run-handle.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import type { ExecOutcome } from '../../src/exec/runner.js';
import type { Result } from '../../src/core/result.js';
import type { BulwarkError } from '../../src/core/errors.js';
import { hostProcessesWith } from '../escape/attempts.js';

let root: string;
let ws: string;
let base: CgroupBase;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-kill-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
  const found = findCgroupBase();
  if (!found.base) throw new Error(`this test needs a pids cgroup: ${found.reason}`);
  base = found.base;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Unique sleep durations, so the host's process list tells this test's sleepers apart. */
function durations(n: number): string[] {
  const stem = `${700 + Math.floor(Math.random() * 200)}.${process.pid}${Date.now() % 100_000}`;
  return Array.from({ length: n }, (_, i) => `${stem}${i}`);
}
const sleepers = (ds: readonly string[]) => ds.flatMap((d) => hostProcessesWith(`sleep\0${d}\0`));

/** One in the group, one orphaned by a double fork, one in a session (and group) of its own. */
const tree = ([a, b, c]: readonly string[]) => `sleep ${a} & (sleep ${b} &) ; setsid sleep ${c} & wait`;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Bounded wait for processes to disappear after SIGKILL (the kernel reaps them asynchronously). */
async function gone(ds: readonly string[]): Promise<number[]> {
  let left = sleepers(ds);
  for (let i = 0; i < 80 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 25));
    left = sleepers(ds);
  }
  return left;
}

/** The pids cgroup directory a host process is in. */
function cgroupDirOf(pid: number): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const line =
    base.kind === 'v1'
      ? lines.find((l) => l.split(':')[1]?.split(',').includes('pids'))
      : lines.find((l) => l.startsWith('0::'));
  const rel = line?.split(':').slice(2).join(':') ?? '';
  return join(base.kind === 'v1' ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup', rel);
}

function procsIn(dir: string): string[] {
  return existsSync(dir) ? readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean) : [];
}

describe('RunHandle.kill: the process group, then the cgroup', () => {
  it('kills a tree whose members left the group (setsid) or the parent (double fork), and empties the cgroup', async () => {
    const cg = SandboxCgroup.create(base, { processes: 64, memoryBytes: 1024 * 1024 * 1024 });
    const problems: string[] = [];
    const handle = new RunHandle(cg, undefined, (o, r) => problems.push(`${o}: ${r}`));
    const ds = durations(3);
    const child = cg.spawnInside(() =>
      spawn('/bin/sh', ['-c', tree(ds)], { detached: true, stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } }),
    );
    handle.attach(child);
    await until(() => sleepers(ds).length === 3, 'three sleepers');
    // The setsid sleeper is out of the child's process group: a group kill alone would miss it.
    const pgids = sleepers(ds).map((p) => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    expect(pgids.filter((g) => g === String(child.pid))).toHaveLength(2);

    handle.kill();
    await handle.emptied();
    expect(await gone(ds)).toEqual([]);
    expect(cg.pids()).toEqual([]);
    const first = handle.release();
    expect(handle.release()).toBe(first);
    await first;
    expect(existsSync(cg.dir)).toBe(false);
    expect(problems).toEqual([]);
  });

  it('kills a prestarted sandbox process that never got its command when the run is released', async () => {
    const cg = SandboxCgroup.create(base, { processes: 64, memoryBytes: 1024 * 1024 * 1024 });
    const [d] = durations(1) as [string];
    const child = cg.spawnInside(() =>
      spawn('/bin/sleep', [d], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: {} }),
    );
    await until(() => sleepers([d]).length === 1, 'the prestarted sleeper');
    const handle = new RunHandle(cg, undefined, () => undefined, { child, cgroup: cg });
    await handle.release();
    expect(await gone([d])).toEqual([]);
    expect(existsSync(cg.dir)).toBe(false);
  });
});

for (const sandbox of ['bwrap', 'off'] as const) {
  describe(`a run's processes and cgroup after timeout, cancellation and stop (exec.sandbox: ${sandbox})`, () => {
    let svc: ExecService;
    const events: Envelope<EventType>[] = [];
    beforeAll(() => {
      const bus = new EventBus();
      bus.on('*', (e) => events.push(e));
      const s = startExec({
        config: ExecConfigSchema.parse({ sandbox, timeoutMs: 60_000, limits: { processes: 32 } }),
        runtimeDir: join(root, `rt-${sandbox}`),
        bus,
      });
      if (!s.ok || !s.value.runner) throw new Error(s.ok ? s.value.layer.reason : s.error.message);
      svc = s.value;
    });
    afterAll(() => svc?.stop());

    /** Starts the tree, waits for its sleepers, and notes the run's cgroup while it is live. */
    async function started(
      req: { timeoutMs?: number; signal?: AbortSignal } = {},
    ): Promise<{ ds: string[]; cgroup: string; run: Promise<Result<ExecOutcome, BulwarkError>> }> {
      await svc.runner?.settled();
      const ds = durations(3);
      const run = (svc.runner as NonNullable<ExecService['runner']>).run(ws, { command: tree(ds), ...req });
      await until(() => sleepers(ds).length === 3, 'three sleepers');
      const cgroup = cgroupDirOf(sleepers(ds)[0] as number);
      expect(cgroup.startsWith(base.dir)).toBe(true);
      expect(procsIn(cgroup).length).toBeGreaterThanOrEqual(3);
      return { ds, cgroup, run };
    }

    it('timeout: every sleeper is gone and the cgroup is empty', async () => {
      const { ds, cgroup, run } = await started({ timeoutMs: 2000 });
      const r = await run;
      expect(r.ok && r.value.timedOut).toBe(true);
      expect(await gone(ds)).toEqual([]);
      await svc.runner?.settled();
      expect(procsIn(cgroup)).toEqual([]);
    });

    it('cancellation: every sleeper is gone and the cgroup is empty', async () => {
      const ac = new AbortController();
      const { ds, cgroup, run } = await started({ signal: ac.signal });
      ac.abort();
      const r = await run;
      expect(r.ok && r.value.cancelled).toBe(true);
      expect(await gone(ds)).toEqual([]);
      await svc.runner?.settled();
      expect(procsIn(cgroup)).toEqual([]);
    });

    it('daemon stop: every sleeper is gone and the cgroup removed', async () => {
      const { ds, cgroup, run } = await started();
      svc.stop();
      const r = await run;
      expect(r.ok && !r.value.timedOut && r.value.exitCode !== 0).toBe(true);
      expect(await gone(ds)).toEqual([]);
      expect(existsSync(cgroup)).toBe(false);
      expect(events.filter((e) => e.type === 'security:warning' && e.payload.outcome === 'kill-failed')).toEqual([]);
    });
  });
}
