/**
 * L08.1's written-file marks in bulwark.db stay bounded: a run's reason is kept once however many files it marked
 * (and cut to MAX_WRITTEN_WHY characters), a reason goes with its last row, the marks of a workspace directory that
 * no longer exists leave at the daemon's start, and a bad mark is refused with nothing recorded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteWrittenFileStore } from '../../src/agent/sqlite-written-file-store.js';
import { WorkspaceSecrets } from '../../src/agent/workspace-secrets.js';
import { MAX_WRITTEN_WHY } from '../../src/agent/written-file-store.js';
import { checkpointTruncate, openDatabase, type Db } from '../../src/core/sqlite.js';
import { LeakIndex } from '../../src/secrets/index.js';
import { openEmbeddedStores } from '../../src/stores.js';
import { reply } from '../support/fake-provider.js';
import { startE2E, type E2E } from '../e2e/support.js';

let root: string;
let ws: string;
let db: Db | undefined;
let e2e: E2E | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-written-bounds-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
});
afterEach(async () => {
  db?.close();
  db = undefined;
  await e2e?.close();
  e2e = undefined;
  rmSync(root, { recursive: true, force: true });
});

const count = (d: Db, sql: string) => (d.prepare(sql).get() as { n: number }).n;

describe('written-file marks: bounded in bulwark.db', () => {
  it('a run marking 1,000 files with a 20,000-character reason keeps that reason once, cut to the cap', async () => {
    const file = join(root, 'bulwark.db');
    db = openDatabase(file);
    const store = new SqliteWrittenFileStore(db, file);
    const secrets = new WorkspaceSecrets(new LeakIndex(), { writtenStore: store });
    const since = Date.now() - 50;
    for (let i = 0; i < 1000; i++) writeFileSync(join(ws, `f${i}.txt`), `${i}\n`);
    const why = `an exec run of a session that had seen secret material (${'nested reason '.repeat(1500)})`;
    await secrets.markWritten(ws, since, why);
    checkpointTruncate(db);
    const bytes = Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
    // Repeated per row it took 20 MB; kept once, the rows and one reason fit in well under 512 KiB.
    expect(bytes).toBeLessThan(512 * 1024);
    const marks = await store.load(ws);
    expect(marks).toHaveLength(1000);
    expect(new Set(marks.map((m) => m.why)).size).toBe(1);
    expect(marks[0]?.why.length).toBe(MAX_WRITTEN_WHY);
    expect(marks[0]?.why.endsWith('…')).toBe(true);
    // The file's reason still names it and the run.
    const reason = await secrets.writtenReason(ws, join(ws, 'f7.txt'));
    expect(reason).toMatch(/^f7\.txt in the workspace was written by an exec run of a session that had seen /);
    expect(reason).toMatch(/…, and is unchanged since, so it counts as holding a vault value$/);
  });

  it('a file named with a backslash does not keep the rest of its run from being marked', async () => {
    const file = join(root, 'bulwark.db');
    db = openDatabase(file);
    const store = new SqliteWrittenFileStore(db, file);
    const secrets = new WorkspaceSecrets(new LeakIndex(), { writtenStore: store });
    const since = Date.now() - 50;
    for (const name of ['\\', 'a\\', '..x', 'key.txt']) writeFileSync(join(ws, name), 'x\n');
    await secrets.markWritten(ws, since, 'run one');
    expect((await store.load(ws)).map((m) => m.path).sort()).toEqual(['..x', 'key.txt']);
    // Named in the run's effects, likewise.
    await secrets.markWritten(ws, since, 'run two', ['\\', 'a\\', 'key.txt']);
    expect((await store.load(ws)).map((m) => [m.path, m.why])).toEqual([
      ['..x', 'run one'],
      ['key.txt', 'run two'],
    ]);
    const walked = await secrets.walk(ws);
    expect(walked.ok && walked.value.finding?.reason).toMatch(
      /^(\.\.x|key\.txt) in the workspace was written by run (one|two)/,
    );
    // The walk cannot name the backslash files either: the workspace counts as holding a value while they are there.
    rmSync(join(ws, '..x'));
    rmSync(join(ws, 'key.txt'));
    expect((await secrets.walk(ws)).ok).toBe(false);
  });

  it('a reason leaves with the last mark that names it', async () => {
    const file = join(root, 'bulwark.db');
    db = openDatabase(file);
    const store = new SqliteWrittenFileStore(db, file);
    const secrets = new WorkspaceSecrets(new LeakIndex(), { writtenStore: store });
    const since = Date.now() - 50;
    writeFileSync(join(ws, 'a.txt'), 'a\n');
    writeFileSync(join(ws, 'b.txt'), 'b\n');
    await secrets.markWritten(ws, since, 'run one', ['a.txt']);
    await secrets.markWritten(ws, since, 'run two', ['b.txt']);
    expect(count(db, 'SELECT count(*) AS n FROM written_reasons')).toBe(2);
    rmSync(join(ws, 'a.txt'));
    const walked = await secrets.walk(ws);
    expect(walked.ok && walked.value.finding?.path).toBe('b.txt');
    expect(count(db, 'SELECT count(*) AS n FROM written_reasons')).toBe(2);
    // The walk that finds a.txt gone ends its mark (b.txt's finding stopped the first one early).
    rmSync(join(ws, 'b.txt'));
    const clean = await secrets.walk(ws);
    expect(clean.ok && clean.value.finding).toBeUndefined();
    expect(count(db, 'SELECT count(*) AS n FROM written_files')).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM written_reasons')).toBe(0);
  });

  it('a bad mark is refused with a clear error, and nothing of the call is recorded', async () => {
    const file = join(root, 'bulwark.db');
    db = openDatabase(file);
    const store = new SqliteWrittenFileStore(db, file);
    const good = { path: 'ok.txt', ino: 1, size: 2, mtimeMs: 3, ctimeMs: 4, why: 'a run' };
    await store.put(ws, [good], 10);
    for (const bad of [
      { ...good, path: '' },
      { ...good, ctimeMs: Number.POSITIVE_INFINITY },
      { ...good, why: '' },
      { ...good, ino: Number.NaN },
      { ...good, why: 'x'.repeat(MAX_WRITTEN_WHY + 1) },
    ])
      await expect(store.put(ws, [{ ...good, path: 'new.txt' }, bad], 10)).rejects.toMatchObject({
        error: { code: 'store.bad_input', message: expect.stringMatching(/nothing was recorded/) as unknown },
      });
    expect((await store.load(ws)).map((m) => m.path)).toEqual(['ok.txt']);
    expect(count(db, 'SELECT count(*) AS n FROM written_reasons')).toBe(1);
  });

  it('rows kept before reasons were kept apart are carried over, each run’s reason once', async () => {
    const file = join(root, 'bulwark.db');
    db = openDatabase(file);
    db.exec(`CREATE TABLE schema_versions (room TEXT PRIMARY KEY, version INTEGER NOT NULL);
      INSERT INTO schema_versions VALUES ('written_files', 1);
      CREATE TABLE written_files (seq INTEGER PRIMARY KEY AUTOINCREMENT, workspace TEXT NOT NULL, path TEXT NOT NULL,
        ino REAL NOT NULL, size REAL NOT NULL, mtime_ms REAL NOT NULL, ctime_ms REAL NOT NULL, reason TEXT NOT NULL,
        UNIQUE (workspace, path));`);
    const old = db.prepare(
      'INSERT INTO written_files (workspace, path, ino, size, mtime_ms, ctime_ms, reason) VALUES (?, ?, 1, 2, 3, 4, ?)',
    );
    const tail = ', and is unchanged since, so it counts as holding a vault value';
    old.run(ws, 'a.txt', `a.txt in the workspace was written by run one${tail}`);
    old.run(ws, 'b/c.txt', `b/c.txt in the workspace was written by run one${tail}`);
    old.run(ws, 'd.txt', 'a reason of another shape');
    const store = new SqliteWrittenFileStore(db, file);
    expect((await store.load(ws)).map((m) => [m.path, m.why])).toEqual([
      ['a.txt', 'run one'],
      ['b/c.txt', 'run one'],
      ['d.txt', 'a reason of another shape'],
    ]);
    expect(count(db, 'SELECT count(*) AS n FROM written_reasons')).toBe(2);
  });
});

describe('written-file marks of a workspace that no longer exists', () => {
  it('leave bulwark.db when the daemon starts; those of a workspace that exists stay', async () => {
    const gone = join(root, 'removed-agent-workspace');
    const mark = (path: string, why: string) => ({ path, ino: 1, size: 2, mtimeMs: 3, ctimeMs: 4, why });
    e2e = await startE2E('openai', () => reply.text('ok'), undefined, {
      beforeStart: async (dir) => {
        const stores = await openEmbeddedStores(dir);
        if (!stores.ok) throw new Error(stores.error.message);
        await stores.value.writtenFiles.put(gone, [mark('a.txt', 'run one'), mark('b.txt', 'run one')], 100);
        await stores.value.writtenFiles.put(ws, [mark('kept.txt', 'run two')], 100);
        await stores.value.close();
      },
    });
    db = openDatabase(join(e2e.dir, 'bulwark.db'));
    expect(db.prepare('SELECT workspace, path FROM written_files').all()).toEqual([
      { workspace: ws, path: 'kept.txt' },
    ]);
    expect(db.prepare('SELECT why FROM written_reasons').all()).toEqual([{ why: 'run two' }]);
  }, 60_000);
});
