/** The ApprovalStore contract (src/policy/approval-store.ts): any implementation must pass it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRequestRecord, ApprovalStore } from '../../src/policy/approval-store.js';
import { NOT_UNICODE, rejection, type OpenSubject, type StoreSubject } from './subject.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

function request(n: number, over: Partial<ApprovalRequestRecord> = {}): ApprovalRequestRecord {
  return {
    id: `apr_${n.toString(16).padStart(24, '0')}`,
    effectHash: 'f'.repeat(64),
    agentId: 'coder',
    sessionId: 'ses_1',
    view: JSON.stringify({ tool: 'exec', args: `{"command":"rm -rf build/${n}"}` }),
    createdAt: T0 + n * 1000,
    expiresAt: T0 + n * 1000 + 120_000,
    ...over,
  };
}

export function approvalStoreContract(backend: string, open: OpenSubject<ApprovalStore>): void {
  describe(`ApprovalStore contract (${backend})`, () => {
    let subject: StoreSubject<ApprovalStore>;
    let store: ApprovalStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('records a request as pending and its decision once; both survive a reopen', async () => {
      const r = request(1);
      await store.recordRequest(r);
      expect(await store.get(r.id)).toEqual({ ...r, status: 'pending' });
      const decided = await store.recordDecision(r.id, {
        status: 'approved',
        decidedAt: T0 + 5000,
        decidedBy: 'token:op (laptop)',
        source: 'operator',
        reason: 'looked fine',
      });
      expect(decided.ok).toBe(true);
      const expected = {
        ...r,
        status: 'approved',
        decidedAt: T0 + 5000,
        decidedBy: 'token:op (laptop)',
        source: 'operator',
        reason: 'looked fine',
      };
      expect(await store.get(r.id)).toEqual(expected);
      expect(await (await subject.reopen()).get(r.id)).toEqual(expected);
    });

    it('a request is decided once: a second decision, or one for an unknown id, is approval.not_pending and changes nothing', async () => {
      const r = request(2);
      await store.recordRequest(r);
      await store.recordDecision(r.id, { status: 'expired', decidedAt: T0 + 1, source: 'timeout' });
      const again = await store.recordDecision(r.id, { status: 'approved', decidedAt: T0 + 2, source: 'operator' });
      expect(!again.ok && again.error.code).toBe('approval.not_pending');
      expect(await store.get(r.id)).toMatchObject({ status: 'expired', decidedAt: T0 + 1, source: 'timeout' });
      const ghost = await store.recordDecision(request(99).id, { status: 'denied', decidedAt: T0, source: 'operator' });
      expect(!ghost.ok && ghost.error.code).toBe('approval.not_pending');
      expect(await store.get(request(99).id)).toBeUndefined();
    });

    it('refuses an id that is already recorded, and keeps the first', async () => {
      await store.recordRequest(request(3));
      expect((await rejection(store.recordRequest(request(3, { agentId: 'intruder' })))).code).toMatch(/^store\./);
      expect(await store.get(request(3).id)).toMatchObject({ agentId: 'coder' });
    });

    it('refuses "pending" as a decision', async () => {
      await store.recordRequest(request(4));
      const bad = { status: 'pending', decidedAt: T0, source: 'operator' } as unknown as Parameters<
        ApprovalStore['recordDecision']
      >[1];
      expect((await rejection(store.recordDecision(request(4).id, bad))).code).toBe('store.bad_input');
    });

    it('lists newest first, by status, in pages', async () => {
      for (let n = 10; n < 16; n++) await store.recordRequest(request(n));
      await store.recordDecision(request(11).id, { status: 'denied', decidedAt: T0, source: 'operator' });
      await store.recordDecision(request(13).id, { status: 'denied', decidedAt: T0, source: 'operator' });
      expect((await store.list({ limit: 10 })).map((r) => r.id)).toEqual(
        [15, 14, 13, 12, 11, 10].map((n) => request(n).id),
      );
      expect((await store.list({ limit: 10, status: 'denied' })).map((r) => r.id)).toEqual([
        request(13).id,
        request(11).id,
      ]);
      const first = await store.list({ limit: 2 });
      const next = await store.list({ limit: 2, before: first.at(-1)!.createdAt });
      expect(next.map((r) => r.id)).toEqual([request(13).id, request(12).id]);
      for (const limit of [0, 501, 1.5]) expect((await rejection(store.list({ limit }))).code).toBe('store.bad_input');
      const badStatus = { limit: 1, status: 'lost' } as unknown as Parameters<ApprovalStore['list']>[0];
      expect((await rejection(store.list(badStatus))).code).toBe('store.bad_input');
    });

    it('abandonPending marks what is still pending as abandoned, and only that', async () => {
      await store.recordRequest(request(20));
      await store.recordRequest(request(21));
      await store.recordDecision(request(21).id, { status: 'approved', decidedAt: T0, source: 'operator' });
      expect(await store.abandonPending(T0 + 9000)).toBe(1);
      expect(await store.get(request(20).id)).toMatchObject({ status: 'abandoned', decidedAt: T0 + 9000 });
      expect(await store.get(request(21).id)).toMatchObject({ status: 'approved' });
      expect(await store.abandonPending(T0 + 9001)).toBe(0);
      const late = await store.recordDecision(request(20).id, {
        status: 'approved',
        decidedAt: T0,
        source: 'operator',
      });
      expect(late.ok).toBe(false);
    });

    it('keeps a large view intact and stores text that is not valid Unicode with U+FFFD', async () => {
      const view = JSON.stringify({ tool: 'write', diff: `+${'x'.repeat(2 * 1024 * 1024)}` });
      await store.recordRequest(request(30, { view, agentId: NOT_UNICODE.stored }));
      await store.recordDecision(request(30).id, {
        status: 'denied',
        decidedAt: T0,
        source: 'operator',
        decidedBy: NOT_UNICODE.stored,
        reason: NOT_UNICODE.stored,
      });
      const got = await store.get(request(30).id);
      expect(got?.view === view).toBe(true);
      expect(got).toMatchObject({ agentId: NOT_UNICODE.read, decidedBy: NOT_UNICODE.read, reason: NOT_UNICODE.read });
    });
  });
}
