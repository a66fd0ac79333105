/** The built `bulwark` binary: init, tokens, layers, config errors, start/stop as a child process, chat from stdin. */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { startE2E, type E2E } from '../e2e/support.js';
import { BIN, childEnv, ensureBuilt, ROOT, run } from './binary.js';

// Each test spawns the binary several times (about a second each, more on a loaded machine).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });
beforeAll(() => ensureBuilt(), 180_000);

function home(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-cli-')), 'home');
}

const NO_STACK = /\n\s+at .+:\d+:\d+/;

describe('bulwark init', () => {
  it('creates a 0700 data dir, a 0600 default config and prints the first token once', async () => {
    const h = home();
    const r = await run(['init'], { BULWARK_HOME: h });
    expect(r.code).toBe(0);
    const token = /bwk_[A-Za-z0-9_-]{43}/.exec(r.stdout)?.[0];
    expect(token).toBeDefined();
    expect(r.stdout).toContain('shown ONCE');
    expect(statSync(h).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(h, 'config.yaml')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(h, 'config.yaml'), 'utf8')).toContain('host: 127.0.0.1');
    const again = await run(['init'], { BULWARK_HOME: h });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/bwk_/);
    expect(again.stdout).toContain('already exist');
    const list = JSON.parse((await run(['token', 'list', '--json'], { BULWARK_HOME: h })).stdout) as Array<{
      scopes: string[];
    }>;
    expect(list).toHaveLength(1);
    expect(list[0]?.scopes).toEqual(['chat', 'admin']);
  });

  it('refuses a data dir that others can write', async () => {
    const h = home();
    await run(['init'], { BULWARK_HOME: h });
    chmodSync(h, 0o777);
    const r = await run(['token', 'list'], { BULWARK_HOME: h });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('chmod 700');
  });
});

describe('bulwark token', () => {
  it('create, list (never the token), revoke', async () => {
    const h = home();
    const created = await run(['token', 'create', '--name', 'laptop', '--scopes', 'chat', '--json'], {
      BULWARK_HOME: h,
    });
    expect(created.code).toBe(0);
    const t = JSON.parse(created.stdout) as { id: string; token: string; scopes: string[]; name: string };
    expect(t.token).toMatch(/^bwk_/);
    expect(t).toMatchObject({ name: 'laptop', scopes: ['chat'] });

    const list = await run(['token', 'list'], { BULWARK_HOME: h });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(t.id);
    expect(list.stdout).not.toContain(t.token);
    const listJson = await run(['token', 'list', '--json'], { BULWARK_HOME: h });
    expect(listJson.stdout).not.toContain(t.token);

    const revoked = await run(['token', 'revoke', t.id], { BULWARK_HOME: h });
    expect(revoked.code).toBe(0);
    const after = JSON.parse((await run(['token', 'list', '--json'], { BULWARK_HOME: h })).stdout) as Array<{
      id: string;
      revokedAt: string | null;
    }>;
    expect(after.find((x) => x.id === t.id)?.revokedAt).toMatch(/^\d{4}-/);

    const unknown = await run(['token', 'revoke', 'tok_nope'], { BULWARK_HOME: h });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('bulwark token list');
    const badScope = await run(['token', 'create', '--scopes', 'chat,root'], { BULWARK_HOME: h });
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain('"root"');
    expect(badScope.stderr).not.toMatch(NO_STACK);
  });
});

describe('bulwark layers and config', () => {
  it('layers --json lists all 27 with honest states', async () => {
    const r = await run(['layers', '--json'], { BULWARK_HOME: home() });
    expect(r.code).toBe(0);
    const layers = JSON.parse(r.stdout) as Array<{
      id: string;
      name: string;
      category: string;
      state: string;
      reason: string;
    }>;
    expect(layers).toHaveLength(27);
    expect(layers.map((l) => l.id)).toEqual(Array.from({ length: 27 }, (_, i) => `L${String(i + 1).padStart(2, '0')}`));
    expect(layers.find((l) => l.id === 'L18')?.state).toBe('on');
    for (const l of layers) expect(['on', 'off', 'degraded', 'absent']).toContain(l.state);
    const table = await run(['layers'], { BULWARK_HOME: home() });
    expect(table.stdout).toMatch(/L18\s+Bearer token auth\s+transport\s+on/);
  });

  it("layers shows each agent's approvals.strangers (L13) and budgets.strangersShare (L21)", async () => {
    const h = home();
    mkdirSync(h, { mode: 0o700 });
    writeFileSync(
      path.join(h, 'config.yaml'),
      'agents:\n  - id: default\n    approvals: { strangers: deny }\n    budgets: { strangersShare: 0.2 }\n  - id: helper\n',
    );
    const r = await run(['layers', '--json'], { BULWARK_HOME: h });
    expect(r.code).toBe(0);
    const layers = JSON.parse(r.stdout) as Array<{ id: string; reason: string }>;
    expect(layers.find((l) => l.id === 'L13')?.reason).toContain(
      "strangers' tool calls (approvals.strangers): default deny, helper ask",
    );
    expect(layers.find((l) => l.id === 'L21')?.reason).toContain(
      "strangers' share of perHour/perDay (budgets.strangersShare): default 20 %, helper 50 %",
    );
    const table = await run(['layers'], { BULWARK_HOME: h });
    expect(table.stdout).toMatch(/L13\s+Approval gates.*default deny, helper ask/);
    expect(table.stdout).toMatch(/L21\s+Budget guard.*default 20 %, helper 50 %/);
  });

  it('config show prints the effective config', async () => {
    const h = home();
    await run(['init'], { BULWARK_HOME: h });
    const r = await run(['config', 'show', '--json'], { BULWARK_HOME: h });
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout) as { server: { port: number; bodyLimitBytes: number } };
    expect(config.server).toMatchObject({ port: 8787, bodyLimitBytes: 1024 * 1024 });
  });

  it('config show never prints a key pasted into the config', async () => {
    const h = home();
    await run(['init'], { BULWARK_HOME: h });
    const pasted = 'ghp_' + 'Zq8Lw3Rt5Yp1Nc7Vb2Mx9Kd4Hs6Jf0Ga3Ue8';
    writeFileSync(
      path.join(h, 'config.yaml'),
      `agents:\n  - id: default\n    systemPrompt: "use the token ${pasted} for GitHub"\n`,
    );
    for (const args of [
      ['config', 'show'],
      ['config', 'show', '--json'],
    ]) {
      const r = await run(args, { BULWARK_HOME: h });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('use the token');
      expect(r.stdout).not.toContain(pasted);
    }
  });

  it('an invalid config.yaml: exit 1 and a message naming the key, for config show, layers and start', async () => {
    const h = home();
    await run(['init'], { BULWARK_HOME: h });
    writeFileSync(path.join(h, 'config.yaml'), 'server:\n  port: "eighty"\n  hots: 0.0.0.0\n');
    for (const args of [['config', 'show'], ['layers'], ['start', '--port', '0']]) {
      const r = await run(args, { BULWARK_HOME: h });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('server.port');
      expect(r.stderr).toContain('"hots"');
      expect(r.stderr).toContain('config.yaml');
      expect(r.stderr).not.toMatch(NO_STACK);
    }
  });

  it('--help everywhere, with examples; unknown commands exit non-zero', async () => {
    for (const args of [
      ['--help'],
      ['init', '--help'],
      ['start', '--help'],
      ['chat', '--help'],
      ['token', '--help'],
      ['token', 'create', '--help'],
      ['layers', '--help'],
      ['config', 'show', '--help'],
    ]) {
      const r = await run(args, { BULWARK_HOME: home() });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: bulwark/);
      if (args[0] !== 'token' || args.length === 2) expect(r.stdout).toMatch(/Example/);
    }
    const bad = await run(['frobnicate'], { BULWARK_HOME: home() });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown command');
  });
});

describe('bulwark start', () => {
  it('first run initialises, serves /health, and exits 0 on SIGTERM after auditing daemon:stopped', async () => {
    const h = home();
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0'], {
      cwd: ROOT,
      env: childEnv({ BULWARK_HOME: h }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    // The start block is written line by line: under load its last lines arrive after the first.
    await expect.poll(() => out.includes('stop with Ctrl-C'), { timeout: 20_000 }).toBe(true);
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    expect(out).toMatch(/bwk_[A-Za-z0-9_-]{43}/);
    expect(out).toMatch(/layers: \d+ on, \d+ off, \d+ degraded, \d+ absent/);
    expect(out).toContain('L18 Bearer token auth');
    expect(out).toMatch(/agents \(model names on \/v1\): default\n\s+no provider yet: default;/);
    expect(out).toContain(path.join(h, 'bulwark.log'));
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect({ code, signal, err }).toMatchObject({ code: 0, signal: null });
    expect(out).toContain('bulwark stopped');
    const audit = readFileSync(path.join(h, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(audit.filter((e) => e.type.startsWith('daemon:')).map((e) => e.type)).toEqual([
      'daemon:started',
      'daemon:stopped',
    ]);
    expect(audit.at(-1)?.type).toBe('daemon:stopped');
    expect(existsSync(path.join(h, 'bulwark.log'))).toBe(true);
  }, 60_000);

  it('a bad --port is refused with a clear message', async () => {
    const r = await run(['start', '--port', '99999'], { BULWARK_HOME: home() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--port');
  });
});

describe('bulwark chat', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E(
      'openai',
      scriptFrom([
        reply.text('first answer'),
        reply.toolCall('write', { path: 'n.txt', content: 'x' }),
        (req) =>
          reply.text(`second answer after ${req.messages.filter((m) => m.role === 'user').length} user messages`),
      ]),
    );
  });
  afterAll(async () => e2e.close());

  it('reads one message per line from a pipe, streams answers to stdout and keeps the session', async () => {
    const r = await run(
      ['chat', '--url', e2e.daemon.url],
      { BULWARK_HOME: e2e.dir, BULWARK_TOKEN: e2e.token },
      'hello\n\nwrite a file\n',
    );
    expect(r.stderr).toContain('[tool write');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('first answer\nsecond answer after 2 user messages\n');
    expect(readFileSync(path.join(e2e.workspace, 'n.txt'), 'utf8')).toBe('x');
  }, 30_000);

  it('a bad token: exit 1 and the daemon’s message', async () => {
    const r = await run(
      ['chat', '--url', e2e.daemon.url, '--agent', 'default'],
      { BULWARK_HOME: e2e.dir, BULWARK_TOKEN: 'bwk_' + 'A'.repeat(43) },
      'hi\n',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not valid');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('no token: exit 1 naming BULWARK_TOKEN', async () => {
    const r = await run(['chat', '--url', e2e.daemon.url], { BULWARK_HOME: e2e.dir }, 'hi\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BULWARK_TOKEN');
  });

  it('no daemon: exit 1 saying so', async () => {
    const r = await run(
      ['chat', '--url', 'http://127.0.0.1:9'],
      { BULWARK_HOME: e2e.dir, BULWARK_TOKEN: e2e.token },
      'hi\n',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bulwark start');
  });
});

describe('bulwark chat and a hostile model', () => {
  let e2e: E2E;
  beforeAll(async () => {
    // OSC 52 (set the clipboard), a screen clear and a bidi override, as a compromised model might send them.
    e2e = await startE2E(
      'openai',
      scriptFrom([reply.text('before\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2Jafter\u202Eevil')]),
    );
  });
  afterAll(async () => e2e.close());

  it('never passes terminal control sequences from the model to the terminal', async () => {
    const r = await run(['chat', '--url', e2e.daemon.url], { BULWARK_HOME: e2e.dir, BULWARK_TOKEN: e2e.token }, 'hi\n');
    expect(r.code).toBe(0);
    for (const c of ['\u001b', '\u0007', '\u202e']) expect(r.stdout.includes(c)).toBe(false);
    expect(r.stdout).toContain('before\\u001b]52;c;cm0gLXJmIH4=\\u0007\\u001b[2Jafter\\u202eevil');
  }, 30_000);
});

describe('bulwark chat cancellation', () => {
  let slow: E2E;
  beforeAll(async () => {
    slow = await startE2E(
      'openai',
      // The first chunk is long: L02 holds back the tail of a stream until it has scanned it.
      scriptFrom([
        reply.text('', {
          chunks: [`part one ${'once upon a time '.repeat(60)}`, ' part two', ' part three'],
          chunkDelayMs: 3000,
        }),
        reply.text('short answer'),
      ]),
    );
  });
  afterAll(async () => slow.close());

  it('SIGINT cancels the current answer; the next line is answered', async () => {
    const child = spawn(process.execPath, [BIN, 'chat', '--url', slow.daemon.url, '--agent', 'default'], {
      cwd: ROOT,
      env: childEnv({ BULWARK_HOME: slow.dir, BULWARK_TOKEN: slow.token }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdin.write('tell me a long story\n');
    await expect.poll(() => out, { timeout: 15_000 }).toContain('part one');
    child.kill('SIGINT');
    await expect.poll(() => err, { timeout: 5_000 }).toContain('[answer cancelled]');
    child.stdin.end('and now?\n');
    expect(await exited).toBe(0);
    expect(out).not.toContain('part three');
    expect(out).toContain('short answer');
    expect(slow.fake.calls).toBe(2);
  }, 60_000);
});
