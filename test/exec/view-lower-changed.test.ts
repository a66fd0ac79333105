/**
 * The workspace changes under a copy-on-write view after the daemon checked it (overlayfs probe passed): a
 * filesystem mounted over the workspace, or holding a new one, after the view holders were parked. A parked holder's
 * private mount namespace is a copy of the daemon's from before that mount: the daemon only hands a run to a holder
 * that sees the same directory, and a holder that finds another directory at the workspace's path mounts nothing —
 * the run is refused with a clear message, nothing ran and nothing changed. Real mounts, overlayfs and bwrap; root.
 */
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOverlayView } from '../../src/exec/overlay-view.js';
import { holderArgv } from '../../src/exec/sandbox/overlay-holder.js';
import { startHarness, type Harness } from './effects-harness.js';

let h: Harness | undefined;
const mounted: string[] = [];
afterEach(() => {
  for (const m of mounted.splice(0).reverse()) execFileSync('umount', [m]);
  h?.close();
  h = undefined;
});

function mountTmpfs(at: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'bulwark-test', at]);
  mounted.push(at);
}

/** Parked holders are started when the service starts and refilled after each run: wait until some are parked. */
async function parked(harness: Harness): Promise<void> {
  const r = await harness.run('true');
  if (!r.ok) throw new Error(r.error.message);
  await new Promise((res) => setTimeout(res, 1500));
}

describe.skipIf(process.getuid?.() !== 0)('the workspace changed under a view after the check', () => {
  it('a filesystem mounted over the workspace after parking: the command sees it, and its changes land on it', async () => {
    h = startHarness();
    writeFileSync(join(h.workspace, 'hidden'), 'under the mount\n');
    await parked(h);
    mountTmpfs(h.workspace);
    writeFileSync(join(h.workspace, 'seen'), 'on the mount\n');
    const r = await h.run('ls && echo made > made');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.stdout).toBe('seen\n');
    expect(r.value.effects?.status).toBe('applied');
    expect(readdirSync(h.workspace).sort()).toEqual(['made', 'seen']);
    execFileSync('umount', [mounted.pop() as string]);
    expect(readdirSync(h.workspace)).toEqual(['hidden']);
  });

  it('a workspace on a filesystem mounted after parking runs on a view, and its filesystem is not refused', async () => {
    h = startHarness();
    await parked(h);
    const mnt = join(h.root, 'mnt');
    mkdirSync(mnt);
    mountTmpfs(mnt);
    const ws = join(mnt, 'ws');
    mkdirSync(ws);
    const runner = h.svc.runner;
    if (!runner) throw new Error('exec disabled');
    for (const n of [1, 2, 3]) {
      const r = await runner.run(ws, { command: `echo ${n} > f${n}` }, { traceId: `t${n}` });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.effects?.status).toBe('applied');
    }
    expect(readdirSync(ws).sort()).toEqual(['f1', 'f2', 'f3']);
  });

  it('a holder that finds another directory at the workspace path mounts nothing; the run is refused, clearly', () => {
    h = startHarness();
    writeFileSync(join(h.workspace, 'a'), 'a\n');
    const view = openOverlayView({
      workspace: h.workspace,
      viewsDir: join(h.root, 'views'),
      quotaMb: 8,
      identity: { uid: 0, gid: 0, source: 'root' },
    });
    if (!view.ok) throw new Error(view.error.message);
    const stubs = join(h.root, 'stubs');
    mkdirSync(stubs);
    writeFileSync(join(stubs, 'passwd'), 'root:x:0:0::/:/bin/sh\n');
    writeFileSync(join(stubs, 'group'), 'root:x:0:\n');
    const argv = (lowerId: string) =>
      holderArgv(
        { setpriv: '/usr/bin/setpriv', unshare: '/usr/bin/unshare' },
        { ...view.value.spec, lowerId },
        { passwd: join(stubs, 'passwd'), group: join(stubs, 'group') },
        ['/bin/sh', '-c', 'echo planted > "$0/b"', view.value.mountPoint],
      );
    const run = (lowerId: string) => {
      const [cmd, ...args] = argv(lowerId);
      return spawnSync(cmd as string, args, { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    };
    const stale = run('1:1');
    expect(stale.status).toBe(125);
    expect(readFileSync(join(view.value.runDir, 'status'), 'utf8').trim()).toBe('stale-lower');
    const settled = view.value.settle({ timedOut: false, cancelled: false, signal: null });
    expect(settled.ok).toBe(false);
    if (!settled.ok) {
      expect(settled.error.code).toBe('exec.effects.stale_lower');
      expect(settled.error.message).toMatch(
        /was not the directory checked before the run.*nothing ran and nothing changed/,
      );
    }
    expect(readdirSync(h.workspace)).toEqual(['a']);
    expect(existsSync(join(view.value.runDir, 'upper'))).toBe(false);
    // Control: with the workspace's own device:inode the same holder mounts the view and the command writes into it.
    const own = run(view.value.spec.lowerId);
    expect(own.status, own.stderr).toBe(0);
    expect(readFileSync(join(view.value.runDir, 'status'), 'utf8').trim()).toBe('done');
    expect(readFileSync(join(view.value.runDir, 'upper', 'b'), 'utf8')).toBe('planted\n');
    expect(readdirSync(h.workspace)).toEqual(['a']);
    rmdirSync(view.value.mountPoint);
  });
});
