/** Rows that are deleted leave no readable content behind: secure_delete zeroes free pages, close truncates the WAL. */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/core/sqlite.js';

describe('SQLite files after a delete', () => {
  it('hold the deleted text neither in the database nor in the WAL', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-secdel-')), 'x.db');
    const db = openDatabase(file);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const marker = 'MARKER-the-deleted-row-0123456789';
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    for (let i = 0; i < 50; i++) insert.run(`${marker} ${i} ${'x'.repeat(200)}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.prepare('DELETE FROM t').run();
    insert.run('kept');
    closeDatabase(db);
    const wal = `${file}-wal`;
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
    const bytes = readFileSync(file).toString('latin1');
    expect(bytes).toContain('kept');
    expect(bytes).not.toContain(marker);
  });
});
