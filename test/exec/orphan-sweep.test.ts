/**
 * A daemon killed with kill -9 while a sandbox process is caught between its spawn and its parent-death signal or
 * its cgroup leaves that process running (parent 1). The next daemon of the same data dir finds it by its owner tag
 * and kills it, audited; a daemon that is alive keeps its own. The empty mount points its runs and parked views left
 * in /tmp (named after its tag) are removed too: unmounted first when something is mounted on one in the host's
 * namespace, never recursively. Holders refuse to go on when their parent is no longer the daemon that started them.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { startExec } from '../../src/exec/service.js';
import { OWNER_VAR, ownerTag } from '../../src/exec/orphans.js';
import { bindHolderArgv } from '../../src/exec/sandbox/bind-holder.js';

const root = process.getuid?.() === 0;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Running (a zombie waiting for a parent that does not reap it is dead). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};
const ppid = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};
/** Host processes whose environment carries a tag of this runtime dir's daemon `daemonPid`. */
const tagged = (daemonPid: number) =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return readFileSync(`/proc/${n}/environ`, 'latin1').includes(`:${daemonPid}:`);
      } catch {
        return false;
      }
    })
    .map(Number);

/** Merged views' mount points in /tmp named after the daemon `daemonPid`'s tag. */
const viewPoints = (daemonPid: number) =>
  readdirSync('/tmp')
    .filter((n) => new RegExp(`^bulwark-view-[0-9a-f]{16}-${daemonPid}-\\d+-`).test(n))
    .map((n) => join('/tmp', n));
const mountedAt = (p: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === p);

const service = pathToFileURL(join(process.cwd(), 'src/exec/service.ts')).href;
const orphans = pathToFileURL(join(process.cwd(), 'src/exec/orphans.ts')).href;
const config = pathToFileURL(join(process.cwd(), 'src/config/sections/exec.ts')).href;
const core = pathToFileURL(join(process.cwd(), 'src/core/events.ts')).href;
const bindHolder = pathToFileURL(join(process.cwd(), 'src/exec/sandbox/bind-holder.ts')).href;

/** A daemon with parked sandboxes, and one process caught mid-way: tagged, outside any cgroup, no parent-death signal. */
const DAEMON = `
import { spawn } from 'node:child_process';
import { startExec } from ${JSON.stringify(service)};
import { OWNER_VAR, ownerTag } from ${JSON.stringify(orphans)};
import { makeBindPoint } from ${JSON.stringify(bindHolder)};
import { ExecConfigSchema } from ${JSON.stringify(config)};
import { EventBus } from ${JSON.stringify(core)};
const [rt, journal] = process.argv.slice(-2);
const svc = startExec({ config: ExecConfigSchema.parse({ sandboxUser: 'root' }), runtimeDir: rt, journalDir: journal, bus: new EventBus(), parkedSandboxes: 2 });
if (!svc.ok) { console.error(svc.error.message); process.exit(2); }
const caught = spawn('sleep', ['600'], { env: { [OWNER_VAR]: ownerTag(rt) }, detached: true, stdio: 'ignore' });
caught.unref();
// A run's bind point, as a run killed with the daemon leaves it.
const point = makeBindPoint(ownerTag(rt));
const wait = () => (svc.value.runner && !svc.value.runner.busy ? console.log('ready ' + caught.pid + ' ' + point) : setTimeout(wait, 20));
setTimeout(wait, 200);
setInterval(() => undefined, 1000);
`;

describe.runIf(root)('leftovers of a daemon killed with kill -9', () => {
  it('start, kill -9, restart: the next start kills what is left, audited; nothing of the dead daemon stays', async () => {
    const top = mkdtempSync(join(tmpdir(), 'bulwark-orphans-'));
    dirs.push(top);
    const rt = join(top, 'rt');
    const journal = join(top, 'journal');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', DAEMON, rt, journal], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    for (let i = 0; i < 300 && !/ready \d+ \S+/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const caught = Number(/ready (\d+)/.exec(out)?.[1]);
    const point = /ready \d+ (\S+)/.exec(out)?.[1] ?? '';
    expect(existsSync(point)).toBe(true);
    expect(caught, errText).toBeGreaterThan(0);
    const daemonPid = child.pid as number;
    expect(tagged(daemonPid).length).toBeGreaterThan(1);
    // The parked views' mount points (made at park time, empty on the host), named after the daemon's tag.
    const views = viewPoints(daemonPid);
    expect(views.length).toBeGreaterThan(0);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    // The parked holders died with it; the one caught mid-way did not.
    expect(alive(caught)).toBe(true);
    expect(ppid(caught)).not.toBe(daemonPid);
    expect(views.every((v) => existsSync(v))).toBe(true);
    // One point still has a view mounted on it in the host's namespace; a file named like a point but holding
    // something is never emptied (rmdir only).
    const [mounted] = views as [string];
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'bulwark-leftover', mounted]).status).toBe(0);
    const full = `${mounted}-kept`;
    mkdirSync(full);
    writeFileSync(join(full, 'keep'), 'x');

    const bus = new EventBus();
    const events: Array<Envelope<EventType>> = [];
    bus.on('*', (e) => events.push(e as Envelope<EventType>));
    const again = startExec({
      config: ExecConfigSchema.parse({ sandboxUser: 'root' }),
      runtimeDir: rt,
      journalDir: journal,
      bus,
      parkedSandboxes: 0,
    });
    if (!again.ok) throw new Error(again.error.message);
    try {
      for (let i = 0; i < 50 && alive(caught); i++) await new Promise((r) => setTimeout(r, 20));
      expect(alive(caught)).toBe(false);
      expect(tagged(daemonPid)).toEqual([]);
      expect(existsSync(point)).toBe(false);
      expect(mountedAt(mounted)).toBe(false);
      expect(viewPoints(daemonPid)).toEqual([full]);
      expect(readFileSync(join(full, 'keep'), 'utf8')).toBe('x');
      const log = again.value.log.map((l) => l.message).join('\n');
      expect(log).toContain(`detached the mount ${mounted}`);
      expect(log).toContain(`removed the empty mount point ${mounted}`);
      expect(log).toMatch(new RegExp(`cannot remove the leftover mount point ${full}: .*ENOTEMPTY`));
      expect(again.value.log.map((l) => l.message).join('\n')).toMatch(
        new RegExp(`killed sandbox process ${caught} .* left by the dead daemon ${daemonPid}`),
      );
      expect(
        events.some(
          (e) => e.type === 'security:warning' && (e.payload as { outcome?: string }).outcome === 'orphan-swept',
        ),
      ).toBe(true);
    } finally {
      again.value.stop();
      if (alive(caught)) process.kill(caught, 'SIGKILL');
      while (mountedAt(mounted)) spawnSync('umount', [mounted]);
      rmSync(full, { recursive: true, force: true });
      for (const v of viewPoints(daemonPid)) rmdirSync(v);
    }
  });

  it('a daemon that is alive keeps its own: a second start on the same data dir (a CLI run) kills nothing', async () => {
    const top = mkdtempSync(join(tmpdir(), 'bulwark-orphans-'));
    dirs.push(top);
    const rt = join(top, 'rt');
    const mine = spawn('sleep', ['600'], { env: { [OWNER_VAR]: ownerTag(rt) }, detached: true, stdio: 'ignore' });
    try {
      const svc = startExec({
        config: ExecConfigSchema.parse({}),
        runtimeDir: rt,
        bus: new EventBus(),
        parkedSandboxes: 0,
      });
      if (!svc.ok) throw new Error(svc.error.message);
      svc.value.stop();
      expect(alive(mine.pid as number)).toBe(true);
    } finally {
      mine.kill('SIGKILL');
    }
  });

  it('a holder whose parent is not the daemon named in its tag stops before it mounts anything', () => {
    const top = mkdtempSync(join(tmpdir(), 'bulwark-orphans-'));
    dirs.push(top);
    const [file, ...argv] = bindHolderArgv(
      { setpriv: '/usr/bin/setpriv', unshare: '/usr/bin/unshare' },
      { workspace: top, mountPoint: top, uid: 999, gid: 999 },
      { passwd: '/dev/null', group: '/dev/null' },
      ['/bin/sh', '-c', 'echo STARTED'],
    );
    const holder = (daemonPid: number) =>
      spawnSync(file as string, argv, {
        env: { PATH: '/usr/bin:/bin', [OWNER_VAR]: `0123456789abcdef:${daemonPid}:1` },
        encoding: 'utf8',
      });
    const r = holder(process.pid + 1000000);
    expect(r.status).toBe(125);
    expect(r.stdout).not.toContain('STARTED');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(top);
    // The control: started by the daemon its tag names, the same holder runs the program.
    const ok = holder(process.pid);
    expect(ok.stdout, ok.stderr).toContain('STARTED');
  });
});
