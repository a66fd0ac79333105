/**
 * A long-lived sandboxed service (an MCP server) gets its own pids cgroup like a command: born in it, capped at
 * limits.processes, so forks beyond the cap fail; the cgroup is gone once the service has ended.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { startExec, type ExecService } from '../../src/exec/service.js';

let exec: ExecService;
beforeAll(() => {
  const started = startExec({
    config: ExecConfigSchema.parse({}),
    runtimeDir: path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-svc-cg-')), 'run'),
    parkedSandboxes: 0,
    bus: new EventBus(),
  });
  if (!started.ok) throw new Error(started.error.message);
  exec = started.value;
  if (!exec.detection.cgroup.base) throw new Error(`this test needs a pids cgroup: ${exec.detection.cgroup.reason}`);
});
afterAll(() => exec.stop());

/** The one child of a process (the first process of a holder's PID namespace, below its `unshare`). */
const firstChild = (pid: number) => Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim());

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return;
  throw new Error('timed out waiting');
}

describe('service sandbox pids cgroup', () => {
  it('a service is born in its own cgroup capped at limits.processes; forks beyond it fail; the cgroup goes with it', async () => {
    const limits = { ...ExecConfigSchema.parse({}).limits, processes: 12 };
    // 30 sleepers asked for (each fork that fails is skipped): the cap leaves room for a few only.
    const script = 'for i in $(seq 1 30); do (sleep 30 &) 2>/dev/null || true; done; echo started; read x';
    const started = exec.startService!({
      name: 'forker',
      stateDir: mkdtempSync(path.join(tmpdir(), 'bulwark-svc-state-')),
      readOnlyPaths: [],
      argv: ['/bin/sh', '-c', script],
      env: {},
      limits,
    });
    if (!started.ok) throw new Error(started.error.message);
    const svc = started.value;
    const dir = svc.cgroupDir;
    expect(dir).toBeDefined();
    if (dir === undefined) return;
    try {
      expect(readFileSync(path.join(dir, 'pids.max'), 'utf8').trim()).toBe('12');
      let out = '';
      svc.child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
      await until(() => out.includes('started'));
      const procs = () => readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      // bwrap itself is in it, and the count never exceeds the cap although 30 sleepers were asked for. Under a root
      // daemon the service's holder (bwrap once it has dropped) joined it and its `unshare` stays out (it only waits).
      const first = svc.runAs ? firstChild(svc.child.pid as number) : svc.child.pid;
      expect(procs()).toContain(String(first));
      if (first !== svc.child.pid) expect(procs()).not.toContain(String(svc.child.pid));
      expect(procs().length).toBeLessThanOrEqual(12);
      expect(procs().length).toBeGreaterThan(2);
      // Its memory cgroup (v1: a directory of the same name in the memory hierarchy) holds the same processes,
      // capped at limits.memoryMb.
      const memory = exec.detection.cgroup.base?.memory;
      if (memory?.kind === 'v1') {
        const mem = path.join(memory.dir, path.basename(dir));
        expect(readFileSync(path.join(mem, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(
          String(limits.memoryMb * 1024 * 1024),
        );
        expect(readFileSync(path.join(mem, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(
          procs().sort(),
        );
      }
    } finally {
      svc.stop();
    }
    await until(() => !existsSync(dir));
    const memory = exec.detection.cgroup.base?.memory;
    if (memory?.kind === 'v1') await until(() => !existsSync(path.join(memory.dir, path.basename(dir))));
  });
});
