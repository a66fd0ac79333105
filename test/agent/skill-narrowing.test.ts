/**
 * allowed-tools narrowing per session: intersection only, aliases mapped, skill tools kept, sessions apart; kept in
 * the store so a restart or many sessions never widen a session again; a store failure refuses.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowedToolSet, SkillNarrowing } from '../../src/agent/skills.js';
import { SqliteSkillNarrowingStore } from '../../src/agent/sqlite-skill-narrowing-store.js';
import type { SkillNarrowingStore } from '../../src/agent/skill-narrowing-store.js';
import { closeDatabase, openDatabase } from '../../src/core/sqlite.js';

function memoryNarrowing(): SkillNarrowing {
  return new SkillNarrowing(new SqliteSkillNarrowingStore(openDatabase(':memory:'), ':memory:'));
}

async function allows(n: SkillNarrowing, session: string, tool: string): Promise<boolean> {
  const r = await n.allows(session, tool);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('SkillNarrowing', () => {
  it('narrows nothing until a skill with allowed-tools is activated, then only what it lists', async () => {
    const n = memoryNarrowing();
    expect(await allows(n, 's1', 'write')).toBe(true);
    await n.narrow('s1', []);
    expect(await allows(n, 's1', 'write')).toBe(true);
    await n.narrow('s1', ['Bash', 'Read']);
    expect(await allows(n, 's1', 'exec')).toBe(true);
    expect(await allows(n, 's1', 'read')).toBe(true);
    expect(await allows(n, 's1', 'write')).toBe(false);
    expect(await allows(n, 's1', 'skill_read')).toBe(true);
    expect(await allows(n, 's2', 'write')).toBe(true);
  });

  it('a second skill only narrows further, never adds back — also when both are activated at once', async () => {
    const n = memoryNarrowing();
    await n.narrow('s', ['Bash', 'Read']);
    await n.narrow('s', ['Read', 'Write', 'WebFetch']);
    expect(await allows(n, 's', 'read')).toBe(true);
    expect(await allows(n, 's', 'exec')).toBe(false);
    expect(await allows(n, 's', 'write')).toBe(false);
    expect(await allows(n, 's', 'web_fetch')).toBe(false);
    const m = memoryNarrowing();
    await Promise.all([m.narrow('t', ['Bash', 'Read']), m.narrow('t', ['Read', 'Write'])]);
    expect(await allows(m, 't', 'read')).toBe(true);
    expect(await allows(m, 't', 'exec')).toBe(false);
    expect(await allows(m, 't', 'write')).toBe(false);
  });

  it('survives a restart (the database reopened) and is not dropped by many other sessions', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bulwark-narrowing-')), 'bulwark.db');
    const db = openDatabase(file);
    const n = new SkillNarrowing(new SqliteSkillNarrowingStore(db, file));
    await n.narrow('kept', ['Read']);
    for (let i = 0; i < 10_050; i++) await n.narrow(`other-${i}`, ['Read']);
    closeDatabase(db);
    const again = openDatabase(file);
    const after = new SkillNarrowing(new SqliteSkillNarrowingStore(again, file));
    expect(await allows(after, 'kept', 'read')).toBe(true);
    expect(await allows(after, 'kept', 'exec')).toBe(false);
    closeDatabase(again);
  });

  it('refuses (never widens) when the store fails or a row is damaged', async () => {
    const failing: SkillNarrowingStore = {
      allowed: () => Promise.reject(new Error('disk I/O error')),
      narrow: () => Promise.reject(new Error('disk I/O error')),
    };
    const n = new SkillNarrowing(failing);
    const asked = await n.allows('s', 'exec');
    expect(asked.ok ? 'allowed' : asked.error.code).toBe('tool.skill_narrowing_store');
    const narrowed = await n.narrow('s', ['Read']);
    expect(narrowed.ok ? 'narrowed' : narrowed.error.message).toMatch(/refused rather than run unnarrowed/);
    // Reading the skill tools needs no store.
    expect((await n.allows('s', 'skill_activate')).ok).toBe(true);

    const db = openDatabase(':memory:');
    const store = new SqliteSkillNarrowingStore(db, ':memory:');
    await store.narrow('d', ['read']);
    db.prepare('UPDATE skill_narrowing SET tools = \'{"not":"a list"}\' WHERE session_id = \'d\'').run();
    expect(await store.allowed('d')).toEqual([]);
    db.prepare("UPDATE skill_narrowing SET tools = 'not json' WHERE session_id = 'd'").run();
    await expect(store.allowed('d')).rejects.toThrow();
    expect((await new SkillNarrowing(store).allows('d', 'read')).ok).toBe(false);
  });

  it('maps the names skills published for other agents use, and keeps unknown names as written', () => {
    expect([...allowedToolSet(['Bash', 'WebFetch', 'Edit', 'memory_save', 'Glob'])].sort()).toEqual([
      'edit',
      'exec',
      'glob',
      'memory_save',
      'web_fetch',
    ]);
  });
});
