import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createControlsFromConfig } from '../../src/agent/controls.js';
import { callContext, gateToolCall, modelCallDriver } from '../support/drivers.js';
import {
  AgentBudgetsSchema,
  BreakerConfigSchema,
  GlobalBudgetsSchema,
  ModelsSchema,
} from '../../src/config/sections/budget.js';
import { EventBus } from '../../src/core/events.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { sqliteStoresOn } from '../support/stores.js';
import { ApprovalsConfigSchema } from '../../src/config/sections/approvals.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** What config/schema.ts looks like once the integrator merges the fragments. */
const Merged = z.strictObject({
  agents: z.array(
    z.strictObject({
      id: z.string(),
      provider: z.string().optional(),
      approvals: ApprovalsConfigSchema.default(ApprovalsConfigSchema.parse({})),
      budgets: AgentBudgetsSchema.default(AgentBudgetsSchema.parse({})),
    }),
  ),
  budgets: GlobalBudgetsSchema.default(GlobalBudgetsSchema.parse({})),
  models: ModelsSchema.default({}),
  breaker: BreakerConfigSchema.default(BreakerConfigSchema.parse({})),
});

describe('controls config fragments', () => {
  it('have safe defaults: destructive, credential and config need approval; budgets finite per agent', () => {
    const c = Merged.parse({ agents: [{ id: 'a' }] });
    expect(c.agents[0]?.approvals.require).toEqual(['destructive', 'credential', 'config']);
    expect(c.agents[0]?.approvals.timeoutMs).toBe(120_000);
    expect(c.agents[0]?.budgets.perDay).toBeGreaterThan(0);
    expect(c.breaker.failureThreshold).toBe(5);
  });

  it.each([
    [{ approvals: { require: ['nuke'] } }],
    [{ approvals: { deny: ['read'], extra: 1 } }],
    [{ approvals: { timeoutMs: 10 } }],
    [{ approvals: { scratch: ['../outside'] } }],
    [{ approvals: { scratch: ['/abs'] } }],
    [{ budgets: { perDay: -1 } }],
    [{ budgets: { perHour: 1.5 } }],
  ])('refuses %j', (agentExtra) => {
    expect(Merged.safeParse({ agents: [{ id: 'a', ...agentExtra }] }).success).toBe(false);
  });

  it('refuses bad model and breaker entries', () => {
    expect(Merged.safeParse({ agents: [], models: { m: { contextWindow: 10 } } }).success).toBe(false);
    expect(Merged.safeParse({ agents: [], models: { m: { costPer1kIn: -1 } } }).success).toBe(false);
    expect(Merged.safeParse({ agents: [], breaker: { failureThreshold: 0 } }).success).toBe(false);
  });

  it('createControlsFromConfig wires per-agent rules, model windows and status for bulwark layers', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-ctl-cfg-'));
    const db = openDatabase(path.join(dir, 'bulwark.db'));
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => db.close(),
    );
    const config = Merged.parse({
      agents: [
        { id: 'strict', provider: 'p', approvals: { deny: ['network'] } },
        { id: 'loose', approvals: { require: [], strangers: 'allow' } },
      ],
      models: { tiny: { contextWindow: 1000 } },
    });
    const built = createControlsFromConfig({
      config,
      bus: new EventBus(),
      stores: sqliteStoresOn(db),
      redact: (text) => text,
      tools: [{ spec: { name: 'exec', description: '', inputSchema: {} }, actionClass: 'exec' }],
      workspace: () => dir,
      network: () => ({ mode: 'none', grants: [] }),
    });
    cleanups.push(() => built.approvals.shutdown());
    const ctx = (agentId: string) => callContext(agentId);
    const curl = { id: '1', name: 'exec', arguments: '{"command":"curl https://example.com"}' };
    const toolGates = [built.actions.classify, built.actions.approve];
    expect((await gateToolCall(toolGates, curl, ctx('strict'))).ok).toBe(false);
    expect((await gateToolCall(toolGates, curl, ctx('loose'))).ok).toBe(true);
    const big = {
      model: 'tiny',
      system: '',
      messages: [{ role: 'user' as const, content: 'x'.repeat(2000) }],
      tools: [],
      maxTokens: 500,
      signal: new AbortController().signal,
    };
    const r = await modelCallDriver([built.breakerGate, built.budgetGate]).before(big, ctx('loose'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('budget.context_window');
    const status = await built.status(['strict', 'loose']);
    const layers = [...built.actions.layers(), ...built.modelCallLayers.layers()];
    expect(layers.map((l) => `${l.id}:${l.state}`)).toEqual(['L27:on', 'L13:on', 'L21:on', 'L22:on']);
    expect(status.budget.agents.map((a) => a.agentId)).toEqual(['strict', 'loose']);
  });
});

describe('action class lists', () => {
  it('policy/ and agent/tools/tool.ts use the one declaration of the classes', () => {
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const same: Same<
      import('../../src/config/sections/approvals.js').ActionClass,
      import('../../src/agent/tools/tool.js').ActionClass
    > = true;
    expect(same).toBe(true);
  });
});
