/**
 * L08.1 by provenance, below the daemon: the workspace walk (its per-file cache, chunk edges, the file cap) and the
 * edit oracle (an edit that only answers "not found" on a file holding a vault value still taints the session).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type SecurityEvent } from '../../src/core/index.js';
import { LeakIndex } from '../../src/secrets/index.js';
import { SecretTaint } from '../../src/agent/egress-taint.js';
import { provenanceTaint } from '../../src/agent/provenance-taint.js';
import { WorkspaceSecrets } from '../../src/agent/workspace-secrets.js';
import { SqliteWrittenFileStore } from '../../src/agent/sqlite-written-file-store.js';
import type { WrittenFile, WrittenFileStore } from '../../src/agent/written-file-store.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { createEditTool } from '../../src/agent/tools/fs/edit.js';
import type { ToolRunContext } from '../../src/agent/tools/tool.js';

const SECRET = 'sk_live_4eC39HqLyjWDarjtT1zdp7dcQ9vX2mPb';
let ws: string;
let leaks: LeakIndex;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'bulwark-prov-'));
  leaks = new LeakIndex();
  leaks.register('STRIPE_KEY', SECRET);
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

async function walk(secrets: WorkspaceSecrets) {
  const r = await secrets.walk(ws);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('WorkspaceSecrets', () => {
  it('a file swapped for a FIFO or a link after its stat is not read (no hang, no link followed); bytes are bounded', async () => {
    const secrets = new WorkspaceSecrets(leaks);
    const scan = (p: string, st: Stats) =>
      (secrets as unknown as { scanFile(p: string, st: Stats): Promise<unknown> }).scanFile(p, st);
    const f = join(ws, 'notes.txt');
    writeFileSync(f, `key ${SECRET}\n`);
    const st = lstatSync(f);
    expect(await scan(f, st)).toEqual({ secret: 'STRIPE_KEY', compressed: false });
    rmSync(f);
    execFileSync('mkfifo', [f]);
    expect(await scan(f, st)).toBe('swapped');
    rmSync(f);
    symlinkSync('/dev/zero', f);
    expect(await scan(f, st)).toBe('swapped');
    // A walk reads at most maxBytes in all: past it the workspace counts as holding a value.
    rmSync(f);
    writeFileSync(join(ws, 'big.bin'), 'x'.repeat(200));
    const small = new WorkspaceSecrets(leaks, { maxBytes: 100 });
    expect((await walk(small)).finding?.reason).toMatch(
      /more than 100 bytes to read .* counts as holding a vault value/,
    );
    // Kept like a finding while the file is unchanged: the next walk does not read up to the budget again.
    const again = await walk(small);
    expect([again.scanned, again.cached]).toEqual([0, 1]);
    expect(again.finding?.reason).toMatch(/more than 100 bytes to read/);
    // Changed: judged again.
    appendFileSync(join(ws, 'big.bin'), 'y');
    expect((await walk(small)).scanned).toBe(1);
    rmSync(join(ws, 'big.bin'));
    writeFileSync(join(ws, 'small.txt'), 'x');
    expect(await walk(small)).toEqual({ scanned: 1, cached: 0 });
  });

  it('walks nothing while the leak index is empty, and reads every file again once a value is added', async () => {
    const index = new LeakIndex();
    writeFileSync(join(ws, 'deploy.sh'), `export KEY=${SECRET}\n`);
    for (let i = 0; i < 5; i++) writeFileSync(join(ws, `f${i}.txt`), 'plain\n');
    const secrets = new WorkspaceSecrets(index, { maxFiles: 3, indexSize: () => index.size });
    // Over the file cap, but with no value known the workspace cannot hold one: no finding, nothing read.
    expect(await walk(secrets)).toEqual({ scanned: 0, cached: 0 });
    index.register('OTHER_KEY', 'pk_test_Zx81vB5nM2qLw0eRtY7uIo3p');
    const roomy = new WorkspaceSecrets(index, { indexSize: () => index.size });
    expect((await walk(roomy)).finding).toBeUndefined();
    expect((await walk(roomy)).cached).toBe(6);
    // A value registered after the walk that the cached files hold: they are read again, not trusted from the cache.
    index.register('STRIPE_KEY', SECRET);
    const after = await walk(roomy);
    expect(after.finding?.path).toBe('deploy.sh');
  });

  it('scans new files once, only stats unchanged ones, and rescans a changed one', async () => {
    mkdirSync(join(ws, 'src'));
    writeFileSync(join(ws, 'README.md'), 'nothing here\n');
    writeFileSync(join(ws, 'src', 'a.ts'), 'export const a = 1;\n');
    const secrets = new WorkspaceSecrets(leaks);
    expect(await walk(secrets)).toEqual({ scanned: 2, cached: 0 });
    expect(await walk(secrets)).toEqual({ scanned: 0, cached: 2 });
    appendFileSync(join(ws, 'src', 'a.ts'), `const key = '${SECRET}';\n`);
    const changed = await walk(secrets);
    expect(changed.scanned).toBe(1);
    expect(changed.finding?.path).toBe('src/a.ts');
    expect(changed.finding?.reason).toBe('src/a.ts in the workspace holds the value of STRIPE_KEY');
    expect(changed.finding?.reason).not.toContain(SECRET);
    // Found from the cache next time, without reading the file again.
    const again = await walk(secrets);
    expect(again.scanned).toBe(0);
    expect(again.finding?.path).toBe('src/a.ts');
    // Taken out again: rescanned, and the workspace is clean.
    writeFileSync(join(ws, 'src', 'a.ts'), 'export const a = 2;\n');
    expect((await walk(secrets)).finding).toBeUndefined();
  });

  it('finds a value over several chunk edges (no chunk holds a 12-character window of it), and a value in base64', async () => {
    const secrets = new WorkspaceSecrets(leaks, { chunkBytes: 8 });
    writeFileSync(join(ws, 'big.txt'), `${'x'.repeat(50)} ${SECRET} ${'y'.repeat(300)}\n`);
    expect((await walk(secrets)).finding?.path).toBe('big.txt');
    rmSync(join(ws, 'big.txt'));
    writeFileSync(join(ws, 'secret.yaml'), `data:\n  key: ${Buffer.from(SECRET).toString('base64')}\n`);
    expect((await walk(secrets)).finding?.path).toBe('secret.yaml');
  });

  it('counts a tree with more files than one walk reads as holding a value', async () => {
    for (const n of ['a', 'b', 'c']) writeFileSync(join(ws, n), 'plain\n');
    const r = await walk(new WorkspaceSecrets(leaks, { maxFiles: 2 }));
    expect(r.finding?.reason).toContain('more than 2 files');
    expect((await walk(new WorkspaceSecrets(leaks, { maxFiles: 3 }))).finding).toBeUndefined();
  });
});

describe('edit as an oracle', () => {
  it('taints the session when the file it searched holds a vault value, even when the text is not found', async () => {
    const bus = new EventBus();
    const events: SecurityEvent[] = [];
    bus.on('security:session_tainted', (e) => events.push(e.payload));
    const taint = new SecretTaint();
    const edit = createEditTool(undefined, provenanceTaint({ bus, taint, secrets: new WorkspaceSecrets(leaks) }));
    const ctx: ToolRunContext = {
      agentId: 'a',
      sessionId: 's1',
      traceId: 't',
      caller: { kind: 'token', id: 'u', scopes: ['chat'], owner: true },
      workspace: ws,
      signal: new AbortController().signal,
    };
    writeFileSync(join(ws, 'notes.txt'), 'hello\n');
    writeFileSync(join(ws, 'deploy.sh'), `export STRIPE_KEY=${SECRET}\n`);
    const clean = await edit.run({ path: 'notes.txt', old_string: 'absent', new_string: 'x' }, ctx);
    expect(clean.ok).toBe(false);
    expect(await taint.reasons('s1')).toBeUndefined();

    const probe = await edit.run({ path: 'deploy.sh', old_string: 'sk_live_4eCZ', new_string: 'x' }, ctx);
    expect(!probe.ok && probe.error.code).toBe('tool.edit.not_found');
    expect(await taint.reasons('s1')).toEqual(['edit read deploy.sh, which holds the value of STRIPE_KEY']);
    expect(events.map((e) => [e.layer, e.sessionId, e.reason])).toEqual([
      ['L08.1', 's1', 'edit read deploy.sh, which holds the value of STRIPE_KEY'],
    ]);
  });
});

/** An owner's exec run in the test workspace. */
const execCtx = (sessionId: string): ToolRunContext => ({
  agentId: 'a',
  sessionId,
  traceId: 't',
  caller: { kind: 'token', id: 'u', scopes: ['chat'], owner: true },
  workspace: ws,
  signal: new AbortController().signal,
});

describe('exec runs', () => {
  it('ready() resolves with the session tainted; finish() walks again and finds a file the first walk missed', async () => {
    const bus = new EventBus();
    const taint = new SecretTaint();
    const prov = provenanceTaint({ bus, taint, secrets: new WorkspaceSecrets(leaks) });
    const ctx = execCtx;
    writeFileSync(join(ws, 'notes.txt'), 'hello\n');
    // Written before the run (a run of a tainted session marks what it changes, by ctime).
    await new Promise((r) => setTimeout(r, 20));
    const clean = prov.execRun(ctx('s1'));
    await clean.ready();
    expect(await taint.reasons('s1')).toBeUndefined();
    // Appears while the run goes on (as a file moved back after the first walk passed it).
    mkdirSync(join(ws, 'later'));
    writeFileSync(join(ws, 'later', '.env'), `KEY=${SECRET}\n`);
    await clean.finish(true);
    expect(await taint.reasons('s1')).toEqual([
      'an exec run could read the workspace: later/.env in the workspace holds the value of STRIPE_KEY',
    ]);

    const run = prov.execRun(ctx('s2'));
    await run.ready();
    expect(await taint.reasons('s2')).toEqual([
      'an exec run could read the workspace: later/.env in the workspace holds the value of STRIPE_KEY',
    ]);
  });
});

/**
 * A run's files are marked by ctime, which the kernel stamps from a coarse clock a few ms behind Date.now(): a run
 * writes after its walk and sandbox start, so these tests wait as long before writing "in the run".
 */
const pastCoarseClock = () => new Promise((r) => setTimeout(r, 20));

describe('files written by a tainted session’s runs', () => {
  it('taint a later session that reads them, while unchanged, whatever they read as now (R20)', async () => {
    const taint = new SecretTaint();
    const prov = provenanceTaint({ bus: new EventBus(), taint, secrets: new WorkspaceSecrets(leaks) });
    writeFileSync(join(ws, 'deploy.txt'), `KEY=${SECRET}\n`);
    writeFileSync(join(ws, 'readme.txt'), 'hello\n');
    await new Promise((r) => setTimeout(r, 20));
    // Session A is tainted by the workspace; its run rewrites the key in place (`tr 'a-zA-Z' 'b-zaB-ZA'`).
    const a = prov.execRun(execCtx('A'));
    await a.ready();
    expect(await taint.reasons('A')).toBeDefined();
    await pastCoarseClock();
    const shifted = SECRET.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 96) % 26) + 97));
    writeFileSync(join(ws, 'deploy.txt'), `KEY=${shifted}\n`);
    a.finish(false);
    await taint.reasons('A');
    // Session B's walk reads nothing it knows, but the file is what a tainted run wrote.
    const b = prov.execRun(execCtx('B'));
    await b.ready();
    expect(await taint.reasons('B')).toEqual([
      'an exec run could read the workspace: deploy.txt in the workspace was written by an exec run of a session that had seen secret material (an exec run could read the workspace: deploy.txt in the workspace holds the value of STRIPE_KEY), and is unchanged since, so it counts as holding a vault value',
    ]);
    // Once it is gone, and the other files untouched by a tainted run, a new session is clean.
    rmSync(join(ws, 'deploy.txt'));
    const c = prov.execRun(execCtx('C'));
    await c.ready();
    expect(await taint.reasons('C')).toBeUndefined();
  });
});

describe('written-file marks kept in the store', () => {
  const shifted = SECRET.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 96) % 26) + 97));
  const reason = (name: string) =>
    `an exec run could read the workspace: ${name} in the workspace was written by an exec run of a session that had seen secret material (an exec run could read the workspace: deploy.txt in the workspace holds the value of STRIPE_KEY), and is unchanged since, so it counts as holding a vault value`;
  /** A daemon's parts over `dbFile`: a new instance each time stands for a restart. */
  const parts = (dbFile: string) => {
    const db = openDatabase(dbFile);
    const taint = new SecretTaint();
    const secrets = new WorkspaceSecrets(leaks, { writtenStore: new SqliteWrittenFileStore(db, dbFile) });
    return { db, taint, prov: provenanceTaint({ bus: new EventBus(), taint, secrets }) };
  };
  /** Session A, tainted by deploy.txt, rewrites the key into `out` (and, with `changed`, names what it changed). */
  const sessionA = async (
    p: ReturnType<typeof parts>,
    out: string,
    changed?: readonly string[],
    meanwhile?: () => void,
  ) => {
    writeFileSync(join(ws, 'deploy.txt'), `KEY=${SECRET}\n`);
    await new Promise((r) => setTimeout(r, 20));
    const a = p.prov.execRun(execCtx('A'));
    await a.ready();
    mkdirSync(join(ws, 'out'), { recursive: true });
    writeFileSync(join(ws, out), `KEY=${shifted}\n`);
    meanwhile?.();
    a.finish(false, changed);
    await p.taint.reasons('A');
    rmSync(join(ws, 'deploy.txt'));
  };

  it('survive a restart; a file changed again after the restart ends its mark in the store too', async () => {
    const dbFile = join(ws, '..', `${ws.split('/').at(-1) ?? 'x'}.db`);
    try {
      const first = parts(dbFile);
      await sessionA(first, 'out/key.txt');
      first.db.close();
      // Restarted: nothing in memory; session B's walk reads nothing it knows, but the mark is on record.
      const second = parts(dbFile);
      const b = second.prov.execRun(execCtx('B'));
      await b.ready();
      expect(await second.taint.reasons('B')).toEqual([reason('out/key.txt')]);
      writeFileSync(join(ws, 'out', 'key.txt'), 'changed\n');
      const c = second.prov.execRun(execCtx('C'));
      await c.ready();
      expect(await second.taint.reasons('C')).toBeUndefined();
      second.db.close();
      const third = parts(dbFile);
      const rows = third.db.prepare('SELECT COUNT(*) AS n FROM written_files').get() as { n: number };
      expect(rows.n).toBe(0);
      third.db.close();
    } finally {
      rmSync(dbFile, { force: true });
      rmSync(`${dbFile}-wal`, { force: true });
      rmSync(`${dbFile}-shm`, { force: true });
    }
  });

  it('a run whose copy-on-write effects name what it changed is marked from that list, not a walk', async () => {
    const dbFile = join(ws, '..', `${ws.split('/').at(-1) ?? 'x'}-list.db`);
    try {
      const p = parts(dbFile);
      // Changed while the run ran, but not named by its effects (another writer's file): not marked.
      mkdirSync(join(ws, 'other'));
      await sessionA(p, 'out/key.txt', ['out', 'gone.txt'], () =>
        writeFileSync(join(ws, 'other', 'late.txt'), `KEY=${shifted}\n`),
      );
      const marked = (
        p.db.prepare('SELECT path FROM written_files ORDER BY path').all() as Array<{ path: string }>
      ).map((r) => r.path);
      expect(marked).toEqual(['out/key.txt']);
      p.db.close();
    } finally {
      rmSync(dbFile, { force: true });
      rmSync(`${dbFile}-wal`, { force: true });
      rmSync(`${dbFile}-shm`, { force: true });
    }
  });
});

describe('files written by a tainted session’s runs, read without a run (R22)', () => {
  it('taint a session whose read or edit opens one, also right after the run ended, before its marking is done', async () => {
    const taint = new SecretTaint();
    const prov = provenanceTaint({ bus: new EventBus(), taint, secrets: new WorkspaceSecrets(leaks) });
    writeFileSync(join(ws, 'deploy.txt'), `KEY=${SECRET}\n`);
    await new Promise((r) => setTimeout(r, 20));
    const a = prov.execRun(execCtx('A'));
    await a.ready();
    await pastCoarseClock();
    const shifted = SECRET.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 96) % 26) + 97));
    writeFileSync(join(ws, 'shifted.txt'), `KEY=${shifted}\n`);
    rmSync(join(ws, 'deploy.txt'));
    a.finish(false);
    // No wait for A: B opens the file while A's files are still being marked.
    await prov.writtenFile(execCtx('B'), 'read', join(ws, 'shifted.txt'));
    expect(await taint.reasons('B')).toEqual([
      'read opened a file that counts as holding a vault value: shifted.txt in the workspace was written by an exec run of a session that had seen secret material (an exec run could read the workspace: deploy.txt in the workspace holds the value of STRIPE_KEY), and is unchanged since, so it counts as holding a vault value',
    ]);
    // A file no tainted run wrote taints nothing; nor does the marked one once it changed.
    writeFileSync(join(ws, 'other.txt'), 'hello\n');
    await prov.writtenFile(execCtx('C'), 'read', join(ws, 'other.txt'));
    appendFileSync(join(ws, 'shifted.txt'), '\n');
    await prov.writtenFile(execCtx('C'), 'edit', join(ws, 'shifted.txt'));
    expect(await taint.reasons('C')).toBeUndefined();
  });

  it('a walk that starts right after a tainted run ended waits for its marking', async () => {
    const taint = new SecretTaint();
    const prov = provenanceTaint({ bus: new EventBus(), taint, secrets: new WorkspaceSecrets(leaks) });
    writeFileSync(join(ws, 'deploy.txt'), `KEY=${SECRET}\n`);
    await new Promise((r) => setTimeout(r, 20));
    const a = prov.execRun(execCtx('A'));
    await a.ready();
    await pastCoarseClock();
    writeFileSync(join(ws, 'deploy.txt'), 'KEY=re-encoded\n');
    a.finish(false);
    const b = prov.execRun(execCtx('B'));
    await b.ready();
    expect(await taint.reasons('B')).toEqual([
      'an exec run could read the workspace: deploy.txt in the workspace was written by an exec run of a session that had seen secret material (an exec run could read the workspace: deploy.txt in the workspace holds the value of STRIPE_KEY), and is unchanged since, so it counts as holding a vault value',
    ]);
  });
});

describe('written-file marks still being recorded', () => {
  it('a session whose run starts while a finished tainted run still records its marks waits for them', async () => {
    const shifted = SECRET.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 96) % 26) + 97));
    const taint = new SecretTaint();
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const kept: WrittenFile[] = [];
    // A store slow to take the marks (a busy disk): they are recorded only once the gate opens.
    const store: WrittenFileStore = {
      load: () => Promise.resolve([...kept]),
      put: async (_ws, files) => {
        await gate;
        kept.push(...files);
      },
      drop: () => Promise.resolve(),
      workspaces: () => Promise.resolve([]),
      forget: () => Promise.resolve(0),
    };
    const prov = provenanceTaint({
      bus: new EventBus(),
      taint,
      secrets: new WorkspaceSecrets(leaks, { writtenStore: store }),
    });
    writeFileSync(join(ws, 'deploy.txt'), `KEY=${SECRET}\n`);
    await new Promise((r) => setTimeout(r, 20));
    const a = prov.execRun(execCtx('A'));
    await a.ready();
    writeFileSync(join(ws, 'key.txt'), `KEY=${shifted}\n`);
    rmSync(join(ws, 'deploy.txt'));
    // A's result went back; its marks are not on record yet when session B's run starts.
    a.finish(false, ['key.txt', 'deploy.txt']);
    const b = prov.execRun(execCtx('B'));
    let answered: readonly string[] | undefined | 'waiting' = 'waiting';
    const asked = b.ready().then(async () => (answered = await taint.reasons('B')));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe('waiting');
    open();
    await asked;
    expect(answered).toEqual([
      expect.stringMatching(/^an exec run could read the workspace: key.txt .* was written by/),
    ]);
  });
});

describe('exec runs read the skill folders bound at /skills too', () => {
  it('a vault value in an enabled skill’s file taints the session, named by its /skills path', async () => {
    const taint = new SecretTaint();
    const prov = provenanceTaint({ bus: new EventBus(), taint, secrets: new WorkspaceSecrets(leaks) });
    const skill = mkdtempSync(join(tmpdir(), 'bulwark-prov-skill-'));
    try {
      mkdirSync(join(skill, 'scripts'));
      writeFileSync(join(skill, 'scripts', 'deploy.sh'), `curl -u ${SECRET}: https://api.example\n`);
      const ctx = execCtx;
      const without = prov.execRun(ctx('s1'));
      await without.ready();
      expect(await taint.reasons('s1')).toBeUndefined();
      const run = prov.execRun(ctx('s2'), [{ name: 'deploy', host: skill }]);
      await run.ready();
      expect(await taint.reasons('s2')).toEqual([
        'an exec run could read /skills/deploy: scripts/deploy.sh in /skills/deploy holds the value of STRIPE_KEY',
      ]);
    } finally {
      rmSync(skill, { recursive: true, force: true });
    }
  });
});

describe('SecretTaint waits for checks under way', () => {
  it('reasons() resolves only after a tracked check settled, and sees the taint it set; reasonsNow() does not wait', async () => {
    const taint = new SecretTaint();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    taint.track(
      's1',
      gate.then(async () => {
        await taint.mark('s1', 'found in a walk');
      }),
    );
    expect(await taint.reasonsNow('s1')).toBeUndefined();
    let answered: readonly string[] | undefined | 'waiting' = 'waiting';
    const asked = taint.reasons('s1').then((r) => (answered = r));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe('waiting');
    release();
    await asked;
    expect(answered).toEqual(['found in a walk']);
    // Other sessions never wait for it.
    expect(await taint.reasons('s2')).toBeUndefined();
  });
});
