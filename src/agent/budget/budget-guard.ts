/**
 * L21 budget guard. Before each model call: estimate the prompt plus the requested max output and
 * refuse the call if it would pass a budget (per execution, per hour, per day; per agent and
 * global) or fill more than 95 % of the model's context window. Calls in flight are reserved so
 * parallel calls cannot all slip under a limit. After the call, the provider's actual usage is
 * recorded in SQLite.
 */
import { auditContext } from '../../core/context.js';
import { bulwarkError, type BulwarkError } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ModelRequest, TurnContext } from '../types.js';
import type { AgentBudgets, GlobalBudgets, ModelInfo } from '../../config/sections/budget.js';
import { estimatePromptTokens } from './estimate.js';
import { startOfUtcDay, type UsageStore } from './usage-store.js';

export interface BudgetGuardOptions {
  readonly store: UsageStore;
  readonly bus: EventBus;
  readonly budgetsFor: (agentId: string) => AgentBudgets;
  readonly global: GlobalBudgets;
  readonly modelInfo: (model: string) => ModelInfo;
  readonly clock?: () => number;
  /** Fraction of the context window above which a call is refused (default 0.95). */
  readonly contextFraction?: number;
}

export interface Reservation {
  readonly id: number;
  readonly agentId: string;
  readonly traceId: string;
  readonly model: string;
  readonly estimate: number;
}

type Scope = 'execution' | 'agent-hour' | 'agent-day' | 'global-hour' | 'global-day';

const HOUR = 3_600_000;
const MAX_TRACKED_EXECUTIONS = 10_000;

export class BudgetGuard {
  private readonly clock: () => number;
  private readonly contextFraction: number;
  private readonly inflight = new Map<number, Reservation>();
  private readonly executions = new Map<string, number>();
  private nextId = 1;

  constructor(private readonly opts: BudgetGuardOptions) {
    this.clock = opts.clock ?? Date.now;
    this.contextFraction = opts.contextFraction ?? 0.95;
  }

  check(
    req: Pick<ModelRequest, 'model' | 'system' | 'messages' | 'tools' | 'maxTokens'>,
    ctx: TurnContext,
  ): Result<Reservation, BulwarkError> {
    const prompt = estimatePromptTokens(req);
    const estimate = prompt + Math.max(0, req.maxTokens);
    const info = this.opts.modelInfo(req.model);
    const windowLimit = Math.floor(info.contextWindow * this.contextFraction);
    if (estimate > windowLimit) {
      return this.refuse(
        ctx,
        'context-window',
        estimate,
        0,
        windowLimit,
        `this call needs about ${estimate} tokens (prompt ${prompt} + max output ${req.maxTokens}), over ${Math.round(this.contextFraction * 100)} % of the ${info.contextWindow}-token context window of ${req.model}; start a new session or shorten the input`,
      );
    }
    const now = this.clock();
    const b = this.opts.budgetsFor(ctx.agentId);
    const checks: Array<[Scope, number | null, () => number]> = [
      [
        'execution',
        b.perExecution,
        () => (this.executions.get(ctx.traceId) ?? 0) + this.inflightSum((r) => r.traceId === ctx.traceId),
      ],
      [
        'agent-hour',
        b.perHour,
        () => this.opts.store.tokensSince(now - HOUR, ctx.agentId) + this.inflightSum((r) => r.agentId === ctx.agentId),
      ],
      [
        'agent-day',
        b.perDay,
        () =>
          this.opts.store.tokensSince(startOfUtcDay(now), ctx.agentId) +
          this.inflightSum((r) => r.agentId === ctx.agentId),
      ],
      [
        'global-hour',
        this.opts.global.perHour,
        () => this.opts.store.tokensSince(now - HOUR) + this.inflightSum(() => true),
      ],
      [
        'global-day',
        this.opts.global.perDay,
        () => this.opts.store.tokensSince(startOfUtcDay(now)) + this.inflightSum(() => true),
      ],
    ];
    for (const [scope, limit, usedFn] of checks) {
      if (limit === null) continue;
      const used = usedFn();
      if (used + estimate > limit) {
        return this.refuse(
          ctx,
          scope,
          estimate,
          used,
          limit,
          `this call needs about ${estimate} tokens but only ${Math.max(0, limit - used)} of the ${describeScope(scope, ctx.agentId)} budget of ${limit} remain; the call was not sent. ${fixFor(scope)}`,
        );
      }
    }
    const r: Reservation = {
      id: this.nextId++,
      agentId: ctx.agentId,
      traceId: ctx.traceId,
      model: req.model,
      estimate,
    };
    this.inflight.set(r.id, r);
    return ok(r);
  }

  /** Releases the reservation and records what the provider actually reported. */
  settle(r: Reservation, usage: { inputTokens: number; outputTokens: number }): void {
    if (!this.inflight.delete(r.id)) return;
    const input = sane(usage.inputTokens);
    const output = sane(usage.outputTokens);
    this.recordUsage(r.agentId, r.traceId, r.model, input, output);
  }

  /** Usage reported without a reservation (e.g. by a caller that skipped the check) still counts. */
  recordUsage(agentId: string, traceId: string, model: string, input: number, output: number): void {
    const total = input + output;
    if (total === 0) return;
    const info = this.opts.modelInfo(model);
    const cost = (input / 1000) * info.costPer1kIn + (output / 1000) * info.costPer1kOut;
    this.opts.store.record(agentId, model, input, output, cost, this.clock());
    this.executions.delete(traceId);
    this.executions.set(traceId, (this.executions.get(traceId) ?? 0) + total);
    if (this.executions.size > MAX_TRACKED_EXECUTIONS) {
      const oldest = this.executions.keys().next().value;
      if (oldest !== undefined) this.executions.delete(oldest);
    }
  }

  /** For `bulwark layers`/`status` and `bulwark usage`. */
  status(agentIds: readonly string[]): {
    agents: Array<{ agentId: string; hour: number; day: number; budgets: AgentBudgets }>;
    global: { hour: number; day: number; budgets: GlobalBudgets };
    inflight: number;
  } {
    const now = this.clock();
    return {
      agents: agentIds.map((agentId) => ({
        agentId,
        hour: this.opts.store.tokensSince(now - HOUR, agentId),
        day: this.opts.store.tokensSince(startOfUtcDay(now), agentId),
        budgets: this.opts.budgetsFor(agentId),
      })),
      global: {
        hour: this.opts.store.tokensSince(now - HOUR),
        day: this.opts.store.tokensSince(startOfUtcDay(now)),
        budgets: this.opts.global,
      },
      inflight: this.inflight.size,
    };
  }

  private inflightSum(pred: (r: Reservation) => boolean): number {
    let n = 0;
    for (const r of this.inflight.values()) if (pred(r)) n += r.estimate;
    return n;
  }

  private refuse(
    ctx: TurnContext,
    scope: Scope | 'context-window',
    estimate: number,
    used: number,
    limit: number,
    detail: string,
  ): Result<never, BulwarkError> {
    this.opts.bus.emit('security:blocked', {
      ...auditContext(ctx),
      layer: 'L21',
      outcome: 'refused',
      reason: `budget:${scope}`,
      estimate,
      used,
      limit,
    });
    return err(
      bulwarkError(
        scope === 'context-window' ? 'budget.context_window' : 'budget.exceeded',
        `Budget guard (L21): ${detail}`,
        {
          layer: 'L21',
          status: 429,
          details: { scope, estimate, used, limit },
        },
      ),
    );
  }
}

function sane(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 1e12) : 0;
}

function describeScope(scope: Scope, agentId: string): string {
  switch (scope) {
    case 'execution':
      return 'per-execution';
    case 'agent-hour':
      return `hourly (agent "${agentId}")`;
    case 'agent-day':
      return `daily (agent "${agentId}")`;
    case 'global-hour':
      return 'global hourly';
    case 'global-day':
      return 'global daily';
  }
}

function fixFor(scope: Scope): string {
  switch (scope) {
    case 'execution':
      return 'Start a new request, or raise budgets.perExecution for this agent.';
    case 'agent-hour':
      return 'Wait for the hour to roll over, or raise budgets.perHour for this agent.';
    case 'agent-day':
      return 'Wait until 00:00 UTC, or raise budgets.perDay for this agent.';
    case 'global-hour':
      return 'Wait for the hour to roll over, or raise the global budgets.perHour.';
    case 'global-day':
      return 'Wait until 00:00 UTC, or raise the global budgets.perDay.';
  }
}
