/** ensureDataDir on paths that cannot become a data dir: a fast, clear error, never a hang. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../../src/config/data-dir.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'bulwark-datadir-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs ensureDataDir in a child process: a recursive mkdir under /proc spins forever inside one
 * synchronous call, which no in-process test timeout can interrupt. The kill is a hang guard only.
 */
function ensureInChild(dir: string): { ok: boolean; code?: string; message?: string; killed: boolean } {
  const script = `import { ensureDataDir } from './src/config/data-dir.ts';
const r = ensureDataDir(${JSON.stringify(dir)});
process.stdout.write(JSON.stringify(r.ok ? { ok: true } : { ok: false, code: r.error.code, message: r.error.message }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (r.signal) return { ok: false, killed: true };
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as { ok: boolean; code?: string; message?: string }), killed: false };
}

describe('ensureDataDir', () => {
  it('fails (not hangs) under /proc, naming the path and the fix', () => {
    const dir = '/proc/self/bulwark-test/home';
    const r = ensureInChild(dir);
    expect(r.killed).toBe(false);
    expect(r.ok).toBe(false);
    expect(r.message).toContain(dir);
    expect(r.message).toContain('BULWARK_HOME');
  });

  it('fails under a regular file, naming the file', () => {
    const file = path.join(scratch, 'plain-file');
    writeFileSync(file, 'x');
    const dir = path.join(file, 'a', 'b');
    const r = ensureDataDir(dir);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('datadir.parent_not_dir');
    expect(r.error.message).toContain(dir);
    expect(r.error.message).toContain(`${file} exists and is not a directory`);
  });

  it('refuses a data dir that is itself a file', () => {
    const file = path.join(scratch, 'home-is-file');
    writeFileSync(file, 'x');
    const r = ensureDataDir(file);
    expect(r.ok).toBe(false);
  });

  it('creates missing levels 0700 and accepts an existing private dir', () => {
    const dir = path.join(scratch, 'x', 'y', 'home');
    const r = ensureDataDir(dir);
    expect(r.ok).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(scratch, 'x')).mode & 0o777).toBe(0o700);
    expect(ensureDataDir(dir).ok).toBe(true);
  });
});
