/**
 * A workspace on a filesystem overlayfs refuses as a lower layer (L11.7): the start probe passes on the data dir,
 * yet this workspace cannot get a copy-on-write view. Made for real: the workspace sits inside an overlay whose lower
 * layer is itself an overlay, so the view would be a third stacked overlay, past the kernel's stacking depth
 * ("maximum fs stacking depth exceeded"). The layer report says so, a run there is refused naming the filesystem
 * and the fix with nothing run or changed, a workspace on ext4 in the same service still works, and the verdict is
 * kept per filesystem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../src/core/events.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { OverlayLowers } from '../../src/exec/overlay-lowers.js';
import { workspaceFsChecks } from '../../src/cli/commands/doctor.js';
import { startExec, type ExecService } from '../../src/exec/service.js';

let root: string;
let stacked: string;
let deep: string;
let plain: string;
let svc: ExecService;

function sh(script: string): void {
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-lowers-'));
  for (const d of ['a/l', 'a/u', 'a/w', 'a/m', 'b/u', 'b/w', 'b/m']) mkdirSync(join(root, d), { recursive: true });
  // Two overlays stacked on the host: b/m is an overlay over the overlay a/m (what a container in a container has).
  sh(
    `cd '${root}' && mount -t overlay lowers-a -o lowerdir=a/l,upperdir=a/u,workdir=a/w a/m && mount -t overlay lowers-b -o lowerdir=a/m,upperdir=b/u,workdir=b/w b/m`,
  );
  stacked = join(root, 'b', 'm');
  deep = join(stacked, 'ws');
  mkdirSync(deep);
  writeFileSync(join(deep, 'seed.txt'), 'seed\n');
  plain = join(root, 'plain');
  mkdirSync(plain);
  const started = startExec({
    config: ExecConfigSchema.parse({ sandboxUser: 'root' }),
    runtimeDir: join(root, 'rt'),
    journalDir: join(root, 'journal'),
    bus: new EventBus(),
    workspaces: [deep, plain],
  });
  if (!started.ok) throw new Error(started.error.message);
  svc = started.value;
});

afterAll(() => {
  svc?.stop();
  spawnSync('umount', [join(root, 'b', 'm')]);
  spawnSync('umount', [join(root, 'a', 'm')]);
  rmSync(root, { recursive: true, force: true });
});

describe('the workspace filesystem as the lower layer of a view (L11.7)', () => {
  it('reports L11.7 degraded at start, naming the workspace and its filesystem', () => {
    const l117 = svc.layers().find((l) => l.id === 'L11.7');
    expect(l117?.state).toBe('degraded');
    expect(l117?.reason).toContain(`the workspace ${deep} is on the overlay filesystem lowers-b mounted at ${stacked}`);
    expect(svc.log.some((l) => l.level === 'error' && l.message.includes(deep))).toBe(true);
    // The plain workspace is fine: it is not named.
    expect(l117?.reason).not.toContain(`${plain} `);
  });

  it('refuses a run there with the filesystem and the fix; nothing runs and nothing changes', async () => {
    const runner = svc.runner;
    if (!runner) throw new Error('exec disabled');
    const r = await runner.run(deep, { command: 'echo planted > made.txt && rm seed.txt' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('exec.effects.lower_refused');
    expect(r.error.layer).toBe('L11.7');
    expect(r.error.message).toContain(`on the overlay filesystem lowers-b mounted at ${stacked}`);
    expect(r.error.message).toContain('nothing ran and nothing changed');
    expect(r.error.message).toContain('Fix: keep the workspace (agents[].workspace) on a local filesystem');
    expect(readdirSync(deep).sort()).toEqual(['seed.txt']);
    // No view was left behind (no run directory, no mount point).
    expect(existsSync(join(root, 'rt', 'views')) ? readdirSync(join(root, 'rt', 'views')) : []).toEqual([]);
  });

  it('a workspace on a filesystem overlayfs takes still runs on a view in the same service', async () => {
    const runner = svc.runner;
    if (!runner) throw new Error('exec disabled');
    const r = await runner.run(plain, { command: 'echo ok > made.txt' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.effects?.status).toBe('applied');
    expect(existsSync(join(plain, 'made.txt'))).toBe(true);
  });

  it('probes once per filesystem: a second workspace on the same one takes the kept verdict', () => {
    const scratch = join(root, 'scratch');
    const lowers = new OverlayLowers({ unshare: '/usr/bin/unshare', scratchParent: scratch });
    expect(lowers.check(deep)).toMatchObject({ ok: false, error: { code: 'exec.effects.lower_refused' } });
    // From now on a probe cannot run (its scratch parent is a file): only a kept verdict can answer.
    rmSync(scratch, { recursive: true, force: true });
    writeFileSync(scratch, 'not a directory');
    const other = join(stacked, 'ws2');
    mkdirSync(other);
    expect(lowers.check(other)).toMatchObject({ ok: false, error: { code: 'exec.effects.lower_refused' } });
    // Another filesystem needs its own probe, which now fails as a probe failure (not a verdict, not kept).
    expect(lowers.check(plain)).toMatchObject({ ok: false, error: { code: 'exec.effects.lower_probe' } });
    rmSync(scratch);
    expect(lowers.check(plain).ok).toBe(true);
  });

  it('bulwark doctor names each configured workspace whose filesystem overlayfs refuses, with the fix', () => {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(
      join(dataDir, 'config.yaml'),
      `agents:\n  - id: deep\n    workspace: ${deep}\n  - id: plain\n    workspace: ${plain}\n  - id: gone\n    workspace: ${join(root, 'nowhere')}\n`,
      { mode: 0o600 },
    );
    const checks = workspaceFsChecks(dataDir, '/usr/bin/unshare');
    expect(checks.map((c) => [c.name, c.state])).toEqual([
      ['workspace of deep', 'warn'],
      ['workspace of plain', 'ok'],
    ]);
    expect(checks[0]?.detail).toContain(`the workspace ${deep} is on the overlay filesystem lowers-b`);
    expect(checks[0]?.fix).toContain('keep the workspace (agents[].workspace) on a local filesystem');
  });
});
