/**
 * The leak check of a run's new content (L11.7, issue 14's "the leak index scans the effect set before apply") reads
 * it without holding the daemon's event loop: a run may write up to its quota, and the scan of hundreds of MiB must
 * not stop other sessions, the gateway or streaming answers. Also: what the upper layer holds is never followed
 * (a symlink) or waited on (a fifo), whatever the effect claims.
 */
import { afterEach, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decide, type EffectPolicy } from '../../src/exec/effects/decide.js';
import { PathGlobs } from '../../src/exec/effects/path-globs.js';
import { effectSetOf } from './effects-harness.js';
import { fsTreeView } from '../../src/exec/host-executed/index.js';

const SECRET = 'leak-check-value-Zq8Lm2Xp9Rt4';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const policy: EffectPolicy = {
  holdOverFiles: 50,
  disposable: new PathGlobs([]),
  leakCheck: (text) => (text.includes(SECRET) ? 'VAULT_VALUE' : undefined),
};

function views(upper: string, workspace: string) {
  return { after: fsTreeView(upper), before: fsTreeView(workspace) };
}

it('other work runs while 24 MiB of new content is scanned, and a value at its end is still found', async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-leak-scan-'));
  const upper = join(dir, 'upper');
  const ws = join(dir, 'ws');
  spawnSync('mkdir', ['-p', upper, ws]);
  const filler = 'x'.repeat(8 * 1024 * 1024);
  writeFileSync(join(upper, 'a.txt'), filler);
  writeFileSync(join(upper, 'b.txt'), filler);
  writeFileSync(join(upper, 'c.txt'), `${filler}\n${SECRET}\n`);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const pending = decide(
    effectSetOf({ 'a.txt': filler.length, 'b.txt': filler.length, 'c.txt': filler.length + SECRET.length + 2 }),
    upper,
    views(upper, ws),
    policy,
    new Set(),
  );
  expect(pending).toBeInstanceOf(Promise);
  const verdict = await pending;
  clearInterval(timer);
  expect(ticks).toBeGreaterThan(0);
  expect(verdict).toMatchObject({ verdict: 'refuse', rule: 'leak-index', path: 'c.txt' });
});

it('a fifo or a symlink where the effect set says a new file is neither waited on nor followed', async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-leak-scan-'));
  const upper = join(dir, 'upper');
  const ws = join(dir, 'ws');
  spawnSync('mkdir', ['-p', upper, ws]);
  expect(spawnSync('mkfifo', [join(upper, 'pipe')]).status).toBe(0);
  const outside = join(dir, 'outside.txt');
  writeFileSync(outside, `${SECRET}\n`);
  symlinkSync(outside, join(upper, 'link'));
  const verdict = await decide(effectSetOf({ pipe: 0, link: 0 }), upper, views(upper, ws), policy, new Set());
  expect(verdict.verdict).toBe('apply');
});
