/**
 * L08.1's taint record outlives what memory holds: a restart (the store reopened) and a flood of other sessions
 * (pushing the session out of the in-memory cache) leave the session tainted; a store that cannot be read makes the
 * session count as tainted; bad input changes nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, closeDatabase } from '../../src/core/index.js';
import { SecretTaint } from '../../src/agent/egress-taint.js';
import { SqliteTaintStore } from '../../src/agent/sqlite-taint-store.js';
import { MAX_TAINT_REASONS, type TaintStore } from '../../src/agent/taint-store.js';

const dbFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-taint-')), 'bulwark.db');

describe('SqliteTaintStore', () => {
  it('marks once (true the first time), keeps reasons in order, bounded', async () => {
    const file = dbFile();
    const db = openDatabase(file);
    const store = new SqliteTaintStore(db, file);
    expect(await store.reasons('s1')).toBeUndefined();
    expect(await store.mark('s1', 'a vault value in a tool result')).toBe(true);
    expect(await store.mark('s1', 'a vault value in a tool result')).toBe(false);
    expect(await store.mark('s1', 'the canary in model output')).toBe(false);
    expect(await store.reasons('s1')).toEqual(['a vault value in a tool result', 'the canary in model output']);
    for (let i = 0; i < 20; i++) await store.mark('s1', `reason ${i}`);
    expect((await store.reasons('s1'))?.length).toBe(MAX_TAINT_REASONS);
    expect(await store.reasons('s2')).toBeUndefined();
    closeDatabase(db);
  });

  it('a damaged row still says tainted; a lone surrogate in an id is stored well-formed', async () => {
    const file = dbFile();
    const db = openDatabase(file);
    const store = new SqliteTaintStore(db, file);
    await store.mark('s', 'x');
    db.prepare("UPDATE session_taint SET reasons = '{}' WHERE session_id = 's'").run();
    expect((await store.reasons('s'))?.length).toBe(1);
    expect(await store.mark('bad\ud800id', 'x')).toBe(true);
    expect(await store.reasons('bad\ufffdid')).toEqual(['x']);
    closeDatabase(db);
  });
});

describe('SecretTaint over the store', () => {
  it('a restart keeps the taint (the store reopened, a new SecretTaint)', async () => {
    const file = dbFile();
    let db = openDatabase(file);
    await new SecretTaint(new SqliteTaintStore(db, file)).mark('victim', 'a vault value in a tool result');
    closeDatabase(db);
    db = openDatabase(file);
    const after = new SecretTaint(new SqliteTaintStore(db, file));
    expect(await after.reasons('victim')).toEqual(['a vault value in a tool result']);
    // A restart does not announce the session as newly tainted either.
    expect(await after.mark('victim', 'a vault value in a tool result')).toBe(false);
    closeDatabase(db);
  });

  it('ten thousand and more other sessions do not push a tainted session out', async () => {
    const file = dbFile();
    const db = openDatabase(file);
    const taint = new SecretTaint(new SqliteTaintStore(db, file));
    await taint.mark('victim', 'the canary in model output');
    for (let i = 0; i < 10_050; i++) void taint.mark(`churn-${i}`, 'a secret format in model output');
    expect(await taint.reasons('victim')).toEqual(['the canary in model output']);
    closeDatabase(db);
  });

  it('a store that cannot be read counts the session as tainted; memory alone (no store) still works', async () => {
    const broken: TaintStore = {
      reasons: () => Promise.reject(new Error('disk I/O error')),
      mark: () => Promise.reject(new Error('disk I/O error')),
    };
    const reasons = await new SecretTaint(broken).reasons('any');
    expect(reasons?.[0]).toMatch(/could not be read \(disk I\/O error\)/);
    const memory = new SecretTaint();
    expect(await memory.mark('s', 'r')).toBe(true);
    expect(await memory.reasons('s')).toEqual(['r']);
    expect(await memory.reasons('t')).toBeUndefined();
  });
});
