/**
 * The rooms above the seam with a backend that answers late, as a remote database would: the stores here wrap the
 * embedded ones and delay every answer. Ordering, the budget's reservations and the audit trail must still hold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetGuard } from '../../src/agent/budget/budget-guard.js';
import { estimatePromptTokens } from '../../src/agent/budget/estimate.js';
import type { UsageStore } from '../../src/agent/budget/usage-store.js';
import type { SessionStore } from '../../src/agent/session-store.js';
import type { TurnEvent } from '../../src/agent/types.js';
import { AgentBudgetsSchema, GlobalBudgetsSchema, ModelInfoSchema } from '../../src/config/sections/budget.js';
import { AuditSink, type AuditStore } from '../../src/core/audit.js';
import { EventBus } from '../../src/core/events.js';
import { storeFailure } from '../../src/core/store.js';
import { collect, makeHarness, turn, type Harness } from '../agent/helpers.js';
import { callContext } from '../support/drivers.js';
import { reply, startFakeProvider, type FakeProvider, type FakeRequest } from '../support/fake-provider.js';
import { usageStoreIn } from '../support/stores.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves after a few milliseconds that differ from call to call (a deterministic spread). */
let tick = 0;
function late<T>(value: T): Promise<T> {
  tick = (tick * 7 + 3) % 11;
  return new Promise((resolve) => setTimeout(() => resolve(value), tick));
}

/** A session store whose every call runs late; `failAppends` makes appends reject like a full disk. */
function lateSessions(real: SessionStore, opts: { failAppends?: () => boolean } = {}): SessionStore {
  return {
    create: async (a, s) => late(await real.create(a, s)),
    authorize: async (id, a, s) => late(await real.authorize(id, a, s)),
    history: async (id) => late(await real.history(id)),
    list: async (o) => late(await real.list(o)),
    append: async (id, messages) => {
      await late(undefined);
      if (opts.failAppends?.())
        throw storeFailure('store.io', 'writing the session store failed (no space left): check the disk');
      await real.append(id, messages);
    },
  };
}

function sessionOf(evs: readonly TurnEvent[]): string {
  const s = evs.find((e) => e.type === 'session');
  if (s?.type !== 'session') throw new Error(`no session event in ${JSON.stringify(evs)}`);
  return s.sessionId;
}

/** Each turn: the model lists the workspace once, then answers with the user's text. */
async function toolThenAnswer(options: Parameters<typeof makeHarness>[1]): Promise<{ h: Harness; fake: FakeProvider }> {
  const fake = await startFakeProvider({
    script: (req: FakeRequest) => {
      const lastUser = String(req.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
      const afterTool = JSON.stringify(req.messages.at(-1) ?? {}).includes('tool');
      return afterTool ? reply.text(`answer ${lastUser}`) : reply.toolCall('ls', { path: '.' });
    },
  });
  const h = makeHarness(fake, options);
  cleanups.push(
    () => fake.close(),
    () => h.close(),
  );
  return { h, fake };
}

describe('a late session store under the agent runtime', () => {
  it('two turns on one session at once: each turn stored whole and in order, the second saw the first', async () => {
    const { h, fake } = await toolThenAnswer({ sessions: (real) => lateSessions(real) });
    const sessionId = sessionOf(await collect(h.runtime.runTurn(turn('zero'))));
    const [a, b] = await Promise.all([
      collect(h.runtime.runTurn(turn('A', { sessionId }))),
      collect(h.runtime.runTurn(turn('B', { sessionId }))),
    ]);
    expect(a.at(-1)).toMatchObject({ type: 'done', text: 'answer A' });
    expect(b.at(-1)).toMatchObject({ type: 'done', text: 'answer B' });
    const shape = (await h.stores.sessions.history(sessionId)).map((m) =>
      m.role === 'tool' ? 'tool' : m.role === 'assistant' && m.toolCalls ? 'call' : `${m.role}:${m.content}`,
    );
    const block = (x: string): string[] => [`user:${x}`, 'call', 'tool', `assistant:answer ${x}`];
    // Which turn takes the session first is open (the late store answers them in any order); each is stored whole.
    const [first, second] = shape[4] === 'user:A' ? ['A', 'B'] : ['B', 'A'];
    expect(shape).toEqual([...block('zero'), ...block(first as string), ...block(second as string)]);
    // The second turn's first model call carried all of the first: it read the history after the last append landed.
    const secondCall = fake.requests.find((r) => r.messages.some((m) => m.content === second));
    expect(secondCall?.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'zero',
      first,
      second,
    ]);
  });

  it('a store that cannot append ends the turn with its error, and the session is free for the next turn', async () => {
    let failing = false;
    const { h } = await toolThenAnswer({ sessions: (real) => lateSessions(real, { failAppends: () => failing }) });
    const sessionId = sessionOf(await collect(h.runtime.runTurn(turn('zero'))));
    failing = true;
    const broken = await collect(h.runtime.runTurn(turn('lost', { sessionId })));
    expect(broken.at(-1)).toMatchObject({ type: 'error', error: { code: 'agent.internal' } });
    expect(JSON.stringify(broken.at(-1))).toMatch(/no space left/);
    failing = false;
    const next = await collect(h.runtime.runTurn(turn('again', { sessionId })));
    expect(next.at(-1)).toMatchObject({ type: 'done', text: 'answer again' });
  });
});

describe('the budget guard over a late usage store', () => {
  it('a settle does not slip between a parallel check’s sums and its reservations', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-late-usage-'));
    const real = usageStoreIn(dir);
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => real.close(),
    );
    // A read answers 20 ms later with what it saw when it was asked; a write lands after 1 ms.
    const after = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));
    const store: UsageStore = {
      record: async (e) => {
        await after(1, undefined);
        await real.record(e);
      },
      tokensSince: async (since, agent) => after(20, await real.tokensSince(since, agent)),
      tokensSinceCaller: async (since, caller) => after(20, await real.tokensSinceCaller(since, caller)),
      tokensSinceStrangers: async (since, agent) => after(20, await real.tokensSinceStrangers(since, agent)),
      summary: (since) => real.summary(since),
      prune: (now) => real.prune(now),
    };
    const request = { model: 'm', system: '', messages: [{ role: 'user' as const, content: 'hi' }], tools: [] };
    const estimate = estimatePromptTokens(request) + 1000;
    const guard = new BudgetGuard({
      store,
      bus: new EventBus(),
      // Room for the first call's real usage or the second call, not both.
      budgetsFor: () =>
        AgentBudgetsSchema.parse({ perExecution: null, perHour: 2 * estimate - 1, perDay: null, strangersShare: 1 }),
      global: GlobalBudgetsSchema.parse({}),
      modelInfo: () => ModelInfoSchema.parse({ contextWindow: 1_000_000 }),
    });
    const first = await guard.check({ ...request, maxTokens: 1000 }, callContext('a', { traceId: 't1' }));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const second = guard.check({ ...request, maxTokens: 1000 }, callContext('a', { traceId: 't2' }));
    const settled = guard.settle(first.value, {
      ok: true,
      inputTokens: estimate,
      outputTokens: 0,
      receivedBytes: 0,
      receivedTokens: 0,
    });
    const [r] = await Promise.all([second, settled]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.details).toMatchObject({ scope: 'agent-hour', used: estimate });
    expect(await real.tokensSince(0)).toBe(estimate);
  });
});

describe('the audit sink over a store that fails or answers late', () => {
  it('hands lines over in emit order and reports each line the store could not keep', async () => {
    const kept: string[] = [];
    const store: AuditStore = {
      append: async (line) => {
        kept.push(line);
        await late(undefined);
        if (line.includes('"n":3')) throw storeFailure('store.io', 'the audit backend is down');
      },
      flush: () => late(undefined),
      recent: (limit) => late(kept.slice(-limit)),
      close: () => Promise.resolve(),
    };
    const reported: string[] = [];
    const bus = new EventBus();
    const sink = new AuditSink(
      store,
      (l) => l,
      (m) => reported.push(m),
    );
    sink.attach(bus);
    for (let n = 0; n < 6; n++) bus.emit('tool:executed', { outcome: 'success', n });
    bus.emit('turn:debug' as never, {} as never);
    await new Promise((r) => setTimeout(r, 50));
    await sink.close();
    expect(kept.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reported).toEqual(['audit line for tool:executed was not stored: the audit backend is down']);
  });
});
