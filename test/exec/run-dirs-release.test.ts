/**
 * A run's per-run directories (a view's run directory and mount point, a bind point, a copy of read-only trees) are
 * removed after its result, in the background: release() returns at once and its promise says when they are gone.
 * One that cannot be removed is reported, not thrown into an unhandled rejection.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunHandle } from '../../src/exec/run-handle.js';

const top = mkdtempSync(join(tmpdir(), 'bulwark-run-dirs-'));
afterAll(() => {
  spawnSync('chattr', ['-R', '-i', top]);
  rmSync(top, { recursive: true, force: true });
});

/** A directory with a file and a subdirectory, as a view's run directory has. */
function runDir(name: string): string {
  const d = join(top, name);
  mkdirSync(join(d, 't'), { recursive: true });
  writeFileSync(join(d, 'status'), 'done\n');
  return d;
}

const canChattr = process.getuid?.() === 0 && spawnSync('chattr', ['-V']).status !== null;

describe("a run's directories", () => {
  it('are still there when release() returns and gone once it resolves', async () => {
    const problems: string[] = [];
    const handle = new RunHandle(undefined, undefined, (o, r) => problems.push(`${o}: ${r}`));
    const dirs = [runDir('a'), runDir('b')];
    for (const d of dirs) handle.holdDir(d);
    const released = handle.release();
    expect(dirs.filter((d) => existsSync(d))).toEqual(dirs);
    await released;
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it.skipIf(!canChattr)('one that cannot be removed is reported; the others are removed', async () => {
    const problems: string[] = [];
    const handle = new RunHandle(undefined, undefined, (o, r) => problems.push(`${o}: ${r}`));
    const stuck = runDir('stuck');
    const fine = runDir('fine');
    expect(spawnSync('chattr', ['+i', join(stuck, 'status')]).status).toBe(0);
    handle.holdDir(stuck);
    handle.holdDir(fine);
    await expect(handle.release()).resolves.toBeUndefined();
    expect(existsSync(fine)).toBe(false);
    expect(existsSync(join(stuck, 'status'))).toBe(true);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^cleanup-failed: cannot remove the run's directory .*stuck/);
  });
});
