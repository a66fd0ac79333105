/**
 * Agent controls overhead per call: L27 classification, L13 effect hash and approval check (cache
 * hit, as for a repeated approved action), the execution-time re-check of guardTool, the L21 budget
 * check + accounting (SQLite) and the L22 breaker, each on its own and as the whole beforeToolCall hook.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeAsync, timeSync, type Timing } from '../measure.js';
import { EventBus } from '../../src/core/events.js';
import { ok } from '../../src/core/result.js';
import type { ModelCallItem } from '../../src/agent/boundaries.js';
import { createActionGates } from '../../src/agent/gates/action-gates.js';
import { breakerGate, budgetGate } from '../../src/agent/gates/model-call-gates.js';
import type { ToolCall } from '../../src/agent/types.js';
import { internalCaller } from '../../src/core/caller.js';
import type { CallContext } from '../../src/core/context.js';
import { runPipeline } from '../../src/core/pipeline.js';
import { BudgetGuard } from '../../src/agent/budget/budget-guard.js';
import {
  AgentBudgetsSchema,
  BreakerConfigSchema,
  GlobalBudgetsSchema,
  ModelInfoSchema,
} from '../../src/config/sections/budget.js';
import { usageStoreIn, queueStore } from '../../test/support/stores.js';
import { CircuitBreakers } from '../../src/agent/breaker/circuit-breaker.js';
import type { Tool } from '../../src/agent/tools/tool.js';
import { classifyAction } from '../../src/policy/action-classifier.js';
import { ApprovalQueue } from '../../src/policy/approvals.js';
import { ApprovalsConfigSchema } from '../../src/config/sections/approvals.js';
import { effectHash } from '../../src/policy/effect-hash.js';

const suite: Suite = {
  name: 'controls',
  async run() {
    const ws = realpathSync(mkdtempSync(path.join(tmpdir(), 'bulwark-bench-controls-')));
    mkdirSync(path.join(ws, 'src'));
    writeFileSync(path.join(ws, 'src', 'main.ts'), 'export const x = 1;\n'.repeat(200));
    const rows: (string | number)[][] = [];
    const data: Record<string, Timing> = {};
    const checks: Check[] = [];
    const record = (name: string, t: Timing, maxP50Ms?: number): void => {
      data[name] = t;
      rows.push([name, t.n, t.p50 / 1000, t.p99 / 1000]);
      if (maxP50Ms !== undefined) checks.push({ name: `${name} p50 ms`, value: t.p50 / 1000, max: maxP50Ms });
    };
    try {
      const scratch = ['scratch'];
      const cases: Array<[string, string, 'exec' | 'write' | 'network' | 'read' | undefined, object]> = [
        ['classify exec "ls -la"', 'exec', 'exec', { command: 'ls -la' }],
        [
          'classify exec pipeline (5 commands, quotes, redirect)',
          'exec',
          'exec',
          { command: `git status && grep -rn "TODO" src | sort | uniq -c > scratch/todo.txt; FOO=1 make test` },
        ],
        ['classify write (new file)', 'write', 'write', { path: 'src/new.ts', content: 'x'.repeat(2000) }],
        [
          'classify write (overwrite: stat + sha256 of 4 KB)',
          'write',
          'write',
          { path: 'src/main.ts', content: 'y'.repeat(2000) },
        ],
        ['classify web_fetch GET', 'web_fetch', 'network', { url: 'https://example.com/a' }],
        ['classify undeclared tool', 'mystery', undefined, { a: 1 }],
      ];
      for (const [name, tool, declared, args] of cases) {
        const argsJson = JSON.stringify(args);
        record(
          name,
          timeSync(() => classifyAction({ tool, declared, argsJson, workspace: ws, scratch }), 20_000),
          0.2,
        );
      }
      const effect = {
        tool: 'exec',
        args: { command: 'ls -la', cwd: 'src', env: { A: '1' } },
        cwd: ws,
        network: { mode: 'none' as const, grants: ['a.example'] },
        agentId: 'a',
        sessionId: 's',
      };
      record(
        'effect hash (canonical JSON + sha256)',
        timeSync(() => effectHash(effect), 20_000),
        0.05,
      );

      const bus = new EventBus();
      const queue = new ApprovalQueue({ bus, ...queueStore() });
      const ran = { n: 0 };
      const exec: Tool = {
        spec: { name: 'exec', description: 'x', inputSchema: {} },
        group: 'runtime',
        actionClass: 'exec',
        external: true,
        async run() {
          ran.n += 1;
          return ok('');
        },
      };
      const store = usageStoreIn(ws);
      const budget = new BudgetGuard({
        store,
        bus,
        budgetsFor: () => AgentBudgetsSchema.parse({ perExecution: null, perHour: 1e12, perDay: 1e12 }),
        global: GlobalBudgetsSchema.parse({ perDay: 1e12 }),
        modelInfo: () => ModelInfoSchema.parse({}),
      });
      const breakers = new CircuitBreakers({ bus, config: () => BreakerConfigSchema.parse({}) });
      const actions = createActionGates({
        bus,
        approvals: queue,
        approvalsConfig: () => ApprovalsConfigSchema.parse({}),
        tool: () => exec,
        workspace: () => ws,
        network: () => ({ mode: 'none', grants: [] }),
      });
      const modelGates = [breakerGate(breakers, bus, () => 'default'), budgetGate(budget)];
      const ctx: CallContext = { agentId: 'a', sessionId: 's', traceId: 't', caller: internalCaller('bench') };
      const signal = new AbortController().signal;
      // The tool-call gates L27 → L13 and the tool-run re-check, as the turn loop runs them.
      const beforeToolCall = async (call: ToolCall) => {
        const r = await runPipeline(
          [actions.classify, actions.approve],
          { call, ref: { id: 'c', name: call.name }, tool: exec },
          ctx,
          signal,
        );
        return r.ok ? ok(undefined) : r;
      };
      const guarded = {
        run: async (args: unknown, runCtx: { workspace: string }) => {
          const r = await runPipeline(
            [actions.recheck],
            { tool: exec, args, workspace: runCtx.workspace },
            ctx,
            signal,
          );
          return r.ok ? exec.run(args, { ...ctx, workspace: runCtx.workspace, signal }) : r;
        },
      };
      const safeCall = { id: 'c', name: 'exec', arguments: JSON.stringify({ command: 'ls -la src' }) };
      record(
        'tool-call gates L27 + L13, allowed (classify + decision)',
        await timeAsync(() => beforeToolCall(safeCall), 20_000),
        0.2,
      );
      const dangerous = { id: 'd', name: 'exec', arguments: JSON.stringify({ command: 'rm -rf build' }) };
      const first = beforeToolCall(dangerous);
      // The gates run one after the other (each awaited): the request is queued a few ticks later.
      for (let i = 0; i < 100 && queue.list().length === 0; i++) await new Promise((r) => setImmediate(r));
      const pending = queue.list()[0];
      if (!pending) throw new Error('expected a pending approval');
      queue.decide(pending.id, 'approve', 'bench');
      await first;
      const runCtx = { ...ctx, workspace: ws, signal };
      const approvedRun = async (): Promise<void> => {
        const gate = await beforeToolCall(dangerous);
        if (!gate.ok) throw new Error(gate.error.message);
        const r = await guarded.run({ command: 'rm -rf build' }, runCtx);
        if (!r.ok) throw new Error(r.error.message);
      };
      // The approval cache lasts 30 s: keep n small enough to stay inside it.
      record(
        'approved destructive call: L27 + L13 (cache hit) + tool-run re-check',
        await timeAsync(approvedRun, 5_000),
        0.5,
      );
      record(
        'tool-run re-check on an allowed call (re-classify)',
        await timeAsync(() => guarded.run({ command: 'ls -la src' }, runCtx), 10_000),
        0.2,
      );
      record('raw tool call (baseline)', await timeAsync(() => exec.run({}, runCtx), 10_000));

      const request = {
        model: 'm',
        system: 'You are a helpful assistant.',
        messages: [{ role: 'user' as const, content: 'x'.repeat(4000) }],
        tools: [],
        maxTokens: 1024,
        signal: new AbortController().signal,
      };
      const modelRound = async (): Promise<void> => {
        const item: ModelCallItem = { request, settlements: [] };
        const r = await runPipeline(modelGates, item, ctx, signal);
        if (!r.ok) throw new Error(r.error.message);
        for (const s of item.settlements)
          await s.after(
            { ok: true, inputTokens: 1400, outputTokens: 200, latencyMs: 500, receivedBytes: 800, receivedTokens: 200 },
            signal,
          );
      };
      record(
        'model call: L21 check (5 SQLite sums) + L22 + accounting (1 upsert)',
        await timeAsync(modelRound, 5_000),
        1,
      );
      queue.shutdown();
      store.close();
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
    const markdown = `## Agent controls overhead per call (L27, L13, L21, L22)\n\n${markdownTable(['case', 'n', 'p50 ms', 'p99 ms'], rows)}\n`;
    return { name: 'controls', markdown, data, checks };
  },
};

export default suite;
