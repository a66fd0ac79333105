/**
 * The workspace changes under a copy-on-write view after the daemon checked it (overlayfs probe passed): a
 * filesystem mounted over the workspace, or holding a new one, after the view holders were parked. A parked holder's
 * private mount namespace is a copy of the daemon's from before that mount: the daemon only hands a run to a holder
 * that sees the same directory, and a holder that finds another directory at the workspace's path mounts nothing —
 * the run is refused with a clear message, nothing ran and nothing changed. Real mounts, overlayfs and bwrap; root.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOverlayView } from '../../src/exec/overlay-view.js';
import { parkedHolderArgv, startParkedView } from '../../src/exec/sandbox/overlay-holder.js';
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

  it('a parked holder whose namespace has another directory at the workspace path mounts nothing; the run is refused, clearly', async () => {
    h = startHarness();
    writeFileSync(join(h.workspace, 'a'), 'a\n');
    const stubs = join(h.root, 'stubs');
    mkdirSync(stubs);
    writeFileSync(join(stubs, 'passwd'), 'root:x:0:0::/:/bin/sh\n');
    writeFileSync(join(stubs, 'group'), 'root:x:0:\n');
    const harness = h;
    /** Parks a holder (the daemon's way: fd 5 its parameter pipe), lets `meanwhile` run, then hands it the run. */
    const parkAndRun = async (name: string, meanwhile: () => void) => {
      const runDir = join(harness.root, `run-${name}`);
      const mountPoint = join(harness.root, `point-${name}`);
      mkdirSync(join(runDir, 't'), { recursive: true });
      mkdirSync(mountPoint);
      const [cmd, ...args] = parkedHolderArgv(
        { setpriv: '/usr/bin/setpriv', unshare: '/usr/bin/unshare' },
        { runDir, mountPoint, quotaKb: 8192, maxFiles: 1000 },
        { passwd: join(stubs, 'passwd'), group: join(stubs, 'group') },
        ['/bin/sh', '-c', 'echo planted > "$0/b"', mountPoint],
      );
      const child = spawn(cmd as string, args, {
        stdio: ['ignore', 'ignore', 'pipe', 'ignore', 'ignore', 'pipe'],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
      const pipe = (child.stdio as unknown as Duplex[])[5] as Duplex;
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      await new Promise<void>((res, rej) => {
        pipe.once('data', () => res());
        child.once('exit', () => rej(new Error('the holder ended before it was parked')));
      });
      meanwhile();
      const view = openOverlayView({
        workspace: harness.workspace,
        viewsDir: join(harness.root, 'views'),
        quotaMb: 8,
        maxFiles: 1000,
        identity: { uid: 0, gid: 0, source: 'root' },
        parked: { runDir, mountPoint, holderPid: child.pid as number },
      });
      if (!view.ok) throw new Error(view.error.message);
      startParkedView(child.pid as number, pipe, view.value.spec, (pid, q) => view.value.answerHolder(pid, q));
      const code = await exited;
      if (view.value.upperFd !== undefined) closeSync(view.value.upperFd);
      return { code, view: view.value, status: readFileSync(join(runDir, 'status'), 'utf8').trim() };
    };

    // Control: nothing changed while it was parked; the view is mounted and the command writes into it.
    const fine = await parkAndRun('fine', () => undefined);
    expect(fine.code).toBe(0);
    expect(fine.status).toBe('done');
    expect(readFileSync(join(fine.view.runDir, 'upper', 'b'), 'utf8')).toBe('planted\n');

    // A filesystem mounted over the workspace after the holder was parked: its namespace still has the old directory.
    const stale = await parkAndRun('stale', () => mountTmpfs(harness.workspace));
    expect(stale.code).toBe(125);
    expect(stale.status).toBe('stale-lower');
    expect(existsSync(join(stale.view.runDir, 'upper'))).toBe(false);
    const settled = stale.view.settle({ timedOut: false, cancelled: false, signal: null });
    expect(settled.ok).toBe(false);
    if (!settled.ok) {
      expect(settled.error.code).toBe('exec.effects.stale_lower');
      expect(settled.error.message).toMatch(
        /was not the daemon's.*nothing ran and nothing changed; run the command again/,
      );
    }
    expect(readdirSync(harness.workspace)).toEqual([]);
    execFileSync('umount', [mounted.pop() as string]);
    expect(readdirSync(harness.workspace)).toEqual(['a']);
  });
});
