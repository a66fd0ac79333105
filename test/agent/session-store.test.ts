import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/core/sqlite.js';
import { repairHistory, SessionStore } from '../../src/agent/session-store.js';
import type { ChatMessage } from '../../src/agent/types.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-sessions-'));
  db = openDatabase(join(dir, 'bulwark.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('session store', () => {
  it('stores and returns the full conversation, tool calls and results included', () => {
    const store = new SessionStore(db);
    const id = store.create('coder', 'alice');
    const msgs: ChatMessage[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'read', arguments: '{"path":"a"}' }] },
      { role: 'tool', toolCallId: 'c1', name: 'read', content: 'error: nope', isError: true },
      { role: 'assistant', content: 'done' },
    ];
    store.append(id, msgs);
    expect(store.history(id)).toEqual(msgs);
    // Reopening the database (daemon restart) keeps the data and does not re-run migrations.
    db.close();
    db = openDatabase(join(dir, 'bulwark.db'));
    expect(new SessionStore(db).history(id)).toEqual(msgs);
  });

  it('a session belongs to one agent and one sender', () => {
    const store = new SessionStore(db);
    const id = store.create('coder', 'alice');
    expect(store.authorize(id, 'coder', 'alice')).toEqual({ ok: true, value: id });
    const otherSender = store.authorize(id, 'coder', 'bob');
    const otherAgent = store.authorize(id, 'ops', 'alice');
    const missing = store.authorize('ses_' + '0'.repeat(24), 'coder', 'alice');
    expect(!otherSender.ok && otherSender.error.code).toBe('session.forbidden');
    expect(!otherAgent.ok && otherAgent.error.code).toBe('session.forbidden');
    expect(!missing.ok && missing.error.code).toBe('session.not_found');
    // Same status for forbidden and missing: no oracle for other people's session ids.
    expect(!otherSender.ok && otherSender.error.status).toBe(!missing.ok && missing.error.status);
  });

  it('rejects malformed session ids before touching the database', () => {
    const store = new SessionStore(db);
    for (const bad of [
      '',
      'ses_',
      "ses_' OR '1'='1",
      'ses_' + 'g'.repeat(24),
      'ses_' + '0'.repeat(25),
      'x'.repeat(10_000),
    ]) {
      const r = store.authorize(bad, 'coder', 'alice');
      expect(!r.ok && r.error.code).toBe('session.invalid_id');
    }
  });

  it('session ids are random and distinct', () => {
    const store = new SessionStore(db);
    const ids = new Set(Array.from({ length: 200 }, () => store.create('coder', 'alice')));
    expect(ids.size).toBe(200);
  });
});

describe('repairHistory', () => {
  it('adds an error result for each tool call left unanswered, in place', () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'a', name: 'ls', arguments: '{}' },
          { id: 'b', name: 'read', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'a', name: 'ls', content: 'x' },
      { role: 'user', content: 'again' },
    ];
    const repaired = repairHistory(history);
    expect(
      repaired.map((m) => (m.role === 'tool' ? `tool:${m.toolCallId}:${m.isError ? 'E' : 'ok'}` : m.role)),
    ).toEqual(['user', 'assistant', 'tool:a:ok', 'tool:b:E', 'user']);
  });

  it('untangles two turns that ran at once on one session and drops orphan results', () => {
    const interleaved: ChatMessage[] = [
      { role: 'user', content: 'A' },
      { role: 'user', content: 'B' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a1', name: 'ls', arguments: '{}' }] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'b1', name: 'read', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'b1', name: 'read', content: 'rb' },
      { role: 'tool', toolCallId: 'a1', name: 'ls', content: 'ra' },
      { role: 'tool', toolCallId: 'ghost', name: 'ls', content: 'orphan' },
    ];
    const repaired = repairHistory(interleaved);
    expect(
      repaired.map((m) =>
        m.role === 'tool'
          ? `tool:${m.toolCallId}:${m.content}`
          : m.role === 'assistant'
            ? `assistant:${m.toolCalls?.[0]?.id}`
            : `user:${m.content}`,
      ),
    ).toEqual(['user:A', 'user:B', 'assistant:a1', 'tool:a1:ra', 'assistant:b1', 'tool:b1:rb']);
  });

  it('pairs reused call ids (some local servers number calls per step) in order', () => {
    const history: ChatMessage[] = [
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'ls', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_0', name: 'ls', content: 'first' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'read', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_0', name: 'read', content: 'second' },
    ];
    expect(repairHistory(history)).toEqual(history);
  });

  it('leaves a complete history unchanged', () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'ls', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'a', name: 'ls', content: 'x' },
      { role: 'assistant', content: 'fine' },
    ];
    expect(repairHistory(history)).toEqual(history);
  });
});
