/**
 * L21 keyed on the caller: budgets.perCaller limits each caller (`kind:id`: token, certificate, channel user, hook)
 * over all agents, counting its recorded usage and its calls in flight; another caller is not affected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { BudgetGuard } from '../../src/agent/budget/budget-guard.js';
import { AgentBudgetsSchema, GlobalBudgetsSchema, ModelInfoSchema } from '../../src/config/sections/budget.js';
import { usageStoreIn } from '../support/stores.js';
import { callContext } from '../support/drivers.js';
import type { Caller } from '../../src/core/caller.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const req = {
  model: 'm',
  system: 'sys',
  messages: [{ role: 'user' as const, content: 'hi' }],
  tools: [],
  maxTokens: 100,
};
const alice: Caller = { kind: 'channel', id: 'telegram:111', scopes: [], owner: false };
const hook: Caller = { kind: 'hook', id: 'github', scopes: [], owner: false };

describe('L21 per caller', () => {
  it('refuses a caller past its hourly budget over all agents; another caller still passes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-budget-caller-'));
    dirs.push(dir);
    const store = usageStoreIn(dir);
    const bus = new EventBus();
    const events: Envelope<EventType>[] = [];
    bus.on('*', (e) => events.push(e));
    const g = new BudgetGuard({
      store,
      bus,
      budgetsFor: () => AgentBudgetsSchema.parse({ perExecution: null, perHour: null, perDay: null }),
      global: GlobalBudgetsSchema.parse({ perCaller: { perHour: 1000 } }),
      modelInfo: () => ModelInfoSchema.parse({}),
    });
    const first = await g.check(req, callContext('a', { caller: alice, traceId: 't1' }));
    if (!first.ok) throw new Error(first.error.message);
    await g.settle(first.value, { ok: true, inputTokens: 600, outputTokens: 300, receivedBytes: 0, receivedTokens: 0 });
    expect(await store.tokensSinceCaller(0, 'channel:telegram:111')).toBe(900);
    // Another agent, same caller: over the caller's hour.
    const refused = await g.check(req, callContext('b', { caller: alice, traceId: 't2' }));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/hourly per-caller budget of 1000/);
    expect(events.find((e) => e.type === 'security:blocked')?.payload).toMatchObject({
      layer: 'L21',
      reason: 'budget:caller-hour',
      sender: 'channel:telegram:111',
    });
    expect((await g.check(req, callContext('a', { caller: hook, traceId: 't3' }))).ok).toBe(true);
    store.close();
  });
});
