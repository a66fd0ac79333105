/**
 * The built binary: one daemon per data dir (the second names the first; a killed one's lock is taken over),
 * files another user owns refused by `start` and `doctor` alike, a non-loopback bind refused without the explicit
 * opt-in, and a closed stdout ending a command quietly with exit code 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon } from '../../src/daemon.js';
import { BIN, ROOT, childEnv, ensureBuilt, run } from './binary.js';

beforeAll(() => ensureBuilt(), 120_000);

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function home(config = 'server: { port: 0 }\n'): string {
  const h = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-hard-')), 'home');
  mkdirSync(h, { mode: 0o700 });
  writeFileSync(path.join(h, 'config.yaml'), config, { mode: 0o600 });
  return h;
}

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  out(): string;
  err(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startChild(h: string, args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', ...args], {
    cwd: ROOT,
    env: childEnv({ BULWARK_HOME: h }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // "stop with Ctrl-C" is the last line printed before the signal handlers are in place.
  await expect.poll(() => (out.includes('stop with Ctrl-C') ? out : err), { timeout: 20_000 }).toBeTruthy();
  const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
  if (!url) throw new Error(`the daemon did not start:\n${out}\n${err}`);
  return { child, url, out: () => out, err: () => err, exited };
}

describe('one daemon per data dir', () => {
  it('a second daemon is refused, naming the running one; a killed daemon leaves no lock behind', async () => {
    const h = home();
    const first = await startChild(h);
    const pid = first.child.pid as number;

    const second = await run(['start', '--port', '0'], { BULWARK_HOME: h });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another bulwark daemon (pid ${pid}`);
    expect(second.stderr).toContain(h);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    await expect(startDaemon({ dataDir: h, port: 0 })).rejects.toThrow(`pid ${pid}`);

    // SIGKILL: no shutdown code runs, the pid file stays; the kernel lock ends with the process.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(readFileSync(path.join(h, 'bulwark.pid'), 'utf8')).toContain(String(pid));
    const again = await startDaemon({ dataDir: h, port: 0 });
    try {
      expect((await fetch(`${again.url}/health`)).status).toBe(200);
      expect(readFileSync(path.join(h, 'bulwark.log'), 'utf8')).toContain(
        `took over the data dir from pid ${pid}, which is no longer running`,
      );
    } finally {
      await again.close();
    }
  }, 60_000);
});

describe.skipIf(!asRoot)('files another user owns (as root, handed to uid 1234)', () => {
  it('start and doctor both refuse, naming the file and the fix', async () => {
    const h = home();
    const config = path.join(h, 'config.yaml');
    chownSync(config, 1234, 1234);
    const start = await run(['start', '--port', '0'], { BULWARK_HOME: h });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`config file ${config} belongs to uid 1234`);
    expect(start.stderr).toContain(`chown 0 ${config}`);
    const doctor = await run(['doctor'], { BULWARK_HOME: h });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(config);
    expect(doctor.stdout).toContain(`chown 0 ${config}`);
  }, 60_000);
});

describe('binding beyond loopback', () => {
  it('is refused without server.insecure, naming both keys; allowed with it, with a warning', async () => {
    const refused = await run(['start', '--port', '0', '--host', '0.0.0.0'], { BULWARK_HOME: home() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('server.host is "0.0.0.0"');
    expect(refused.stderr).toContain('server.insecure: true');

    const allowed = await startChild(home('server: { port: 0, insecure: true }\n'), ['--host', '0.0.0.0']);
    expect(allowed.out()).toContain('warning: 0.0.0.0 is not a loopback address and server.insecure is set');
    allowed.child.kill('SIGTERM');
    expect(await allowed.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('an IPv4-mapped loopback address is loopback to start as to the bind check: no warning, insecure unset', async () => {
    const mapped = await startChild(home(), ['--host', '::ffff:127.0.0.1']);
    expect(mapped.url).toMatch(/^http:\/\/\[::ffff:127\.0\.0\.1\]:\d+$/);
    expect((await fetch(`${mapped.url}/health`)).status).toBe(200);
    expect(mapped.out()).not.toContain('warning');
    mapped.child.kill('SIGTERM');
    expect(await mapped.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('a closed stdout', () => {
  it('ends --help and long output quietly with exit code 0 (no EPIPE stack)', async () => {
    for (const args of [['--help'], ['layers', '--json', '--offline'], ['secrets', 'rotate-key', '--help']]) {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: ROOT,
        env: childEnv({ BULWARK_HOME: home() }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // The reader goes away before the first byte is written.
      child.stdout.destroy();
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect({ args, code }).toEqual({ args, code: 0 });
      expect(err).not.toMatch(/EPIPE|\n\s+at /);
    }
    const piped = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" --help | head -3`], {
      cwd: ROOT,
      env: childEnv({ BULWARK_HOME: home() }),
      encoding: 'utf8',
    });
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/^Usage: bulwark/);
  }, 60_000);

  it('a daemon whose stdout reader went away (`bulwark start | head -1`) still stops cleanly', async () => {
    const h = home();
    const started = await startChild(h);
    started.child.stdout.destroy();
    // Its next write ("received SIGTERM, shutting down") meets the closed pipe in the middle of the shutdown.
    started.child.kill('SIGTERM');
    const { code } = await started.exited;
    expect(code).toBe(0);
    expect(started.err()).not.toMatch(/EPIPE|\n\s+at /);
    const audit = readFileSync(path.join(h, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"daemon:stopped"');
  }, 60_000);
});
