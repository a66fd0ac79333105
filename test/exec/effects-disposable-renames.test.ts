/**
 * A rename out of the user's files into a disposable path (exec.disposable: caches, build output) counts as deleting
 * them (gate L11.7): later runs may remove disposable paths without asking and without the journal. Held, and once
 * approved the pre-images are kept, so `bulwark workspace undo` brings them back; a path undo cannot restore is a
 * failure that names it, never counted as restored. Through the real program: `bulwark sandbox run` on
 * copy-on-write views and `bulwark workspace undo` on the real journal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli-in-process.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-disposable-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh workspace with user files, owned by the sandbox user as `bulwark init` would leave it. */
function workspace(name: string): string {
  const ws = join(root, name);
  mkdirSync(join(ws, 'src', 'lib'), { recursive: true });
  writeFileSync(join(ws, 'src', 'main.c'), 'int main(){}\n');
  writeFileSync(join(ws, 'src', 'lib', 'util.c'), 'void u(){}\n');
  writeFileSync(join(ws, 'a.txt'), 'alpha\n');
  execFileSync('chown', ['-R', 'bulwark-sandbox:', ws]);
  return ws;
}

const cli = (args: string[]) => runCliInProcess(join(root, 'data'), args);
const run = (ws: string, apply: string, command: string) =>
  cli(['sandbox', 'run', '--workspace', ws, '--apply', apply, '--', command]);
const undo = (ws: string) => cli(['workspace', 'undo', '--to', '2000-01-01T00:00:00Z', '--workspace', ws]);
const read = (ws: string, p: string) => (existsSync(join(ws, p)) ? readFileSync(join(ws, p), 'utf8') : undefined);

describe('renames into disposable paths', () => {
  it('moving a directory or a file into a disposable path is held', async () => {
    const ws = workspace('held');
    const dir = await run(ws, 'never', 'mkdir node_modules && mv src node_modules/src');
    expect(dir.err).toMatch(/it would be held: it moves 2 pre-existing files into disposable paths/);
    expect(dir.err).toMatch(/src\/lib\/util\.c → node_modules\/src\/lib\/util\.c/);
    const file = await run(ws, 'never', 'mkdir -p dist && mv a.txt dist/a.txt');
    expect(file.err).toMatch(/it would be held: it moves 1 pre-existing file into disposable paths/);
    const ordinary = await run(ws, 'never', 'mv src code');
    expect(ordinary.err).toMatch(/not applied \(dry run\)/);
    expect(ordinary.err).not.toMatch(/would be held/);
  });

  it('approved, then deleted from the disposable path without asking: undo brings the files back', async () => {
    const ws = workspace('undo');
    const moved = await run(
      ws,
      'auto',
      'mkdir node_modules && mv src node_modules/src && mkdir -p dist && mv a.txt dist/a.txt',
    );
    expect(moved.code).toBe(0);
    expect(moved.err).toMatch(/applied after the operator approved them/);
    // Disposable: no approval, no journal.
    const wiped = await run(ws, 'auto', 'rm -r node_modules/src dist');
    expect(wiped.code).toBe(0);
    expect(existsSync(join(ws, 'src'))).toBe(false);
    expect(existsSync(join(ws, 'node_modules', 'src'))).toBe(false);
    const r = await undo(ws);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(read(ws, 'src/main.c')).toBe('int main(){}\n');
    expect(read(ws, 'src/lib/util.c')).toBe('void u(){}\n');
    expect(read(ws, 'a.txt')).toBe('alpha\n');
    // Put back as the user's files, not the daemon's copies.
    for (const p of ['src', 'src/lib', 'src/lib/util.c']) expect(statSync(join(ws, p)).uid).toBe(statSync(ws).uid);
  });
});

describe('undo that cannot restore a path', () => {
  it('fails and names it instead of counting it as restored', async () => {
    const ws = workspace('lost');
    const moved = await run(ws, 'auto', 'mv src code');
    expect(moved.code).toBe(0);
    // Removed outside bulwark: the renamed directory is gone, and nothing kept a copy of it.
    rmSync(join(ws, 'code'), { recursive: true });
    const r = await undo(ws);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/could not restore src \(moved to code, which is gone; no copy was kept\)/);
    expect(r.out).not.toMatch(/restored 1 path/);
  });
});
