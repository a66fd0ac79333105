/**
 * Under a root daemon a long-lived service sandbox (an MCP server over stdio) never runs as host root: bwrap started
 * by root maps the sandbox user to host uid 0 whatever --uid says, so the service drops to exec.sandboxUser before
 * bwrap starts (sandbox/service-holder.ts). Seen from the host: its processes are that user's, what it writes in its
 * state dir is that user's, a root-only file in a bound install path stays closed; stop() and a daemon killed with
 * kill -9 leave no process and no mount point.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';
import { ownerTag } from '../../src/exec/orphans.js';
import { SERVICE_POINT_PREFIX } from '../../src/exec/sandbox/service-holder.js';
import { startExec } from '../../src/exec/service.js';

const root = process.getuid?.() === 0;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Running (a zombie is dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** `pid` and every process below it (by parent pid), as the host sees them. */
function tree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const n of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${n}/stat`, 'utf8');
    } catch (cause) {
      // Gone meanwhile.
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT' || (cause as NodeJS.ErrnoException).code === 'ESRCH')
        continue;
      throw cause;
    }
    parents.set(Number(n), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parents) if (pp === out[i]) out.push(p);
  return out.filter(alive);
}

/** Real and effective uid of a process, from the host's /proc. */
function uids(pid: number): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return (line ?? '').split(/\s+/).slice(1, 3).map(Number);
}

/** The bind points of services of the exec service on `runtimeDir` (named after its owner tag: see orphans.ts). */
const points = (runtimeDir: string) =>
  readdirSync('/tmp').filter((n) => n.startsWith(`${SERVICE_POINT_PREFIX}${ownerTag(runtimeDir).split(':')[0]}-`));

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** A data dir only root can enter, holding a server's state dir and its install (with a root-only secret). */
function layout() {
  const top = mkdtempSync(join(tmpdir(), 'bulwark-svc-drop-'));
  dirs.push(top);
  chmodSync(top, 0o700);
  const state = join(top, 'data', 'mcp', 'svc');
  mkdirSync(state, { recursive: true, mode: 0o700 });
  writeFileSync(join(state, 'earlier.txt'), 'from an earlier start\n');
  // A link in the state dir to a root file elsewhere: handing the state dir over never follows it.
  const outside = join(top, 'data', 'outside-secret');
  writeFileSync(outside, 'OUTSIDE\n', { mode: 0o600 });
  symlinkSync(outside, join(state, 'link'));
  // A hard link to it shares its inode: never the state dir's to hand over.
  linkSync(outside, join(state, 'hard'));
  const pkg = join(top, 'data', 'pkg');
  mkdirSync(pkg, { mode: 0o755 });
  writeFileSync(join(pkg, 'readable.txt'), 'READABLE\n', { mode: 0o644 });
  writeFileSync(join(pkg, 'secret'), 'TOP-SECRET\n', { mode: 0o600 });
  chmodSync(join(pkg, 'secret'), 0o600);
  return { top, state, pkg, outside };
}

describe.runIf(root)('a service sandbox drops to the sandbox user (root daemon)', () => {
  it('its processes and files are the sandbox user’s, a root-only file stays closed, stop() leaves nothing', async () => {
    const made = ensureSandboxUser('bulwark-sandbox');
    if (!made.ok) throw new Error(made.error.message);
    const user = made.value;
    const { top, state, pkg, outside } = layout();
    const rt = join(top, 'data', 'run', 'exec');
    const exec = startExec({
      config: ExecConfigSchema.parse({}),
      runtimeDir: rt,
      parkedSandboxes: 0,
      bus: new EventBus(),
    });
    if (!exec.ok) throw new Error(exec.error.message);
    try {
      expect(exec.value.serviceRunAs).toEqual({ uid: user.uid, gid: user.gid });
      const script = [
        `cat ${pkg}/readable.txt`,
        `cat ${pkg}/secret 2>&1`,
        'echo made > "$HOME/made.txt"',
        'cat "$HOME/earlier.txt"',
        'echo ready',
        'read x',
      ].join('; ');
      const started = exec.value.startService!({
        name: 'dropper',
        stateDir: state,
        readOnlyPaths: [pkg],
        argv: ['/bin/sh', '-c', script],
        env: {},
        limits: ExecConfigSchema.parse({}).limits,
      });
      if (!started.ok) throw new Error(started.error.message);
      const svc = started.value;
      let out = '';
      let errText = '';
      svc.child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
      svc.child.stderr?.on('data', (c: Buffer) => (errText += c.toString('utf8')));
      const exited = new Promise((r) => svc.child.once('exit', r));
      try {
        await until(() => out.includes('ready') || svc.child.exitCode !== null, `the service (${errText})`);
        expect(out, errText).toContain('ready');
        expect(out).toContain('READABLE');
        expect(out).toContain('from an earlier start');
        expect(out).not.toContain('TOP-SECRET');
        expect(out).toMatch(/secret: Permission denied/);
        // From the host: every process of the sandbox (bwrap, the shell) runs as the sandbox user, none as root. The
        // one root process is the holder's `unshare` (the child the daemon spawned): outside the holder's PID
        // namespace and outside the service's cgroup, it only waits for the namespace's first process (bwrap, once
        // the holder has dropped) and takes the whole namespace down with it when it dies.
        const procs = tree(svc.child.pid as number).filter((p) => p !== svc.child.pid);
        expect(procs.length).toBeGreaterThan(1);
        for (const p of procs) expect(uids(p)).toEqual([user.uid, user.uid]);
        expect(readFileSync(`/proc/${svc.child.pid}/cmdline`, 'utf8').split('\0')).toContain('--kill-child');
        if (svc.cgroupDir) {
          const inCgroup = readFileSync(join(svc.cgroupDir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
          expect(inCgroup.map(Number).sort()).toEqual([...procs].sort());
        }
        // What it wrote in its state dir, and what was there, is its own; the links' target stays root's.
        expect(lstatSync(join(state, 'made.txt')).uid).toBe(user.uid);
        expect(lstatSync(join(state, 'earlier.txt')).uid).toBe(user.uid);
        expect(lstatSync(join(state, 'link')).uid).toBe(user.uid);
        expect(lstatSync(outside).uid).toBe(0);
        // The install tree stays root's.
        expect(lstatSync(join(pkg, 'readable.txt')).uid).toBe(0);
        // One bind point on the host while it runs, empty there (its mounts live in the holder's namespace).
        const during = points(rt);
        expect(during).toHaveLength(1);
        expect(readdirSync(join('/tmp', during[0] as string))).toEqual([]);

        svc.stop();
        await exited;
        await until(() => procs.every((p) => !alive(p)), 'the sandbox to die');
        await until(() => points(rt).length === 0, 'the bind point to go');
        if (svc.cgroupDir) await until(() => !existsSync(svc.cgroupDir as string), 'the cgroup to go');
      } finally {
        svc.stop();
      }
    } finally {
      exec.value.stop();
    }
  });

  it('refuses, naming why, and changes nothing: an install the user cannot read, a broker session of another uid', async () => {
    const made = ensureSandboxUser('bulwark-sandbox');
    if (!made.ok) throw new Error(made.error.message);
    const { top, state, pkg } = layout();
    const rt = join(top, 'data', 'run', 'exec');
    const exec = startExec({
      config: ExecConfigSchema.parse({}),
      runtimeDir: rt,
      parkedSandboxes: 0,
      bus: new EventBus(),
    });
    if (!exec.ok) throw new Error(exec.error.message);
    // A broker socket of the daemon's own (a session opened without runAs).
    const sock = join(top, 'broker.sock');
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const base = {
        name: 'closed',
        stateDir: state,
        argv: ['/bin/true'],
        env: {},
        limits: ExecConfigSchema.parse({}).limits,
      };
      chmodSync(pkg, 0o700);
      const unreadable = exec.value.startService!({ ...base, readOnlyPaths: [pkg] });
      expect(unreadable.ok).toBe(false);
      if (!unreadable.ok) {
        expect(unreadable.error.code).toBe('exec.service.unreadable');
        expect(unreadable.error.message).toContain(`cannot read ${pkg}`);
      }
      chmodSync(pkg, 0o755);
      const wrongSession = exec.value.startService!({
        ...base,
        readOnlyPaths: [],
        broker: {
          access: { sockets: [{ host: sock, inside: '/run/bulwark/broker.sock' }], files: [], env: {} },
          wrapCommand: (argv) => [...argv],
          close: async () => undefined,
        },
      });
      expect(wrongSession.ok).toBe(false);
      if (!wrongSession.ok) expect(wrongSession.error.code).toBe('exec.service.broker_owner');
      // Nothing was handed over or left behind.
      expect(lstatSync(join(state, 'earlier.txt')).uid).toBe(0);
      expect(points(rt)).toEqual([]);
    } finally {
      server.close();
      exec.value.stop();
    }
  });

  it('without the sandbox user it runs as today (host root) and says so', () => {
    const { top } = layout();
    const exec = startExec({
      config: ExecConfigSchema.parse({ sandboxUser: 'no-such-user-here' }),
      runtimeDir: join(top, 'data', 'run', 'exec'),
      parkedSandboxes: 0,
      bus: new EventBus(),
    });
    if (!exec.ok) throw new Error(exec.error.message);
    try {
      expect(exec.value.serviceRunAs).toBeUndefined();
      expect(exec.value.log.map((l) => l.message).join('\n')).toMatch(
        /exec\.sandboxUser "no-such-user-here" does not exist: MCP stdio servers run as host root/,
      );
      const l115 = exec.value.layers().find((l) => l.id === 'L11.5');
      expect(l115?.state).toBe('degraded');
      expect(l115?.reason).toContain('MCP stdio servers run as host root');
    } finally {
      exec.value.stop();
    }
  });
});

const service = pathToFileURL(join(process.cwd(), 'src/exec/service.ts')).href;
const config = pathToFileURL(join(process.cwd(), 'src/config/sections/exec.ts')).href;
const events = pathToFileURL(join(process.cwd(), 'src/core/events.ts')).href;

/** A daemon that starts one dropped service and reports its pid, then waits to be killed. */
const DAEMON = `
import { startExec } from ${JSON.stringify(service)};
import { ExecConfigSchema } from ${JSON.stringify(config)};
import { EventBus } from ${JSON.stringify(events)};
const [rt, state] = process.argv.slice(-2);
const exec = startExec({ config: ExecConfigSchema.parse({}), runtimeDir: rt, parkedSandboxes: 0, bus: new EventBus() });
if (!exec.ok) { console.error(exec.error.message); process.exit(2); }
const s = exec.value.startService({ name: 'orphan', stateDir: state, readOnlyPaths: [], argv: ['/bin/sh', '-c', 'echo up; exec sleep 600'], env: {}, limits: ExecConfigSchema.parse({}).limits });
if (!s.ok) { console.error(s.error.message); process.exit(2); }
s.value.child.stdout.once('data', () => console.log('ready ' + s.value.child.pid));
setInterval(() => undefined, 1000);
`;

describe.runIf(root)('a dropped service and a daemon killed with kill -9', () => {
  it('the service dies with the daemon; the next start removes the bind point it left', async () => {
    const made = ensureSandboxUser('bulwark-sandbox');
    if (!made.ok) throw new Error(made.error.message);
    const { top, state } = layout();
    const rt = join(top, 'data', 'run', 'exec');
    const daemon = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', DAEMON, rt, state], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let errText = '';
    daemon.stdout.on('data', (c: Buffer) => (out += c.toString()));
    daemon.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    try {
      await until(() => /ready \d+/.test(out) || daemon.exitCode !== null, 'the daemon', 30_000);
      const pid = Number(/ready (\d+)/.exec(out)?.[1]);
      expect(pid, errText).toBeGreaterThan(0);
      const procs = tree(pid);
      expect(procs.length).toBeGreaterThan(1);
      const left = points(rt);
      expect(left).toHaveLength(1);

      daemon.kill('SIGKILL');
      await new Promise((r) => daemon.once('exit', r));
      await until(() => procs.every((p) => !alive(p)), 'the service to die with its daemon');
      // Killed with the daemon, nothing removed its point: the next start of the same data dir does.
      expect(existsSync(join('/tmp', left[0] as string))).toBe(true);
      const again = startExec({
        config: ExecConfigSchema.parse({}),
        runtimeDir: rt,
        parkedSandboxes: 0,
        bus: new EventBus(),
      });
      if (!again.ok) throw new Error(again.error.message);
      again.value.stop();
      expect(existsSync(join('/tmp', left[0] as string))).toBe(false);
      expect(again.value.log.map((l) => l.message).join('\n')).toContain(
        `removed the empty mount point /tmp/${left[0]}`,
      );
    } finally {
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
  });
});
