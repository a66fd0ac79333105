/** The approval hash of a held effect set reads the new contents without holding the event loop. */
import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectSetHash } from '../../src/exec/effects/effect-hash.js';
import { effectSetOf } from './effects-harness.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it('other work runs while a 64 MiB file of holes is hashed, and the hash follows its content', async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-hash-'));
  writeFileSync(join(dir, 'g'), '');
  truncateSync(join(dir, 'g'), 64 * 1024 * 1024);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const pending = effectSetHash('truncate -s 64M g', '.', effectSetOf({ g: 64 * 1024 * 1024 }), dir);
  expect(pending).toBeInstanceOf(Promise);
  const first = await pending;
  clearInterval(timer);
  expect(ticks).toBeGreaterThan(0);
  expect(first).toMatch(/^[0-9a-f]{64}$/);
  writeFileSync(join(dir, 'g'), 'x', { flag: 'r+' });
  expect(await effectSetHash('truncate -s 64M g', '.', effectSetOf({ g: 64 * 1024 * 1024 }), dir)).not.toBe(first);
});
