/**
 * Every run is capped in total memory by a memory cgroup at exec.limits.memoryMb (the address-space ulimit binds
 * each process alone): several processes that together hold more than the cap are OOM-killed inside the run's
 * cgroup, the daemon stays up, the result names the limit and the run's changes are discarded; a run under the cap
 * works; every holder kind joins the memory cgroup; the cgroups are removed when the service stops.
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { detectSandbox, type SandboxDetection } from '../../src/exec/detect.js';

let root: string;
let detection: SandboxDetection;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-memcg-'));
  detection = detectSandbox();
  if (!detection.cgroup.base?.memory) throw new Error(`this test needs a memory cgroup: ${detection.cgroup.reason}`);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function start(name: string, opts: { journal: boolean; parked: number }): { s: ExecService; ws: string } {
  const ws = join(root, `ws-${name}`);
  mkdirSync(ws);
  // Owned by an unprivileged user, so a root daemon's direct run (as that owner) may write in it.
  if (process.getuid?.() === 0) chownSync(ws, 65534, 65534);
  const s = startExec({
    config: ExecConfigSchema.parse({ sandboxUser: 'nobody', limits: { memoryMb: 64 } }),
    runtimeDir: join(root, `rt-${name}`),
    ...(opts.journal ? { journalDir: join(root, `journal-${name}`) } : {}),
    detection,
    bus: new EventBus(),
    parkedSandboxes: opts.parked,
  });
  if (!s.ok) throw new Error(s.error.message);
  return { s: s.value, ws };
}

/** Four processes holding 30 MiB each (tail keeps the last 30 MiB while sleep never reads): 120 MiB in all. */
const HOG = 'for i in 1 2 3 4; do head -c 30M /dev/zero | tail -c 30M | sleep 1 & done; wait; echo done > made.txt';
/** One of them: 30 MiB, under the 64 MiB cap. */
const ONE = 'head -c 30M /dev/zero | tail -c 30M > /dev/null; echo done > made.txt';

/** Memory cgroups of runs left under the daemon's base (pooled ones are removed at stop). */
function runGroups(): string[] {
  const base = detection.cgroup.base?.memory;
  if (base?.kind !== 'v1') return [];
  return readdirSync(base.dir).filter((n) => n.startsWith(`run-${process.pid}-`));
}

describe('memory cgroup per run', () => {
  for (const [name, opts] of [
    ['copy-on-write view, parked holder', { journal: true, parked: 1 }],
    ['copy-on-write view, holder started per run', { journal: true, parked: 0 }],
    ['direct (bind holder under a root daemon, else plain bwrap)', { journal: false, parked: 0 }],
  ] as const)
    it(`${name}: over the cap it is OOM-killed and says so; under it, it works`, async () => {
      const { s, ws } = start(name.replace(/\W+/g, '-'), opts);
      try {
        const runner = s.runner;
        if (!runner) throw new Error('exec is disabled');
        // The sandbox has a cgroup namespace of its own (its /proc/self/cgroup shows "/"): the kill is the proof.
        const over = await runner.run(ws, { command: HOG, timeoutMs: 60_000 });
        if (!over.ok) throw new Error(over.error.message);
        expect(over.value.memoryKilled?.limitMb).toBe(64);
        expect(over.value.memoryKilled?.processes).toBeGreaterThan(0);
        if (opts.journal) {
          expect(over.value.effects?.status).toBe('discarded');
          expect(over.value.effects?.gate).toBe('L11.5');
          expect(over.value.effects?.reason).toContain('exec.limits.memoryMb 64 MiB');
          expect(existsSync(join(ws, 'made.txt'))).toBe(false);
        }

        // The daemon is still up and the next run, under the cap, works.
        rmSync(join(ws, 'made.txt'), { force: true });
        const under = await runner.run(ws, { command: ONE, timeoutMs: 60_000 });
        if (!under.ok) throw new Error(under.error.message);
        expect(under.value.memoryKilled).toBeUndefined();
        expect(under.value.exitCode).toBe(0);
        if (opts.journal) expect(under.value.effects?.status).toBe('applied');
        expect(existsSync(join(ws, 'made.txt'))).toBe(true);
        await runner.settled();
      } finally {
        s.stop();
      }
      expect(runGroups()).toEqual([]);
    });

  it('L11.5 is degraded, naming what is missing, when no memory controller is writable', () => {
    const base = detection.cgroup.base;
    if (!base) throw new Error('needs a cgroup');
    const { memory: _memory, ...noMemory } = base;
    const { s } = start('no-memory', { journal: false, parked: 0 });
    s.stop();
    const d: SandboxDetection = {
      ...detection,
      cgroup: { ...detection.cgroup, base: { ...noMemory, memoryReason: 'no cgroup v1 memory controller is mounted' } },
    };
    const s2 = startExec({
      config: ExecConfigSchema.parse({ sandboxUser: 'nobody', limits: { memoryMb: 64 } }),
      runtimeDir: join(root, 'rt-no-memory-2'),
      detection: d,
      bus: new EventBus(),
      parkedSandboxes: 0,
    });
    if (!s2.ok) throw new Error(s2.error.message);
    try {
      const l115 = s2.value.layers().find((g) => g.id === 'L11.5');
      expect(l115?.state).toBe('degraded');
      expect(l115?.reason).toContain('NO memory limit per run (no cgroup v1 memory controller is mounted)');
      const on = s.layers().find((g) => g.id === 'L11.5');
      expect(on?.reason).toContain('memory limit 64 MiB per run (cgroup');
    } finally {
      s2.value.stop();
    }
  });
});
