/** The AuditStore contract (src/core/audit.ts): any implementation must pass it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RECENT_AUDIT_LINES, type AuditStore } from '../../src/core/audit.js';
import { rejection } from './subject.js';

export interface AuditSubject {
  readonly store: AuditStore;
  /** Every line the backend holds, in its order. */
  readBack(): Promise<string[]>;
  close(): Promise<void>;
}

const line = (n: number, extra = ''): string =>
  JSON.stringify({ at: '2026-11-27T12:00:00.000Z', type: 'tool:executed', n, extra });

export function auditStoreContract(backend: string, open: () => Promise<AuditSubject>): void {
  describe(`AuditStore contract (${backend})`, () => {
    let subject: AuditSubject;
    beforeEach(async () => {
      subject = await open();
    });
    afterEach(async () => {
      await subject.close();
    });

    it('keeps lines in the order of the calls, also when nobody waits for one before the next', async () => {
      const appends = Array.from({ length: 500 }, (_, i) => subject.store.append(line(i)));
      await subject.store.flush();
      expect(await subject.readBack()).toEqual(Array.from({ length: 500 }, (_, i) => line(i)));
      await Promise.all(appends);
    });

    it('close() stores every line appended before it, then refuses more', async () => {
      for (let i = 0; i < 2000; i++) void subject.store.append(line(i, 'pending when close was called'));
      await subject.store.close();
      const lines = await subject.readBack();
      expect(lines).toHaveLength(2000);
      expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => line(i, 'pending when close was called')));
      expect((await rejection(subject.store.append(line(2000)))).code).toBe('store.closed');
      await subject.store.close();
    });

    it('refuses a line with a line break (it would forge a second line) and keeps going', async () => {
      await subject.store.append(line(1));
      const forged = `${line(2)}\n${JSON.stringify({ type: 'approval:resolved', outcome: 'approve' })}`;
      expect((await rejection(subject.store.append(forged))).code).toBe('store.bad_input');
      expect((await rejection(subject.store.append(`${line(3)}\r`))).code).toBe('store.bad_input');
      await subject.store.append(line(4));
      await subject.store.flush();
      expect(await subject.readBack()).toEqual([line(1), line(4)]);
    });

    it('stores a huge line intact, between its neighbours', async () => {
      const huge = line(2, 'y'.repeat(3 * 1024 * 1024));
      void subject.store.append(line(1));
      void subject.store.append(huge);
      await subject.store.append(line(3));
      await subject.store.flush();
      const lines = await subject.readBack();
      expect(lines.map((l) => l.length)).toEqual([line(1).length, huge.length, line(3).length]);
      expect(lines[1] === huge).toBe(true);
    });

    it('recent(limit) gives the newest lines, oldest first, including those still queued', async () => {
      expect(await subject.store.recent(10)).toEqual([]);
      for (let i = 0; i < 50; i++) void subject.store.append(line(i));
      expect(await subject.store.recent(3)).toEqual([line(47), line(48), line(49)]);
      expect(await subject.store.recent(100)).toHaveLength(50);
      expect(await subject.store.recent(0)).toEqual([]);
      expect((await subject.store.recent(MAX_RECENT_AUDIT_LINES + 10)).length).toBeLessThanOrEqual(
        MAX_RECENT_AUDIT_LINES,
      );
    });

    it('flush with nothing pending resolves', async () => {
      await subject.store.flush();
      expect(await subject.readBack()).toEqual([]);
    });
  });
}
