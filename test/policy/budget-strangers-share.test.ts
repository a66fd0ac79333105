/**
 * L21 keeps part of each agent's window for the owner: callers that are not the owner (tokens, channel users,
 * webhooks) together use at most `budgets.strangersShare` of perHour and perDay. One stranger's flood used up the
 * owner's hour before (R17: 36 requests of ~115k tokens from one chat token, then the owner got 429).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
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
const owner: Caller = { kind: 'token', id: 'tok_owner', scopes: ['chat'], owner: true };
const alice: Caller = { kind: 'token', id: 'tok_alice', scopes: ['chat'], owner: false };
const hook: Caller = { kind: 'hook', id: 'github', scopes: [], owner: false };

function guardIn(dir: string, budgets: Record<string, unknown>, global: Record<string, unknown> = {}) {
  const store = usageStoreIn(dir);
  const g = new BudgetGuard({
    store,
    bus: new EventBus(),
    budgetsFor: () => AgentBudgetsSchema.parse({ perExecution: null, perDay: null, ...budgets }),
    global: GlobalBudgetsSchema.parse(global),
    modelInfo: () => ModelInfoSchema.parse({}),
  });
  return { store, g };
}

async function spend(g: BudgetGuard, caller: Caller, tokens: number, trace: string) {
  const r = await g.check(req, callContext('a', { caller, traceId: trace }));
  if (!r.ok) return r.error;
  await g.settle(r.value, { ok: true, inputTokens: tokens, outputTokens: 0, receivedBytes: 0, receivedTokens: 0 });
  return undefined;
}

describe('L21: strangers share part of the agent’s window, the rest is the owner’s', () => {
  it('strangers together stop at their share; the owner still has the rest, also after a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-budget-strangers-'));
    dirs.push(dir);
    const { store, g } = guardIn(dir, { perHour: 10_000 });
    expect(await spend(g, alice, 3000, 't1')).toBeUndefined();
    expect(await spend(g, hook, 1900, 't2')).toBeUndefined();
    // 4,900 of the strangers' 5,000: the next stranger call (estimate ~ 100 + prompt) does not fit.
    const refused = await spend(g, alice, 100, 't3');
    expect(refused?.code).toBe('budget.exceeded');
    expect(refused?.message).toMatch(/hourly share for callers other than the owner \(agent "a"\) budget of 5000/);
    expect(refused?.message).toMatch(/kept for the owner.*budgets\.strangersShare/);
    expect(await spend(g, owner, 4000, 't4')).toBeUndefined();
    store.close();

    const again = guardIn(dir, { perHour: 10_000 });
    expect((await spend(again.g, hook, 100, 't5'))?.code).toBe('budget.exceeded');
    expect(await spend(again.g, owner, 500, 't6')).toBeUndefined();
    again.store.close();
  });

  it('the daemon-wide window keeps the owner’s part too, when it is smaller than an agent’s (R20)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-budget-strangers-'));
    dirs.push(dir);
    // The agent's share (5,000 of 10,000) is more than the whole daemon's hour (6,000): strangers stop at 3,000.
    const { store, g } = guardIn(dir, { perHour: 10_000 }, { perHour: 6_000 });
    expect(await spend(g, alice, 2900, 't1')).toBeUndefined();
    const refused = await spend(g, hook, 100, 't2');
    expect(refused?.code).toBe('budget.exceeded');
    expect(refused?.message).toMatch(/global hourly share for callers other than the owner .* budget of 3000/);
    expect(await spend(g, owner, 2500, 't3')).toBeUndefined();
    store.close();
  });

  it('a share of 1 is the old behaviour; a share of 0 keeps the agent for the owner alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-budget-strangers-'));
    dirs.push(dir);
    const all = guardIn(dir, { perHour: 10_000, strangersShare: 1 });
    expect(await spend(all.g, alice, 9000, 't1')).toBeUndefined();
    all.store.close();
    const none = guardIn(mkdtempSync(path.join(tmpdir(), 'bw-budget-strangers-')), {
      perHour: 10_000,
      strangersShare: 0,
    });
    expect((await spend(none.g, alice, 1, 't2'))?.code).toBe('budget.exceeded');
    expect(await spend(none.g, owner, 1, 't3')).toBeUndefined();
    none.store.close();
  });

  it('a share outside 0–1 is a config error', () => {
    expect(AgentBudgetsSchema.safeParse({ strangersShare: 1.5 }).success).toBe(false);
    expect(AgentBudgetsSchema.safeParse({ strangersShare: -0.1 }).success).toBe(false);
    expect(AgentBudgetsSchema.safeParse({ strangersShare: 'half' }).success).toBe(false);
    expect(AgentBudgetsSchema.parse({}).strangersShare).toBe(0.5);
  });
});
