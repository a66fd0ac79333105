/**
 * Under a root daemon the write tool gives what it creates in a workspace owned by someone else (the sandbox user)
 * to that owner — through descriptors only: the temp file is chowned before its rename, each new parent directory
 * on the descriptor it was opened with after its mkdir, one name below the descriptor of the one before. Nothing
 * is ever chowned by a name a command running in the workspace could swap for a symlink to a host file.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorkspaceFile } from '../../src/agent/tools/fs/workspace-fs.js';

const U = 4242;
const G = 4243;
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function workspace(): { ws: string; outside: string } {
  root = mkdtempSync(join(tmpdir(), 'bulwark-write-owner-'));
  const ws = join(root, 'ws');
  const outside = join(root, 'outside');
  mkdirSync(ws);
  mkdirSync(outside);
  writeFileSync(join(outside, 'host.conf'), 'root only\n', { mode: 0o600 });
  chownSync(ws, U, G);
  return { ws, outside };
}

describe.skipIf(process.getuid?.() !== 0)('the write tool under a root daemon', () => {
  it("gives new directories and the file (new or rewritten) to the workspace's owner", () => {
    const { ws } = workspace();
    expect(writeWorkspaceFile(ws, 'a/b/c.txt', 'one\n').ok).toBe(true);
    for (const p of ['a', 'a/b', 'a/b/c.txt']) expect(lstatSync(join(ws, p)).uid, p).toBe(U);
    chownSync(join(ws, 'a/b/c.txt'), 0, 0);
    expect(writeWorkspaceFile(ws, 'a/b/c.txt', 'two\n').ok).toBe(true);
    expect(lstatSync(join(ws, 'a/b/c.txt'))).toMatchObject({ uid: U, gid: G });
  });

  it('a parent that is a symlink out of the workspace is refused; nothing outside changes owner', () => {
    const { ws, outside } = workspace();
    symlinkSync(outside, join(ws, 'link'));
    const r = writeWorkspaceFile(ws, 'link/new/host.conf', 'planted\n');
    expect(r.ok).toBe(false);
    expect(lstatSync(join(outside, 'host.conf')).uid).toBe(0);
    expect(lstatSync(outside).uid).toBe(0);
  });

  it('a symlink at the name is replaced by the new file, never followed by the chown', () => {
    const { ws, outside } = workspace();
    symlinkSync(join(outside, 'host.conf'), join(ws, 'notes.txt'));
    const r = writeWorkspaceFile(ws, 'notes.txt', 'mine\n');
    // Either refused as a symlink or written as a new file in its place: the host file keeps its owner.
    if (r.ok) expect(lstatSync(join(ws, 'notes.txt')).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(outside, 'host.conf')).uid).toBe(0);
  });

  it('a process swapping the written name for a symlink to a host file never gets that file chowned', async () => {
    const { ws, outside } = workspace();
    mkdirSync(join(ws, 'd'));
    chownSync(join(ws, 'd'), U, G);
    const host = join(outside, 'host.conf');
    // The attacker replaces d/x.txt with a symlink to the host file as fast as it can (right after each write).
    const script = `
      const fs = require('node:fs');
      const [name, host] = process.argv.slice(1);
      const end = Date.now() + 1500;
      while (Date.now() < end) { try { fs.unlinkSync(name); fs.symlinkSync(host, name); } catch (e) { void e; } }`;
    const child = spawn(process.execPath, ['-e', script, join(ws, 'd', 'x.txt'), host], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const deadline = Date.now() + 1400;
    let attempts = 0;
    while (Date.now() < deadline) {
      attempts++;
      writeWorkspaceFile(ws, 'd/x.txt', `inside ${attempts}\n`);
      await new Promise((r) => setImmediate(r));
    }
    await exited;
    expect(attempts).toBeGreaterThan(10);
    expect(lstatSync(host)).toMatchObject({ uid: 0, gid: 0 });
  });
});
