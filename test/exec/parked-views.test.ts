/**
 * Overlay holders parked ahead of transactional runs (src/exec/sandbox/parked-holder.ts) on real overlayfs, bwrap
 * and the real cgroup: a parked holder is alone in its cgroup with its upper tmpfs mounted in its own namespace
 * only; one whose daemon goes away mounts nothing more and runs nothing; runs that start parked judge and apply
 * like the others, and without parking (a one-shot CLI run) the per-run holder still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { CgroupPool } from '../../src/exec/cgroup.js';
import { detectSandbox } from '../../src/exec/detect.js';
import { probeOverlay } from '../../src/exec/overlay-probe.js';
import { writeEtcStubs } from '../../src/exec/sandbox/etc-stubs.js';
import { PARAMS_FD } from '../../src/exec/sandbox/overlay-holder.js';
import { ParkedHolderPool } from '../../src/exec/sandbox/parked-holder.js';
import type { PrestartedSandbox } from '../../src/exec/sandbox/provider.js';
import { startExec, type ExecService } from '../../src/exec/service.js';

let root: string;

async function until<T>(f: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function service(name: string, parked?: number): ExecService {
  const s = startExec({
    config: ExecConfigSchema.parse({ sandboxUser: 'root' }),
    runtimeDir: join(root, name, 'rt'),
    journalDir: join(root, name, 'journal'),
    bus: new EventBus(),
    ...(parked !== undefined ? { parkedSandboxes: parked } : {}),
  });
  if (!s.ok || !s.value.runner?.transactional) throw new Error('transactional exec is not available on this host');
  return s.value;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-parked-views-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('a parked overlay holder', () => {
  let pool: ParkedHolderPool;
  let cgroups: CgroupPool;
  const problems: string[] = [];
  beforeAll(() => {
    const d = detectSandbox();
    const base = d.cgroup.base;
    const bwrap = d.providers.find((p) => p.name === 'bwrap')?.path;
    const tools = probeOverlay(join(root, 'probe')).tools;
    if (!base || !bwrap || !tools) throw new Error('no cgroup, bwrap or overlay on this host');
    cgroups = new CgroupPool(base, { processes: 32, memoryBytes: 4096 * 1024 * 1024 }, 1);
    mkdirSync(join(root, 'stubs'));
    pool = new ParkedHolderPool(
      {
        ...tools,
        bwrapPath: bwrap,
        viewsDir: join(root, 'views'),
        mountParent: root,
        quotaKb: 1024,
        maxFiles: 1000,
        etcStubs: writeEtcStubs(join(root, 'stubs')),
        shell: ['/bin/sh', '-c', 'echo RAN'],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      },
      cgroups,
      1,
      (p) => problems.push(p),
    );
  });
  afterAll(() => {
    pool.close();
    cgroups.close();
  });

  it('is alone in its cgroup, with its upper tmpfs mounted in its own namespace and not on the host', async () => {
    const p: PrestartedSandbox = await until(() => pool.take(), 'a parked holder');
    const pid = p.child.pid as number;
    const view = p.view as { runDir: string; mountPoint: string };
    try {
      // The holder is the one child of its `unshare` (which waits outside the cgroup): the first process of its PID
      // namespace, alone in the cgroup, blocked on its parameters with nothing started.
      const holder = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim());
      expect(p.cgroup.pids()).toEqual([holder]);
      expect(readFileSync(`/proc/${holder}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
      expect(readFileSync(`/proc/${holder}/task/${holder}/children`, 'utf8').trim()).toBe('');
      const upper = `${view.runDir}/t`;
      expect(readFileSync(`/proc/${pid}/mountinfo`, 'utf8')).toContain(` ${upper} `);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(view.runDir);
      expect(readdirSync(upper)).toEqual([]);
    } finally {
      p.child.kill('SIGKILL');
      await cgroups.put(p.cgroup);
    }
    expect(problems).toEqual([]);
  });

  it('runs nothing when its daemon goes away before the parameters (EOF)', async () => {
    pool.refill();
    const p: PrestartedSandbox = await until(() => pool.take(), 'a parked holder');
    let out = '';
    (p.child.stdout as Readable).on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => p.child.on('close', (code) => r(code)));
    (p.child.stdio[4] as Writable).end();
    (p.child.stdio as unknown as Writable[])[PARAMS_FD]?.end();
    expect(await exited).not.toBe(0);
    expect(out).not.toContain('RAN');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(p.view?.runDir as string);
    expect(await cgroups.put(p.cgroup)).toBeUndefined();
  });
});

describe('transactional runs', () => {
  it('start from a parked holder and judge, apply and journal as before', async () => {
    const svc = service('parked');
    const runner = svc.runner as NonNullable<ExecService['runner']>;
    const ws = join(root, 'ws-parked');
    mkdirSync(ws);
    writeFileSync(join(ws, 'a.txt'), 'one\n');
    try {
      await runner.settled();
      const before = runner.parkedRuns;
      const read = await runner.run(ws, { command: 'cat a.txt' });
      expect(read.ok && read.value.stdout).toBe('one\n');
      expect(read.ok && read.value.effects?.status).toBe('unchanged');
      await runner.settled();
      const write = await runner.run(ws, { command: "sed -i 's/one/two/' a.txt && echo new > b.txt" });
      expect(write.ok && write.value.effects?.status).toBe('applied');
      expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('two\n');
      expect(readFileSync(join(ws, 'b.txt'), 'utf8')).toBe('new\n');
      await runner.settled();
      const hook = await runner.run(ws, {
        command:
          'mkdir -p .git/hooks && printf "#!/bin/sh\\n" > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit',
      });
      expect(hook.ok && hook.value.effects?.status).toBe('refused');
      expect(existsSync(join(ws, '.git'))).toBe(false);
      expect(runner.parkedRuns - before).toBe(3);
    } finally {
      await runner.settled();
      svc.stop();
    }
    // Nothing of the parked views is left on the host: no mount, no run directory.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(join(root, 'parked'));
  });

  it('an upper layer of directories only is judged where the holder left it: no-op, new, re-moded, emptied and moved directories', async () => {
    const svc = service('dirs');
    const runner = svc.runner as NonNullable<ExecService['runner']>;
    const ws = join(root, 'ws-dirs');
    mkdirSync(join(ws, 'sub'), { recursive: true });
    mkdirSync(join(ws, 'keep'));
    writeFileSync(join(ws, 'sub', 'f.txt'), 'x');
    try {
      // A lock file made and removed (as `git status` does): its directory is copied up, nothing changed.
      const lock = await runner.run(ws, { command: 'touch sub/x.lock && rm sub/x.lock' });
      expect(lock.ok && lock.value.effects?.status).toBe('unchanged');
      await runner.settled();
      const made = await runner.run(ws, { command: 'mkdir -p new/deeper && chmod 711 keep' });
      expect(made.ok && made.value.effects?.changes.map((c) => `${c.change} ${c.path}`).sort()).toEqual([
        'dir new',
        'dir new/deeper',
        'mode keep',
      ]);
      expect(existsSync(join(ws, 'new', 'deeper'))).toBe(true);
      await runner.settled();
      // Emptied and made again: an opaque directory, whose pre-existing file is deleted (held, here discarded).
      const emptied = await runner.run(ws, { command: 'rm -r sub && mkdir sub' });
      expect(emptied.ok ? emptied.value.effects?.status : emptied.error.message).toBe('held-denied');
      expect(emptied.ok && emptied.value.effects?.changes.map((c) => `${c.change} ${c.path}`)).toContain(
        'deleted sub/f.txt',
      );
      expect(readFileSync(join(ws, 'sub', 'f.txt'), 'utf8')).toBe('x');
      await runner.settled();
      // Moved and its old name made again: only directories (a redirected one, an opaque one), read where the
      // parked holder left them, with their overlay xattrs: a rename of the file inside, nothing deleted.
      const moved = await runner.run(ws, { command: 'mv sub sub2 && mkdir sub' });
      expect(moved.ok && moved.value.effects?.changes.map((c) => `${c.change} ${c.path}`).sort()).toEqual([
        'dir sub2',
        'renamed sub2/f.txt',
      ]);
      expect(moved.ok && moved.value.effects?.status).toBe('applied');
      expect(readFileSync(join(ws, 'sub2', 'f.txt'), 'utf8')).toBe('x');
      expect(readdirSync(join(ws, 'sub'))).toEqual([]);
      expect(runner.parkedRuns).toBeGreaterThan(0);
    } finally {
      await runner.settled();
      svc.stop();
    }
  });

  it('without parking (a one-shot run) start their own holder and apply the same way', async () => {
    const svc = service('unparked', 0);
    const runner = svc.runner as NonNullable<ExecService['runner']>;
    const ws = join(root, 'ws-unparked');
    mkdirSync(ws);
    try {
      const write = await runner.run(ws, { command: 'echo x > c.txt' });
      expect(write.ok && write.value.effects?.status).toBe('applied');
      expect(readFileSync(join(ws, 'c.txt'), 'utf8')).toBe('x\n');
      expect(runner.parkedRuns).toBe(0);
    } finally {
      await runner.settled();
      svc.stop();
    }
  });
});
