import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal, type JournalEntry } from '../../src/exec/effects/journal.js';
import { fileClockAfter, parseFileClock } from '../../src/exec/effects/file-clock.js';

const base = mkdtempSync(join(tmpdir(), 'bulwark-clock-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A workspace whose a.txt was changed from v0 to v1 by a journaled entry, recorded as `record` does. */
function applied(n: number, legacy = false): { ws: string; journal: Journal; entry: JournalEntry } {
  const ws = join(base, `ws-${n}-${legacy ? 'old' : 'new'}`);
  const journal = new Journal({ root: join(base, `journal-${n}-${legacy ? 'old' : 'new'}`), maxBytes: 1 << 20 });
  mkdirSync(ws);
  writeFileSync(join(ws, 'a.txt'), 'v0');
  const { id, dir } = journal.begin(ws);
  copyFileSync(join(ws, 'a.txt'), join(dir, '0'));
  writeFileSync(join(ws, 'a.txt'), 'v1');
  const entry = {
    id,
    at: new Date().toISOString(),
    tool: 'exec',
    changes: [{ path: 'a.txt', change: 'modified' as const, blob: '0', bytes: 2 }],
    bytes: 2,
  };
  const recorded = legacy ? journal.commit(ws, entry) : journal.record(ws, entry);
  expect(recorded.ok).toBe(true);
  const listed = journal.list(ws).at(-1) as JournalEntry;
  return { ws, journal, entry: listed };
}

describe('undo tells a change made right after an entry from the entry’s own (file clock)', () => {
  it('an edit made at once after the entry is refused as stale, every time', () => {
    for (let i = 0; i < 60; i++) {
      const { ws, journal, entry } = applied(i);
      expect(entry.fileClock).toMatch(/^[0-9]+$/);
      writeFileSync(join(ws, 'a.txt'), 'v2');
      const r = journal.undo(ws, [entry]);
      expect(r.ok ? 'undone' : r.error.code).toBe('journal.stale');
      expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('v2');
    }
  });

  it('an undo at once after the entry, with nothing changed since, goes through', () => {
    for (let i = 100; i < 130; i++) {
      const { ws, journal, entry } = applied(i);
      const r = journal.undo(ws, [entry]);
      expect(r.ok).toBe(true);
      expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('v0');
    }
  });

  it('an entry without a clock (written before clocks were kept) still compares with its time', () => {
    const { ws, journal, entry } = applied(200, true);
    expect(entry.fileClock).toBeUndefined();
    const r = journal.undo(ws, [entry]);
    expect(r.ok).toBe(true);
  });

  it('the clock moves past every change made before it; a malformed recorded clock is not one', () => {
    const probe = join(base, 'probe');
    const f = join(base, 'f');
    for (let i = 0; i < 50; i++) {
      writeFileSync(f, String(i));
      const before = lstatSync(f, { bigint: true }).ctimeNs;
      const clock = fileClockAfter(probe);
      expect(clock > before).toBe(true);
      writeFileSync(f, `${i}!`);
      expect(lstatSync(f, { bigint: true }).ctimeNs >= clock).toBe(true);
    }
    for (const bad of ['', '12a', '-5', '1'.repeat(30), 12, null, undefined])
      expect(parseFileClock(bad)).toBeUndefined();
    expect(parseFileClock('1700000000000000000')).toBe(1700000000000000000n);
  });
});
