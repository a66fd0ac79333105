/**
 * A copy-on-write view whose mount the kernel refuses at run time, after the workspace's filesystem passed its
 * probe (L11.7, "overlay mount refused"). Provoked for real with fs.mount-max, the kernel's cap on mounts per mount
 * namespace: lowered for a moment just above what a run's namespace holds, the run's own mounts fail with ENOSPC.
 * Each refused run names the kernel's reason, nothing runs and nothing changes, and once mounts are possible again
 * the next run works — the filesystem is not refused until a restart. A refusal that is not of the moment drops the
 * kept verdict so the next run probes the filesystem again.
 *
 * fs.mount-max is machine-wide: it is lowered only around one run at a time and always restored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../src/core/events.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { OverlayLowers } from '../../src/exec/overlay-lowers.js';
import { startExec, type ExecService } from '../../src/exec/service.js';

const MOUNT_MAX = '/proc/sys/fs/mount-max';
/** Root, and a kernel that lets it set fs.mount-max (a read-only /proc/sys in a container does not). */
const asRoot = process.getuid?.() === 0 && mountMaxWritable();

function mountMaxWritable(): boolean {
  try {
    writeFileSync(MOUNT_MAX, readFileSync(MOUNT_MAX, 'utf8').trim());
    return true;
  } catch {
    return false;
  }
}

let root: string;
let ws: string;
let svc: ExecService;
let original: string;

function mountsHere(): number {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).length;
}

/** Runs `fn` with fs.mount-max at `max`, restoring it whatever happens. */
async function withMountMax<T>(max: number, fn: () => Promise<T>): Promise<T> {
  writeFileSync(MOUNT_MAX, String(max));
  try {
    return await fn();
  } finally {
    writeFileSync(MOUNT_MAX, original);
  }
}

/** The run directories of views: one per run in progress or parked holder. */
function views(): string[] {
  const dir = join(root, 'rt', 'views');
  return existsSync(dir) ? readdirSync(dir) : [];
}

beforeAll(() => {
  if (!asRoot) return;
  original = readFileSync(MOUNT_MAX, 'utf8').trim();
  root = mkdtempSync(join(tmpdir(), 'bulwark-mount-refused-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'seed.txt'), 'seed\n');
  const started = startExec({
    config: ExecConfigSchema.parse({ sandboxUser: 'root' }),
    runtimeDir: join(root, 'rt'),
    journalDir: join(root, 'journal'),
    bus: new EventBus(),
    workspaces: [ws],
  });
  if (!started.ok) throw new Error(started.error.message);
  svc = started.value;
});

afterAll(() => {
  if (!asRoot) return;
  writeFileSync(MOUNT_MAX, original);
  svc?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe.runIf(asRoot)('a view refused by the kernel at run time (L11.7)', () => {
  it('names the reason, runs nothing and changes nothing; the next run works once mounts are possible', async () => {
    const runner = svc.runner;
    if (!runner) throw new Error('exec disabled');
    const warm = await runner.run(ws, { command: 'echo warm > warm.txt' });
    if (!warm.ok) throw new Error(warm.error.message);
    expect(warm.value.effects?.status).toBe('applied');

    // From the mounts this namespace holds upwards until a run fails at the view's own overlay mount (what fails
    // below that — the holder's namespace, its /proc, the upper tmpfs — is refused the same way).
    const base = mountsHere();
    const refusals: string[] = [];
    let overlayRefused: { message: string; details: Record<string, unknown> | undefined } | undefined;
    for (let k = 0; k <= 12 && !overlayRefused; k++) {
      const r = await withMountMax(base + k, () =>
        runner.run(ws, { command: 'echo planted > planted.txt && rm seed.txt' }),
      );
      // Whatever failed, nothing of the command reached the workspace.
      expect(readdirSync(ws).sort()).toEqual(['seed.txt', 'warm.txt']);
      if (r.ok) {
        // Mounts enough for the view, not for bwrap's own: the command did not run, nothing was applied.
        expect(r.value.effects?.status ?? 'none').not.toBe('applied');
        continue;
      }
      refusals.push(`${k}: ${r.error.code}`);
      expect(r.error.layer).toBe('L11.7');
      if (r.error.message.includes('copy-on-write view of the workspace'))
        overlayRefused = { message: r.error.message, details: r.error.details };
    }
    expect(overlayRefused, `refusals seen: ${refusals.join(', ')}`).toBeDefined();
    expect(overlayRefused?.message).toContain('No space left on device');
    expect(overlayRefused?.message).toContain('nothing ran and nothing changed');
    expect(overlayRefused?.message).toContain('fs.mount-max');
    expect(overlayRefused?.details?.['transient']).toBe(true);
    // The refused runs' directories (and those of holders that could not park meanwhile) are gone; what is left
    // are parked holders waiting for the next run. They are removed after the runs' results, in the background.
    await runner.settled();
    const refusedDirs = views().filter((d) => {
      const f = join(root, 'rt', 'views', d, 'mount.err');
      return existsSync(f) && readFileSync(f, 'utf8').includes('No space left');
    });
    expect(refusedDirs).toEqual([]);

    // Mounts are possible again: the same workspace runs on a view at once (no restart).
    const after = await runner.run(ws, { command: 'echo planted > planted.txt && echo more >> seed.txt' });
    if (!after.ok) throw new Error(after.error.message);
    expect(after.value.effects?.status).toBe('applied');
    expect(readFileSync(join(ws, 'planted.txt'), 'utf8')).toBe('planted\n');
    expect(readFileSync(join(ws, 'seed.txt'), 'utf8')).toBe('seed\nmore\n');
  });

  it('a probe refused for the moment is not kept as a verdict on the filesystem', async () => {
    // A filesystem of its own (a new device id), so the probe really runs.
    const fresh = join(root, 'fresh');
    mkdirSync(fresh);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'bulwark-fresh', fresh], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(mounted.stderr);
    try {
      const lowers = new OverlayLowers({ unshare: '/usr/bin/unshare', scratchParent: join(root, 'scratch') });
      const refused = await withMountMax(mountsHere(), async () => lowers.check(fresh));
      expect(refused).toMatchObject({ ok: false, error: { code: 'exec.effects.lower_probe', layer: 'L11.7' } });
      if (!refused.ok) expect(refused.error.message).toContain('No space left on device');
      expect(lowers.check(fresh)).toMatchObject({ ok: true, value: { type: 'tmpfs' } });
    } finally {
      spawnSync('umount', [fresh]);
    }
  });

  it('a refusal at run time that is not of the moment makes the next run probe the filesystem again', () => {
    const scratch = join(root, 'scratch2');
    const lowers = new OverlayLowers({ unshare: '/usr/bin/unshare', scratchParent: scratch });
    expect(lowers.check(ws).ok).toBe(true);
    const e = lowers.refusedAtRun(ws, 'wrong fs type, bad option, bad superblock on bulwark-view');
    expect(e.code).toBe('exec.effects.mount_refused');
    expect(e.message).toContain('(mount: wrong fs type, bad option, bad superblock on bulwark-view)');
    expect(e.message).toContain('The filesystem is checked again before the next run');
    // The kept verdict is gone: with the probe made impossible (its scratch parent is a file), the next check has to
    // probe, and says the probe failed — a kept verdict would have answered without probing.
    rmSync(scratch, { recursive: true, force: true });
    writeFileSync(scratch, 'not a directory');
    expect(lowers.check(ws)).toMatchObject({ ok: false, error: { code: 'exec.effects.lower_probe' } });
    rmSync(scratch);
    expect(lowers.check(ws).ok).toBe(true);
    // A refusal of the moment keeps the verdict: the next check answers without a probe.
    expect(lowers.refusedAtRun(ws, 'mount(2) system call failed: No space left on device.').message).toContain(
      'Run the command again',
    );
    rmSync(scratch, { recursive: true, force: true });
    writeFileSync(scratch, 'not a directory');
    expect(lowers.check(ws).ok).toBe(true);
  });
});
