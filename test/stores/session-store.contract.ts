/** The SessionStore contract (src/agent/session-store.ts): any implementation must pass it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/agent/session-store.js';
import type { ChatMessage } from '../../src/agent/types.js';
import { NOT_UNICODE, rejection, type OpenSubject, type StoreSubject } from './subject.js';

const CONVERSATION: ChatMessage[] = [
  { role: 'user', content: 'hi' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'c1', name: 'read', arguments: '{"path":"a"}' },
      { id: 'c2', name: 'ls', arguments: '{}' },
    ],
  },
  { role: 'tool', toolCallId: 'c1', name: 'read', content: 'error: nope', isError: true },
  { role: 'tool', toolCallId: 'c2', name: 'ls', content: 'a\nb' },
  { role: 'assistant', content: 'done' },
];

export function sessionStoreContract(backend: string, open: OpenSubject<SessionStore>): void {
  describe(`SessionStore contract (${backend})`, () => {
    let subject: StoreSubject<SessionStore>;
    let store: SessionStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('lists sessions by last use, newest first, per agent, bounded and paged by time', async () => {
      const pause = () => new Promise((r) => setTimeout(r, 5));
      const a = await store.create('coder', 'alice');
      await pause();
      const b = await store.create('coder', 'bob');
      await pause();
      const c = await store.create('writer', 'alice');
      await pause();
      await store.append(a, CONVERSATION.slice(0, 2));
      const all = await store.list({ limit: 10 });
      expect(all.map((s) => s.id)).toEqual([a, c, b]);
      expect(all[0]).toMatchObject({ agentId: 'coder', sender: 'alice', messages: 2 });
      expect(all[1]).toMatchObject({ agentId: 'writer', messages: 0 });
      expect((await store.list({ agentId: 'coder', limit: 10 })).map((s) => s.id)).toEqual([a, b]);
      expect(await store.list({ limit: 1 })).toHaveLength(1);
      const older = await store.list({ limit: 10, before: (all[1] as { updatedAt: string }).updatedAt });
      expect(older.map((s) => s.id)).toEqual([b]);
      expect(await store.list({ limit: 0 })).toEqual([]);
    });

    it('returns the whole conversation as appended, tool calls and results included, also after a reopen', async () => {
      const id = await store.create('coder', 'alice');
      await store.append(id, CONVERSATION.slice(0, 2));
      await store.append(id, CONVERSATION.slice(2));
      expect(await store.history(id)).toEqual(CONVERSATION);
      expect(await (await subject.reopen()).history(id)).toEqual(CONVERSATION);
    });

    it('creates unguessable, distinct ids of one format', async () => {
      const ids = await Promise.all(Array.from({ length: 100 }, () => store.create('coder', 'alice')));
      expect(new Set(ids).size).toBe(100);
      for (const id of ids) expect(id).toMatch(/^ses_[0-9a-f]{24}$/);
    });

    it('a session belongs to one agent and one sender; others get the answer of a missing session', async () => {
      const id = await store.create('coder', 'alice');
      expect(await store.authorize(id, 'coder', 'alice')).toEqual({ ok: true, value: id });
      const otherSender = await store.authorize(id, 'coder', 'bob');
      const otherAgent = await store.authorize(id, 'ops', 'alice');
      const missing = await store.authorize(`ses_${'0'.repeat(24)}`, 'coder', 'alice');
      expect(!otherSender.ok && otherSender.error.code).toBe('session.forbidden');
      expect(!otherAgent.ok && otherAgent.error.code).toBe('session.forbidden');
      expect(!missing.ok && missing.error.code).toBe('session.not_found');
      expect(!otherSender.ok && otherSender.error.status).toBe(!missing.ok && missing.error.status);
      expect(!otherSender.ok && otherSender.error.message).toBe(
        !missing.ok && missing.error.message.replace(`ses_${'0'.repeat(24)}`, id),
      );
    });

    it('refuses malformed ids before any lookup', async () => {
      for (const bad of [
        '',
        'ses_',
        "ses_' OR '1'='1",
        `ses_${'g'.repeat(24)}`,
        `ses_${'0'.repeat(25)}`,
        'x'.repeat(10_000),
      ]) {
        const r = await store.authorize(bad, 'coder', 'alice');
        expect(!r.ok && r.error.code).toBe('session.invalid_id');
      }
    });

    it('keeps call order and keeps each call together when two turns append without waiting for each other', async () => {
      const id = await store.create('coder', 'alice');
      const turn = (name: string, n: number): ChatMessage[] =>
        Array.from({ length: n }, (_, i) => ({ role: 'user', content: `${name}${i}` }));
      const calls: ChatMessage[][] = [];
      for (let i = 0; i < 40; i++) calls.push(turn(i % 2 === 0 ? `A${i}.` : `B${i}.`, 1 + (i % 3)));
      await Promise.all(calls.map((c) => store.append(id, c)));
      expect((await store.history(id)).map((m) => m.content)).toEqual(calls.flat().map((m) => m.content));
    });

    it('an unknown session has no history, and appending to it stores nothing and rejects', async () => {
      const ghost = `ses_${'a'.repeat(24)}`;
      expect(await store.history(ghost)).toEqual([]);
      const e = await rejection(store.append(ghost, [{ role: 'user', content: 'x' }]));
      expect(e.code).toMatch(/^store\./);
      expect(await store.history(ghost)).toEqual([]);
    });

    it('an empty append changes nothing', async () => {
      const id = await store.create('coder', 'alice');
      await store.append(id, []);
      expect(await store.history(id)).toEqual([]);
    });

    it('stores a huge message intact', async () => {
      const id = await store.create('coder', 'alice');
      const big = `${'0123456789abcdef'.repeat(512 * 1024)}end`; // 8 MiB
      await store.append(id, [{ role: 'tool', toolCallId: 'c', name: 'read', content: big }]);
      const [m] = await store.history(id);
      expect(m?.content.length).toBe(big.length);
      expect(m?.content === big).toBe(true);
    });

    it('text that is not valid Unicode comes back with U+FFFD for each lone surrogate, everywhere', async () => {
      const id = await store.create('coder', 'alice');
      await store.append(id, [
        { role: 'user', content: NOT_UNICODE.stored },
        {
          role: 'assistant',
          content: NOT_UNICODE.stored,
          toolCalls: [{ id: NOT_UNICODE.stored, name: 'read', arguments: JSON.stringify({ p: NOT_UNICODE.stored }) }],
        },
        { role: 'tool', toolCallId: NOT_UNICODE.stored, name: NOT_UNICODE.stored, content: NOT_UNICODE.stored },
      ]);
      const h = await store.history(id);
      expect(h[0]).toEqual({ role: 'user', content: NOT_UNICODE.read });
      expect(h[1]).toMatchObject({ content: NOT_UNICODE.read, toolCalls: [{ id: NOT_UNICODE.read }] });
      expect(h[2]).toMatchObject({ toolCallId: NOT_UNICODE.read, name: NOT_UNICODE.read, content: NOT_UNICODE.read });
    });
  });
}
