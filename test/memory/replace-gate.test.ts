/** L14 on a replacement (provenanceGate): only the writer of an entry, the owner or the operator's promote replace it. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Caller, createTurnTaint } from '../../src/core/index.js';
import { provenanceGate } from '../../src/memory/write-gates.js';
import { SqliteMemoryStore } from '../../src/memory/sqlite-store.js';
import type { MemoryWriteItem, WritePath } from '../../src/memory/types.js';

let store: SqliteMemoryStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const who = (id: string, owner = false, scopes: string[] = ['chat']): Caller => ({ kind: 'token', id, scopes, owner });

async function attempt(caller: Caller, writtenBy: string | undefined, path: WritePath = 'tool') {
  const opened = SqliteMemoryStore.open({ file: ':memory:' });
  if (!opened.ok) throw new Error(opened.error.message);
  store = opened.value;
  const old = await store.insert({
    agentId: 'a',
    text: 'Deploys go to staging first.',
    kind: 'preference',
    origin: 'agent',
    source: { path: 'tool', ...(writtenBy !== undefined ? { sender: writtenBy } : {}) },
    sessionKind: 'api',
    observedAt: Date.now(),
    tags: [],
    quarantined: false,
  });
  if (!old.ok) throw new Error(old.error.message);
  const item: MemoryWriteItem = {
    agentId: 'a',
    text: 'Deploys go straight to production.',
    kind: 'preference',
    path,
    ceiling: path === 'promote' ? 'owner' : 'agent',
    derived: path !== 'promote',
    inputs: [],
    sessionKind: 'api',
    observedAt: Date.now(),
    supersedes: old.value.id,
    source: {},
    scan: { verdict: 'clean', score: 0, tags: [] },
  };
  const ctx = { agentId: 'a', sessionId: 's', traceId: 't', caller, taint: createTurnTaint() };
  return provenanceGate(store).run(item, ctx, new AbortController().signal);
}

describe('replacing a memory (L14)', () => {
  it("refuses a caller who is not the owner replacing another sender's entry, naming why", async () => {
    const r = await attempt(who('stranger'), 'token:owner');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('memory.not_yours');
      expect(r.error.message).toMatch(/written by another sender; token:stranger may replace only its own/);
    }
    // An entry without a recorded sender is not the stranger's either.
    expect((await attempt(who('stranger'), undefined)).ok).toBe(false);
    // Claiming the operator's path does not help a caller without the admin scope.
    expect((await attempt(who('stranger'), 'token:owner', 'promote')).ok).toBe(false);
  });

  it('lets the writer, the owner and the operator replace it', async () => {
    const own = await attempt(who('stranger'), 'token:stranger');
    expect(own.ok && own.value.origin).toBe('external');
    const owner = await attempt(who('op', true), 'token:someone');
    expect(owner.ok && owner.value.origin).toBe('agent');
    const promoted = await attempt(who('admin', false, ['admin']), 'token:someone', 'promote');
    expect(promoted.ok && promoted.value.origin).toBe('owner');
  });
});
