import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { BudgetGuard } from '../../src/agent/budget/budget-guard.js';
import {
  AgentBudgetsSchema,
  BreakerConfigSchema,
  GlobalBudgetsSchema,
  ModelInfoSchema,
} from '../../src/config/sections/budget.js';
import { AnswerTally, estimatePromptTokens } from '../../src/agent/budget/estimate.js';
import { estimateTextTokens as tokens } from '../../src/agent/budget/token-estimate.js';
import { usageStoreIn } from '../support/stores.js';
import { CircuitBreakers } from '../../src/agent/breaker/circuit-breaker.js';
import { breakerGate, budgetGate } from '../../src/agent/gates/model-call-gates.js';
import { callContext, modelCallDriver } from '../support/drivers.js';
import type { ModelCallOutcome } from '../../src/agent/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bw-budget-'));
  dirs.push(d);
  return d;
}

// The owner's calls: these tests are about the agent's and the global windows, not the strangers' share.
const ctx = callContext('a', { traceId: 't1', caller: { ...callContext().caller, owner: true } });
const req = (text: string, maxTokens = 100) => ({
  model: 'm',
  system: 'sys',
  messages: [{ role: 'user' as const, content: text }],
  tools: [],
  maxTokens,
});

/** A call the provider answered with these usage figures and nothing else to count. */
const answered = (inputTokens: number, outputTokens: number) => ({
  ok: true,
  inputTokens,
  outputTokens,
  receivedBytes: 0,
  receivedTokens: 0,
});

/** What a provider that streamed `text` back sent, as the turn loop tallies it. */
function received(text: string): { receivedBytes: number; receivedTokens: number } {
  const t = new AnswerTally();
  t.addText(text);
  return { receivedBytes: t.bytes, receivedTokens: t.tokens() };
}

function guard(
  dir: string,
  opts: {
    perExecution?: number | null;
    perHour?: number | null;
    perDay?: number | null;
    globalDay?: number | null;
    window?: number;
    now?: () => number;
  } = {},
) {
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const store = usageStoreIn(dir);
  const g = new BudgetGuard({
    store,
    bus,
    budgetsFor: () =>
      AgentBudgetsSchema.parse({
        perExecution: opts.perExecution ?? null,
        perHour: opts.perHour ?? null,
        perDay: opts.perDay ?? null,
      }),
    global: GlobalBudgetsSchema.parse({ perDay: opts.globalDay ?? null }),
    modelInfo: () =>
      ModelInfoSchema.parse({ contextWindow: opts.window ?? 100_000, costPer1kIn: 0.003, costPer1kOut: 0.015 }),
    ...(opts.now ? { clock: opts.now } : {}),
  });
  return { g, store, events };
}

describe('L21 budget guard', () => {
  it('estimates pessimistically: never below bytes/4', async () => {
    const text = 'x'.repeat(12_000);
    expect(estimatePromptTokens(req(text))).toBeGreaterThanOrEqual(3000);
  });

  it('refuses a call whose estimate passes the per-execution budget, and audits it', async () => {
    const { g, events, store } = guard(tmp(), { perExecution: 1000 });
    const r = await g.check(req('x'.repeat(6000)), ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('budget.exceeded');
      expect(r.error.message).toMatch(/per-execution budget of 1000/);
      expect(r.error.message).toMatch(/not sent/);
    }
    expect(events.find((e) => e.type === 'security:blocked')?.payload).toMatchObject({
      layer: 'L21',
      reason: 'budget:execution',
      agentId: 'a',
    });
    store.close();
  });

  it('counts actual usage after the call and in-flight reservations before it', async () => {
    const { g, store } = guard(tmp(), { perExecution: 3000 });
    const r1 = await g.check(req('hi', 1000), ctx);
    expect(r1.ok).toBe(true);
    // While r1 is in flight its estimate is reserved: a second parallel call of the same size passes, a third does not.
    expect((await g.check(req('hi', 1000), ctx)).ok).toBe(true);
    expect((await g.check(req('hi', 1000), ctx)).ok).toBe(false);
    if (r1.ok) await g.settle(r1.value, answered(10, 5));
    expect((await g.status(['a'])).agents[0]?.day).toBe(15);
    store.close();
  });

  it('adds up every settled call of one execution (found by the drill: each call used to replace the total)', async () => {
    const { g, store } = guard(tmp(), { perExecution: 5000 });
    for (let i = 0; i < 3; i++) {
      const r = await g.check(req('hi', 100), ctx);
      expect(r.ok).toBe(true);
      if (r.ok) await g.settle(r.value, answered(1500, 100));
    }
    // 4800 settled + this call's estimate is over 5000: refused, though no single call came near it.
    const fourth = await g.check(req('hi', 300), ctx);
    expect(fourth.ok).toBe(false);
    if (!fourth.ok) expect(fourth.error.code).toBe('budget.exceeded');
    store.close();
  });

  it('the context-window guard refuses above 95 % of the window', async () => {
    const { g, store } = guard(tmp(), { window: 10_000 });
    expect((await g.check(req('x'.repeat(3 * 9500), 100), ctx)).ok).toBe(false);
    const r = await g.check(req('x'.repeat(3 * 9500), 100), ctx);
    if (!r.ok) expect(r.error.code).toBe('budget.context_window');
    expect((await g.check(req('x'.repeat(3 * 8000), 100), ctx)).ok).toBe(true);
    store.close();
  });

  it('daily counters survive a restart (new guard, same SQLite file) and reset at 00:00 UTC', async () => {
    const dir = tmp();
    let now = Date.UTC(2026, 10, 27, 12, 0, 0);
    const first = guard(dir, { perDay: 1000, now: () => now });
    const r = await first.g.check(req('hi', 100), ctx);
    if (r.ok) await first.g.settle(r.value, answered(600, 300));
    first.store.close();
    const second = guard(dir, { perDay: 1000, now: () => now });
    const after = await second.g.check(req('hi', 100), { ...ctx, traceId: 't2' });
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.error.details).toMatchObject({ scope: 'agent-day', used: 900 });
    now = Date.UTC(2026, 10, 28, 0, 1, 0);
    expect((await second.g.check(req('hi', 100), { ...ctx, traceId: 't3' })).ok).toBe(true);
    second.store.close();
  });

  it('hourly budget is a sliding 60 minutes; global budget spans agents', async () => {
    const dir = tmp();
    let now = Date.UTC(2026, 10, 27, 12, 0, 0);
    const { g, store } = guard(dir, { perHour: 1000, globalDay: 1500, now: () => now });
    const r = await g.check(req('hi', 100), ctx);
    if (r.ok) await g.settle(r.value, answered(900, 0));
    expect((await g.check(req('hi', 200), { ...ctx, traceId: 'x' })).ok).toBe(false);
    now += 61 * 60_000;
    expect((await g.check(req('hi', 200), { ...ctx, traceId: 'y' })).ok).toBe(true);
    const other = await g.check(req('hi', 700), { ...ctx, agentId: 'b', traceId: 'z' });
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.error.details).toMatchObject({ scope: 'global-day' });
    store.close();
  });

  it('records cost per model from the configured prices and ignores hostile usage figures', async () => {
    const { g, store } = guard(tmp());
    const r = await g.check(req('hi'), ctx);
    if (r.ok) await g.settle(r.value, answered(1000, 1000));
    const r2 = await g.check(req('hi'), ctx);
    if (r2.ok) await g.settle(r2.value, answered(-5, Number.NaN));
    const rows = await store.summary(0);
    expect(rows).toHaveLength(1);
    // The hostile figures count as zero, and the second call as its estimate: two words sent ('sys', 'hi') = 2 tokens.
    expect(rows[0]?.inputTokens).toBe(1002);
    expect(rows[0]?.outputTokens).toBe(1000);
    expect(rows[0]?.cost).toBeCloseTo((1002 / 1000) * 0.003 + 0.015, 6);
    store.close();
  });

  it('a provider reporting zero usage is counted from the content sent and received, and audited', async () => {
    const { g, store, events } = guard(tmp());
    const prompt = 'abcd'.repeat(1000);
    const r = await g.check(req(prompt), ctx);
    expect(r.ok).toBe(true);
    if (r.ok) await g.settle(r.value, { ok: true, inputTokens: 0, outputTokens: 0, ...received('abcd'.repeat(500)) });
    // 'sys' is one word (1), 4000 letters at 6 per token 667: 668 in; 2000 letters back, 334 out.
    expect((await g.status(['a'])).agents[0]?.day).toBe(668 + 334);
    expect(events.find((e) => e.type === 'security:warning')?.payload).toMatchObject({
      layer: 'L21',
      outcome: 'estimated',
      agentId: 'a',
      reportedInputTokens: 0,
      reportedOutputTokens: 0,
      countedInputTokens: 668,
      countedOutputTokens: 334,
    });
    store.close();
  });

  it('counts max(reported, estimated) per direction: an honest figure above the floor stands, a low one does not', async () => {
    const { g, store, events } = guard(tmp());
    const r = await g.check(req('abcd'.repeat(100)), ctx);
    // Input 5000 reported (above the estimate of 68), output 3 reported for 4000 letters received (estimate 667).
    if (r.ok)
      await g.settle(r.value, { ok: true, inputTokens: 5000, outputTokens: 3, ...received('abcd'.repeat(1000)) });
    expect((await g.status(['a'])).agents[0]?.day).toBe(5000 + 667);
    expect(events.filter((e) => e.type === 'security:warning')).toHaveLength(1);
    const honest = await g.check(req('abcd'.repeat(100)), { ...ctx, traceId: 't9' });
    if (honest.ok)
      await g.settle(honest.value, { ok: true, inputTokens: 150, outputTokens: 40, ...received('abcd'.repeat(25)) });
    expect((await g.status(['a'])).agents[0]?.day).toBe(5667 + 190);
    expect(events.filter((e) => e.type === 'security:warning')).toHaveLength(1);
    store.close();
  });

  it('a call that failed before any answer, or never happened, counts nothing', async () => {
    const { g, store, events } = guard(tmp(), { perExecution: 1000 });
    const failed = await g.check(req('x'.repeat(600), 400), ctx);
    if (failed.ok) await g.settle(failed.value, { ok: false, inputTokens: 0, outputTokens: 0, ...received('') });
    const cancelled = await g.check(req('x'.repeat(600), 400), ctx);
    expect(cancelled.ok).toBe(true);
    if (cancelled.ok) await g.release(cancelled.value);
    expect((await g.status(['a'])).agents[0]?.day).toBe(0);
    expect((await g.status(['a'])).inflight).toBe(0);
    expect(events.some((e) => e.type === 'security:warning')).toBe(false);
    // A failed call that had already streamed part of an answer is counted (input and output floors).
    const partial = await g.check(req('abcd'.repeat(150), 400), ctx);
    if (partial.ok)
      await g.settle(partial.value, { ok: false, inputTokens: 0, outputTokens: 0, ...received('abcd'.repeat(10)) });
    expect((await g.status(['a'])).agents[0]?.day).toBe(
      tokens('sys') + tokens('abcd'.repeat(150)) + tokens('abcd'.repeat(10)),
    );
    store.close();
  });
});

describe('L22 circuit breaker', () => {
  function breakers(cfg: Record<string, unknown> = {}) {
    let now = 0;
    const bus = new EventBus();
    const events: Envelope<EventType>[] = [];
    bus.on('*', (e) => events.push(e));
    const b = new CircuitBreakers({
      bus,
      clock: () => now,
      config: () => BreakerConfigSchema.parse({ failureThreshold: 3, latencyMs: 1000, cooldownMs: 5000, ...cfg }),
    });
    return { b, events, advance: (ms: number) => (now += ms) };
  }

  it('opens after N consecutive failures, answers at once while open, recovers through half-open', () => {
    const { b, events, advance } = breakers();
    for (let i = 0; i < 3; i++) {
      const t = b.acquire('p', 'm');
      expect(t.ok).toBe(true);
      if (t.ok) b.report(t.value, { ok: false, latencyMs: 5 });
    }
    expect(b.state('p', 'm')).toBe('open');
    const refused = b.acquire('p', 'm');
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('breaker.open');
      expect(refused.error.message).toMatch(/unavailable/);
    }
    advance(5000);
    const probe = b.acquire('p', 'm');
    expect(probe.ok).toBe(true);
    expect(b.state('p', 'm')).toBe('half-open');
    // Only one probe at a time.
    expect(b.acquire('p', 'm').ok).toBe(false);
    if (probe.ok) b.report(probe.value, { ok: true, latencyMs: 5 });
    expect(b.state('p', 'm')).toBe('closed');
    expect(events.filter((e) => e.payload.layer === 'L22').map((e) => e.payload.outcome)).toEqual([
      'breaker-open',
      'breaker-half-open',
      'breaker-closed',
    ]);
  });

  it('a success resets the failure count; other provider/model pairs are independent', () => {
    const { b } = breakers();
    for (const okay of [false, false, true, false, false]) {
      const t = b.acquire('p', 'm');
      if (t.ok) b.report(t.value, { ok: okay, latencyMs: 1 });
    }
    expect(b.state('p', 'm')).toBe('closed');
    for (let i = 0; i < 3; i++) {
      const t = b.acquire('p', 'other');
      if (t.ok) b.report(t.value, { ok: false, latencyMs: 1 });
    }
    expect(b.state('p', 'other')).toBe('open');
    expect(b.state('p', 'm')).toBe('closed');
  });

  it('a failed probe re-opens; slow calls count as failures', () => {
    const { b, advance } = breakers({ failureThreshold: 1 });
    const t = b.acquire('p', 'm');
    if (t.ok) b.report(t.value, { ok: true, latencyMs: 1500 });
    expect(b.state('p', 'm')).toBe('open');
    advance(5000);
    const probe = b.acquire('p', 'm');
    if (probe.ok) b.report(probe.value, { ok: false, latencyMs: 1 });
    expect(b.state('p', 'm')).toBe('open');
    expect(b.acquire('p', 'm').ok).toBe(false);
  });

  it('calls still hanging past the latency limit open it without waiting for them', () => {
    const { b, advance } = breakers({ failureThreshold: 2 });
    const h1 = b.acquire('p', 'm');
    const h2 = b.acquire('p', 'm');
    advance(1001);
    const third = b.acquire('p', 'm');
    expect(third.ok).toBe(false);
    expect(b.status()[0]).toMatchObject({ state: 'open', inflight: 2 });
    // The hung calls finishing later change nothing.
    if (h1.ok) b.report(h1.value, { ok: true, latencyMs: 10 });
    if (h2.ok) b.report(h2.value, { ok: true, latencyMs: 10 });
    expect(b.state('p', 'm')).toBe('open');
  });

  it('reports a configured fallback message and model', () => {
    const { b } = breakers({
      failureThreshold: 1,
      fallbackMessage: 'The assistant is resting.',
      fallbackModel: 'small',
    });
    const t = b.acquire('p', 'm');
    if (t.ok) b.report(t.value, { ok: false, latencyMs: 1 });
    const r = b.acquire('p', 'm');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toBe('The assistant is resting.');
      expect(r.error.details).toMatchObject({ fallbackModel: 'small' });
    }
  });
});

describe('L22 fallback model in the controls (beforeModelCall / afterModelCall)', () => {
  function setup(cfg: Record<string, unknown>, budget?: BudgetGuard) {
    const bus = new EventBus();
    const events: Envelope<EventType>[] = [];
    bus.on('*', (e) => events.push(e));
    const b = new CircuitBreakers({
      bus,
      config: () => BreakerConfigSchema.parse({ failureThreshold: 1, cooldownMs: 60_000, ...cfg }),
    });
    const driver = modelCallDriver([breakerGate(b, bus, () => 'p'), ...(budget ? [budgetGate(budget)] : [])]);
    const controls = {
      beforeModelCall: driver.before,
      afterModelCall: (o: ModelCallOutcome, _ctx?: unknown) => driver.after(o),
    };
    const request = (model = 'm') => ({ ...req('hi'), model, signal: new AbortController().signal });
    const fail = { ok: false, inputTokens: 0, outputTokens: 0, latencyMs: 5, receivedBytes: 0, receivedTokens: 0 };
    const success = { ok: true, inputTokens: 10, outputTokens: 5, latencyMs: 5, receivedBytes: 20, receivedTokens: 5 };
    return { b, events, controls, request, fail, success, close: () => undefined };
  }

  it('a failure that opens the primary advises one retry, which goes to the fallback; the switch is audited', async () => {
    const s = setup({ fallbackModel: 'small' });
    expect(await s.controls.beforeModelCall(s.request(), ctx)).toEqual({ ok: true, value: undefined });
    expect(await s.controls.afterModelCall(s.fail, ctx)).toEqual({ retry: true });
    expect(s.b.state('p', 'm')).toBe('open');
    expect(await s.controls.beforeModelCall(s.request(), ctx)).toEqual({ ok: true, value: { model: 'small' } });
    const switched = s.events.find((e) => e.type === 'security:warning' && e.payload.outcome === 'fallback');
    expect(switched?.payload).toMatchObject({
      layer: 'L22',
      agentId: 'a',
      traceId: 't1',
      breaker: 'p/m',
      model: 'small',
      primaryModel: 'm',
    });
    // The fallback call is accounted to the fallback's own breaker.
    expect(await s.controls.afterModelCall(s.success, ctx)).toBeUndefined();
    expect(s.b.status().find((x) => x.key === 'p/small')).toMatchObject({ state: 'closed', inflight: 0 });
    s.close();
  });

  it('a failing fallback opens its own breaker and advises no further retry', async () => {
    const s = setup({ fallbackModel: 'small' });
    await s.controls.beforeModelCall(s.request(), ctx);
    await s.controls.afterModelCall(s.fail, ctx);
    expect(await s.controls.beforeModelCall(s.request(), ctx)).toEqual({ ok: true, value: { model: 'small' } });
    expect(await s.controls.afterModelCall(s.fail, ctx)).toBeUndefined();
    expect(s.b.state('p', 'small')).toBe('open');
    // Both open: the primary's immediate refusal, as without a fallback.
    const r = await s.controls.beforeModelCall(s.request(), ctx);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'breaker.open', details: { breaker: 'p/m', fallbackModel: 'small' } },
    });
    s.close();
  });

  it('without a fallback model an open breaker refuses at once and no retry is advised', async () => {
    const s = setup({});
    await s.controls.beforeModelCall(s.request(), ctx);
    expect(await s.controls.afterModelCall(s.fail, ctx)).toBeUndefined();
    expect(await s.controls.beforeModelCall(s.request(), ctx)).toMatchObject({
      ok: false,
      error: { code: 'breaker.open' },
    });
    expect(s.events.some((e) => e.payload.outcome === 'fallback')).toBe(false);
    s.close();
  });

  it('the budget is checked for the fallback model; a budget refusal gives the breaker slot back', async () => {
    const { g, store } = guard(tmp(), { perExecution: 1000 });
    const s = setup({ fallbackModel: 'small' }, g);
    await s.controls.beforeModelCall(s.request(), ctx);
    await s.controls.afterModelCall(s.fail, ctx);
    const big = { ...s.request(), messages: [{ role: 'user' as const, content: 'x'.repeat(8000) }] };
    expect(await s.controls.beforeModelCall(big, ctx)).toMatchObject({ ok: false, error: { code: 'budget.exceeded' } });
    expect(s.b.status().find((x) => x.key === 'p/small')).toMatchObject({ inflight: 0 });
    s.close();
    store.close();
  });
});
