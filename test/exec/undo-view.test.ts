/** The workspace as an undo would leave it (undo-view.ts): redirects applied in undo order, subtrees moved whole. */
import { afterEach, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { undoPlan } from '../../src/exec/effects/undo-view.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function tree(files: Record<string, string>): { ws: string; entry: string } {
  root = mkdtempSync(join(tmpdir(), 'bulwark-undo-view-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return { ws: join(root, 'ws'), entry: join(root, 'entry') };
}

it('a move puts the subtree at its old path, with what earlier steps placed inside it', () => {
  const { ws, entry } = tree({ 'ws/d/a.txt': 'a', 'ws/d/keep.txt': 'k', 'entry/0': 'restored b' });
  const plan = undoPlan(ws, [
    { kind: 'restore', path: 'd/b.txt', entryDir: entry, blob: '0' },
    { kind: 'remove', path: 'd/keep.txt' },
    { kind: 'move', from: 'd', to: 'e/f' },
  ]);
  const v = plan.view;
  expect(v.exists('d')).toBe(false);
  expect(v.list('e')).toEqual(['f']);
  expect(v.list('e/f')).toEqual(['a.txt', 'b.txt']);
  expect(v.readFile('e/f/b.txt')?.toString()).toBe('restored b');
  expect(v.readFile('e/f/a.txt')?.toString()).toBe('a');
  expect(v.exists('e/f/keep.txt')).toBe(false);
  expect(plan.changes).toEqual(
    expect.arrayContaining([
      { path: 'd', kind: 'deleted' },
      { path: 'e', kind: 'dir' },
      { path: 'e/f', kind: 'dir' },
      expect.objectContaining({ path: 'e/f/b.txt', kind: 'file' }),
    ]),
  );
});

it('a restored file carries its mode (an executable hook is judged as one), and a mode step overrides it', () => {
  const { ws, entry } = tree({ 'ws/x': '', 'entry/0': '#!/bin/sh\n' });
  chmodSync(join(entry, '0'), 0o755);
  const plan = undoPlan(ws, [{ kind: 'restore', path: '.git/hooks/pre-commit', entryDir: entry, blob: '0' }]);
  expect(plan.changes).toContainEqual({ path: '.git/hooks/pre-commit', kind: 'file', mode: 0o755 });
  const moded = undoPlan(ws, [{ kind: 'mode', path: 'x', mode: 0o700 }]);
  expect(moded.changes).toContainEqual({ path: 'x', kind: 'mode', mode: 0o700 });
});

it('removing a directory and restoring a file below it leaves a directory with only that file', () => {
  const { ws, entry } = tree({ 'ws/d/old.txt': 'o', 'entry/0': 'n' });
  const v = undoPlan(ws, [
    { kind: 'remove', path: 'd' },
    { kind: 'restore', path: 'd/new.txt', entryDir: entry, blob: '0' },
  ]).view;
  expect(v.isDir('d')).toBe(true);
  expect(v.list('d')).toEqual(['new.txt']);
});
