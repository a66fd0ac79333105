/** The config loader on hostile and broken files: a clear error naming the file and the key, nothing changed. */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_YAML, loadConfig, parseConfigText } from '../../src/config/load.js';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../../src/config/sections/gateway.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'bulwark-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
/** A fresh data dir whose config.yaml is `content` (or made by `make`). */
function dataDir(content?: string | Buffer, make?: (file: string) => void): { dir: string; file: string } {
  const dir = path.join(scratch, `d${n++}`);
  mkdirSync(dir, { mode: 0o700 });
  const file = path.join(dir, 'config.yaml');
  if (content !== undefined) writeFileSync(file, content);
  make?.(file);
  return { dir, file };
}

/** Loads, asserts failure, and checks the data dir and the file are exactly as before. */
function expectError(d: { dir: string; file: string }, code: string): string {
  const before = readdirSync(d.dir).sort();
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(d.file);
  } catch {
    bytes = undefined;
  }
  const r = loadConfig(d.dir);
  expect(r.ok).toBe(false);
  if (r.ok) return '';
  expect(r.error.code).toBe(code);
  expect(r.error.message).toContain(d.file);
  expect(r.error.message).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(readdirSync(d.dir).sort()).toEqual(before);
  if (bytes) expect(readFileSync(d.file).equals(bytes)).toBe(true);
  return r.error.message;
}

/** Loads in a child process: before bounded reads, /dev/zero was read forever and a FIFO blocked in open. The kill is a hang guard only. */
function loadInChild(dir: string): { killed: boolean; ok?: boolean; code?: string; message?: string } {
  const script = `import { loadConfig } from './src/config/load.ts';
const r = loadConfig(${JSON.stringify(dir)});
process.stdout.write(JSON.stringify(r.ok ? { ok: true } : { ok: false, code: r.error.code, message: r.error.message }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
    maxBuffer: 1024 * 1024,
  });
  if (r.signal || r.error) return { killed: true };
  if (r.status !== 0) return { killed: false, ok: false, code: 'crash', message: r.stderr.slice(0, 500) };
  return { killed: false, ...(JSON.parse(r.stdout) as { ok: boolean; code?: string; message?: string }) };
}

describe('loadConfig: syntax', () => {
  it('no file means the defaults, including the L18 throttle', () => {
    const r = loadConfig(dataDir().dir);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.server.authFailures).toEqual(DEFAULT_AUTH_FAILURE_LIMIT);
  });

  it('malformed YAML names the file and the line', () => {
    const m = expectError(dataDir('server:\n  port: 80\n   host: x\n  : :\n'), 'config.yaml');
    expect(m).toMatch(/line \d+/);
  });

  it('malformed JSON (YAML flow syntax) names the file', () => {
    expectError(dataDir('{"server": {"port": 80}'), 'config.yaml');
  });

  it('a duplicate key is an error, not last-one-wins', () => {
    const m = expectError(dataDir('server:\n  port: 80\n  port: 81\n'), 'config.yaml');
    expect(m).toMatch(/unique/);
  });

  it('a NUL byte, invalid UTF-8 and a YAML alias bomb are refused', () => {
    expect(expectError(dataDir('server:\n  host: "127.0.0.1\0evil"\n'), 'config.yaml')).toMatch(/line 2.*NUL/);
    expectError(dataDir(Buffer.from([0x73, 0x3a, 0x20, 0xff, 0xfe, 0x0a])), 'config.encoding');
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
      );
    expectError(dataDir(bomb.join('\n') + '\n'), 'config.yaml');
  });

  it('a BOM and CRLF line ends are fine', () => {
    const r = loadConfig(dataDir('\uFEFFserver:\r\n  port: 9000\r\n').dir);
    expect(r.ok && r.value.server.port).toBe(9000);
  });
});

describe('loadConfig: schema', () => {
  it('unknown keys are named with their path', () => {
    const m = expectError(dataDir('server:\n  hots: 0.0.0.0\nagents:\n  - id: a\n    tool: {}\n'), 'config.invalid');
    expect(m).toContain('server: unknown key(s) "hots"');
    expect(m).toContain('agents[0]: unknown key(s) "tool"');
  });

  it('wrong types are named with their path', () => {
    const m = expectError(
      dataDir(
        'server:\n  port: "eighty"\n  authFailures:\n    maxFailures: 0\n    windowMs: 1.5\nagents:\n  - id: a\n    tools: { profile: root }\n',
      ),
      'config.invalid',
    );
    expect(m).toContain('server.port');
    expect(m).toContain('server.authFailures.maxFailures');
    expect(m).toContain('server.authFailures.windowMs');
    expect(m).toContain('agents[0].tools.profile');
  });

  it('the commented authFailures example of the default config is valid and equal to the defaults', () => {
    const uncommented = DEFAULT_CONFIG_YAML.replace('  # authFailures:', '  authFailures:');
    expect(uncommented).not.toBe(DEFAULT_CONFIG_YAML);
    const r = parseConfigText(uncommented, 'default');
    expect(r.ok && r.value.server.authFailures).toEqual(DEFAULT_AUTH_FAILURE_LIMIT);
  });

  it('server.authFailures is strict and takes its fields', () => {
    expect(expectError(dataDir('server:\n  authFailures: { exemptLocalhost: true }\n'), 'config.invalid')).toContain(
      'server.authFailures: unknown key(s) "exemptLocalhost"',
    );
    const r = parseConfigText(
      'server:\n  authFailures: { maxFailures: 5, windowMs: 10000, exemptLoopback: true }\n',
      'x.yaml',
    );
    expect(r.ok && r.value.server.authFailures).toEqual({
      ...DEFAULT_AUTH_FAILURE_LIMIT,
      maxFailures: 5,
      windowMs: 10_000,
      exemptLoopback: true,
    });
  });

  it('a top-level scalar or list is refused, and __proto__ pollutes nothing', () => {
    expectError(dataDir('just a string\n'), 'config.invalid');
    expectError(dataDir('- a\n- b\n'), 'config.invalid');
    const m = expectError(dataDir('__proto__:\n  polluted: true\n'), 'config.invalid');
    expect(m).toContain('__proto__');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('loadConfig: the file itself', () => {
  it('an oversized file is refused before parsing', () => {
    const m = expectError(dataDir(`# ${'x'.repeat(1024 * 1024)}\n`), 'config.too_large');
    expect(m).toMatch(/1 MB/);
  });

  it('a directory in place of the file is refused', () => {
    expect(
      expectError(
        dataDir(undefined, (f) => mkdirSync(f)),
        'config.not_file',
      ),
    ).toMatch(/a directory/);
  });

  it('a dangling symlink is an error, not silently the defaults', () => {
    expect(
      expectError(
        dataDir(undefined, (f) => symlinkSync(path.join(scratch, 'nowhere.yaml'), f)),
        'config.unreadable',
      ),
    ).toMatch(/symbolic link to a missing file/);
  });

  it('a symlink to a regular file is followed', () => {
    const target = path.join(scratch, 'real.yaml');
    writeFileSync(target, 'server:\n  port: 9100\n');
    const r = loadConfig(dataDir(undefined, (f) => symlinkSync(target, f)).dir);
    expect(r.ok && r.value.server.port).toBe(9100);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file names the file', () => {
    const m = expectError(
      dataDir('server: {}\n', (f) => chmodSync(f, 0o000)),
      'config.unreadable',
    );
    expect(m).toMatch(/EACCES|permission/i);
  });

  it('a symlink to /dev/zero or to a FIFO fails fast instead of reading forever or blocking', () => {
    const zero = dataDir(undefined, (f) => symlinkSync('/dev/zero', f));
    const z = loadInChild(zero.dir);
    expect(z.killed).toBe(false);
    expect(z).toMatchObject({ ok: false, code: 'config.not_file' });
    expect(z.message).toContain(zero.file);
    expect(z.message).toContain('character device');

    const fifo = dataDir(undefined, (f) => {
      const made = spawnSync('mkfifo', [f]);
      if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
    });
    const p = loadInChild(fifo.dir);
    expect(p.killed).toBe(false);
    expect(p).toMatchObject({ ok: false, code: 'config.not_file' });
    expect(p.message).toContain('FIFO');
  });
});
