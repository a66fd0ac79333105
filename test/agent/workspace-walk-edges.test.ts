/**
 * L08.1 by provenance, edges of the workspace walk. Names that are not UTF-8: Node reads a directory's names as UTF-8
 * text, a byte that is not UTF-8 as U+FFFD, and that text names no file, so the walk would find `\xff` gone and pass
 * over it and everything under it (a key moved there left a later session untainted). A written-file mark made while
 * a walk goes on: the walk must not end it as a file it did not see.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeakIndex } from '../../src/secrets/index.js';
import { WorkspaceSecrets } from '../../src/agent/workspace-secrets.js';

const SECRET = 'sk_live_4eC39HqLyjWDarjtT1zdp7dcQ9vX2mPb';
let ws: string;
let leaks: LeakIndex;

/** `ws`/<name bytes>: a path whose last name is the given bytes. */
const raw = (...names: Buffer[]) => Buffer.concat([Buffer.from(ws), ...names.flatMap((n) => [Buffer.from('/'), n])]);

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'bulwark-names-'));
  leaks = new LeakIndex();
  leaks.register('STRIPE_KEY', SECRET);
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

describe('WorkspaceSecrets and names that are not UTF-8', () => {
  it('a file or directory whose name is not UTF-8 counts as holding a value (it cannot be read by name)', async () => {
    writeFileSync(join(ws, 'readme.txt'), 'nothing here\n');
    const dir = Buffer.from([0xff]);
    mkdirSync(raw(dir));
    writeFileSync(raw(dir, Buffer.from('key.txt')), `${SECRET}\n`);
    const secrets = new WorkspaceSecrets(leaks);
    const r = await secrets.walk(ws);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.finding?.reason).toMatch(/a name that is not UTF-8.*counts as holding a vault value/);
    rmSync(raw(dir), { recursive: true });
    // A file of that kind likewise, even with no value in it (what it holds cannot be read).
    writeFileSync(raw(Buffer.from([0x61, 0xfe])), 'tr-rotated text\n');
    const f = await secrets.walk(ws);
    expect(f.ok && f.value.finding?.reason).toMatch(/a name that is not UTF-8/);
  });

  it('a name that holds U+FFFD itself is read as any other', async () => {
    writeFileSync(join(ws, 'odd\uFFFDname.txt'), 'plain\n');
    const r = await new WorkspaceSecrets(leaks).walk(ws);
    expect(r.ok && r.value.finding).toBeUndefined();
  });
});

describe('a written-file mark made while a walk is under way', () => {
  it('is not dropped by that walk as a file it did not see', async () => {
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(ws, `d${d}`));
      for (let f = 0; f < 150; f++) writeFileSync(join(ws, `d${d}`, `f${f}.txt`), `file ${f}\n`);
    }
    const secrets = new WorkspaceSecrets(leaks);
    const since = Date.now() - 20;
    // The walk lists the workspace's top directory first; the file is written, and marked, after.
    const walking = secrets.walk(ws);
    await new Promise((r) => setTimeout(r, 5));
    writeFileSync(join(ws, 'late.txt'), 'KEY=rotated\n');
    await secrets.markWritten(ws, since, 'a run of a tainted session', ['late.txt']);
    const first = await walking;
    expect(first.ok).toBe(true);
    // The mark stands: the next walk finds the file written by that run.
    const next = await secrets.walk(ws);
    expect(next.ok && next.value.finding?.path).toBe('late.txt');
  });
});

describe('a written-file mark the store could not keep', () => {
  it('still counts in memory for later walks of this daemon, and the marking reports the failure', async () => {
    const store = {
      load: () => Promise.resolve([]),
      put: () => Promise.reject(new Error('disk I/O error')),
      drop: () => Promise.resolve(),
      workspaces: () => Promise.resolve([]),
      forget: () => Promise.resolve(0),
    };
    const secrets = new WorkspaceSecrets(leaks, { writtenStore: store });
    const since = Date.now() - 20;
    writeFileSync(join(ws, 'key.txt'), 'KEY=rotated\n');
    await expect(secrets.markWritten(ws, since, 'a run of a tainted session', ['key.txt'])).rejects.toThrow(
      /disk I\/O error/,
    );
    const next = await secrets.walk(ws);
    expect(next.ok && next.value.finding?.path).toBe('key.txt');
  });
});
