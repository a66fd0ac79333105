/** The UsageStore contract (src/agent/budget/usage-store.ts): any implementation must pass it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  USAGE_KEEP_DAYS,
  USAGE_MINUTE_MS,
  type UsageEntry,
  type UsageStore,
} from '../../src/agent/budget/usage-store.js';
import { NOT_UNICODE, rejection, type OpenSubject, type StoreSubject } from './subject.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const DAY = 86_400_000;

function entry(agent: string, model: string, input: number, output: number, at: number, cost = 0): UsageEntry {
  return { agent, model, inputTokens: input, outputTokens: output, cost, at };
}

export function usageStoreContract(backend: string, open: OpenSubject<UsageStore>): void {
  describe(`UsageStore contract (${backend})`, () => {
    let subject: StoreSubject<UsageStore>;
    let store: UsageStore;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('sums tokens since a time, per agent and for all, and keeps them across a reopen', async () => {
      await store.record(entry('a', 'm', 100, 20, T0));
      await store.record(entry('b', 'm', 7, 3, T0 + 5 * USAGE_MINUTE_MS));
      expect(await store.tokensSince(T0)).toBe(130);
      expect(await store.tokensSince(T0, 'a')).toBe(120);
      expect(await store.tokensSince(T0, 'b')).toBe(10);
      expect(await store.tokensSince(T0, 'nobody')).toBe(0);
      expect(await store.tokensSince(T0 + 5 * USAGE_MINUTE_MS)).toBe(10);
      expect(await (await subject.reopen()).tokensSince(T0)).toBe(130);
    });

    it('sums tokens per caller over all agents; entries without a caller count for nobody', async () => {
      await store.record({ ...entry('a', 'm', 100, 20, T0), caller: 'channel:telegram:1' });
      await store.record({ ...entry('b', 'm', 5, 5, T0), caller: 'channel:telegram:1' });
      await store.record({ ...entry('a', 'm', 7, 0, T0), caller: 'hook:gh' });
      await store.record(entry('a', 'm', 1000, 0, T0));
      expect(await store.tokensSinceCaller(T0, 'channel:telegram:1')).toBe(130);
      expect(await store.tokensSinceCaller(T0, 'hook:gh')).toBe(7);
      expect(await store.tokensSinceCaller(T0, 'token:nobody')).toBe(0);
      expect(await store.tokensSince(T0)).toBe(1137);
    });

    it('sums one agent’s calls for callers other than the owner (the strangers’ share)', async () => {
      await store.record({ ...entry('a', 'm', 100, 20, T0), caller: 'token:alice', stranger: true });
      await store.record({ ...entry('b', 'm', 5, 5, T0), caller: 'token:alice', stranger: true });
      await store.record({ ...entry('a', 'm', 1000, 0, T0), caller: 'token:owner' });
      expect(await store.tokensSinceStrangers(T0, 'a')).toBe(120);
      expect(await store.tokensSinceStrangers(T0, 'b')).toBe(10);
      expect(await store.tokensSinceStrangers(T0)).toBe(130);
      expect(await store.tokensSinceStrangers(T0 + 2 * USAGE_MINUTE_MS, 'a')).toBe(0);
      await store.prune(T0 + 40 * 86_400_000);
      expect(await store.tokensSinceStrangers(0, 'a')).toBe(0);
    });

    it('counts per minute: a since inside a minute counts that whole minute, the next minute does not', async () => {
      await store.record(entry('a', 'm', 10, 0, T0 + 10_000));
      expect(await store.tokensSince(T0 + 50_000)).toBe(10);
      expect(await store.tokensSince(T0 + USAGE_MINUTE_MS)).toBe(0);
    });

    it('summarises per agent and model, ordered, with calls and cost', async () => {
      await store.record(entry('b', 'x', 1, 1, T0, 0.5));
      await store.record(entry('a', 'y', 10, 5, T0, 0.25));
      await store.record(entry('a', 'x', 2, 2, T0, 0.125));
      await store.record(entry('a', 'y', 10, 5, T0 + USAGE_MINUTE_MS, 0.25));
      expect(await store.summary(T0)).toEqual([
        { agent: 'a', model: 'x', inputTokens: 2, outputTokens: 2, cost: 0.125, calls: 1 },
        { agent: 'a', model: 'y', inputTokens: 20, outputTokens: 10, cost: 0.5, calls: 2 },
        { agent: 'b', model: 'x', inputTokens: 1, outputTokens: 1, cost: 0.5, calls: 1 },
      ]);
      expect(await store.summary(T0 + 2 * USAGE_MINUTE_MS)).toEqual([]);
    });

    it('records made without waiting for each other all count', async () => {
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.record(entry('a', 'm', 1, 1, T0 + (i % 3) * 1000))),
      );
      expect(await store.tokensSince(T0)).toBe(400);
      expect((await store.summary(T0))[0]?.calls).toBe(200);
    });

    it(`prune drops counters older than ${USAGE_KEEP_DAYS} days and keeps the rest`, async () => {
      await store.record(entry('a', 'm', 1, 0, T0 - (USAGE_KEEP_DAYS + 1) * DAY));
      await store.record(entry('a', 'm', 2, 0, T0 - (USAGE_KEEP_DAYS - 1) * DAY));
      await store.prune(T0);
      expect(await store.tokensSince(0)).toBe(2);
    });

    it('refuses negative or non-finite figures and records nothing', async () => {
      for (const bad of [
        entry('a', 'm', -1, 0, T0),
        entry('a', 'm', 0, Number.NaN, T0),
        entry('a', 'm', 1, 1, T0, Infinity),
      ]) {
        expect((await rejection(store.record(bad))).code).toBe('store.bad_input');
      }
      expect(await store.tokensSince(0)).toBe(0);
    });

    it('names that are not valid Unicode are kept with U+FFFD and still found by the same name', async () => {
      await store.record(entry(NOT_UNICODE.stored, NOT_UNICODE.stored, 3, 4, T0));
      expect(await store.tokensSince(T0, NOT_UNICODE.stored)).toBe(7);
      expect(await store.summary(T0)).toMatchObject([{ agent: NOT_UNICODE.read, model: NOT_UNICODE.read }]);
    });
  });
}
