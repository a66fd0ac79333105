/**
 * When an upper layer of directories only may be read without its xattrs (src/exec/effects/plain-dirs.ts): the
 * merged view must show exactly the workspace at each upper directory. Here the "merged view" is a plain directory
 * whose files are hard links of the workspace's (the same inodes, as overlayfs shows lower files).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { showsWorkspaceOnly } from '../../src/exec/effects/plain-dirs.js';

let root: string;
let ws: string;
let upper: string;
let merged: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-plain-dirs-'));
  [ws, upper, merged] = ['ws', 'upper', 'merged'].map((n) => join(root, n)) as [string, string, string];
  for (const d of [ws, upper, merged]) mkdirSync(d);
  mkdirSync(join(ws, '.git', 'refs'), { recursive: true });
  writeFileSync(join(ws, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(ws, 'a.txt'), 'a\n');
  // After a lock file made and removed: .git copied up, empty in the upper layer.
  mkdirSync(join(upper, '.git'));
  mkdirSync(join(merged, '.git', 'refs'), { recursive: true });
  linkSync(join(ws, '.git', 'HEAD'), join(merged, '.git', 'HEAD'));
  linkSync(join(ws, 'a.txt'), join(merged, 'a.txt'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const shows = () => showsWorkspaceOnly({ upper, merged, workspace: ws });

describe('an upper layer of directories only', () => {
  it('is plain when every upper directory shows the workspace’s own entries', () => {
    expect(shows()).toBe(true);
  });

  it('is not when a workspace entry is hidden (an opaque directory)', () => {
    rmSync(join(merged, '.git', 'HEAD'));
    expect(shows()).toBe(false);
  });

  it('is not when a visible file is another file of the same name (a redirected directory)', () => {
    rmSync(join(merged, '.git', 'HEAD'));
    writeFileSync(join(merged, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    expect(shows()).toBe(false);
  });

  it('is not when the merged view shows a name the workspace does not have there', () => {
    writeFileSync(join(merged, 'extra'), 'x');
    expect(shows()).toBe(false);
  });

  it('is not when every workspace entry of a directory is shadowed (opaque or not cannot be told)', () => {
    rmSync(join(ws, '.git', 'HEAD'));
    rmSync(join(merged, '.git', 'HEAD'));
    mkdirSync(join(upper, '.git', 'refs'));
    expect(shows()).toBe(false);
  });

  it('is plain for a new directory, and one over an empty workspace directory', () => {
    mkdirSync(join(upper, 'new', 'deeper'), { recursive: true });
    mkdirSync(join(merged, 'new', 'deeper'), { recursive: true });
    mkdirSync(join(ws, 'empty'));
    mkdirSync(join(upper, 'empty'));
    mkdirSync(join(merged, 'empty'));
    expect(shows()).toBe(true);
  });
});
