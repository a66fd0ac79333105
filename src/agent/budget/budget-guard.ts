/**
 * L21 budget guard. Before each model call: estimate the prompt plus the requested max output and
 * refuse the call if it would pass a budget (per execution, per hour, per day; per agent and
 * global) or fill more than 95 % of the model's context window. Calls in flight are reserved so
 * parallel calls cannot all slip under a limit. After the call, the usage store records the larger of what the
 * provider reported and an estimate of the content sent and received (estimate.ts), per direction: a
 * provider that reports no usage, or too little, is counted all the same, and each such call is audited.
 */
import {
  auditContext,
  bulwarkError,
  callerKey,
  type BulwarkError,
  type EventBus,
  type EventContext,
  err,
  ok,
  type Result,
} from '../../core/index.js';
import type { ModelCallOutcome, ModelRequest, TurnContext } from '../types.js';
import type { AgentBudgets, GlobalBudgets, ModelInfo } from '../../config/index.js';
import { estimatePromptTokens, requestTokens } from './estimate.js';
import { usageCount } from './reported-usage.js';
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
  /** `kind:id` of the caller the call is for (L21 per caller). */
  readonly caller: string;
  /** The caller is not the owner (L21 strangers' share). */
  readonly stranger: boolean;
  readonly model: string;
  readonly estimate: number;
  /** Estimated tokens of the content the request sends (counted after the call when the provider reports less). */
  readonly sentTokens: number;
  /** Who the call was for, in audit events. */
  readonly audit: EventContext;
}

/** What `settle` needs of a finished call. */
export type SettledCall = Pick<
  ModelCallOutcome,
  'ok' | 'inputTokens' | 'outputTokens' | 'receivedBytes' | 'receivedTokens'
>;

export interface BudgetStatus {
  readonly agents: Array<{ agentId: string; hour: number; day: number; budgets: AgentBudgets }>;
  readonly global: { hour: number; day: number; budgets: GlobalBudgets };
  readonly inflight: number;
}

type Scope =
  | 'execution'
  | 'agent-hour'
  | 'agent-day'
  | 'strangers-hour'
  | 'strangers-day'
  | 'caller-hour'
  | 'caller-day'
  | 'global-hour'
  | 'global-day'
  | 'global-strangers-hour'
  | 'global-strangers-day';

const HOUR = 3_600_000;
const MAX_TRACKED_EXECUTIONS = 10_000;

export class BudgetGuard {
  private readonly clock: () => number;
  private readonly contextFraction: number;
  private readonly inflight = new Map<number, Reservation>();
  private readonly executions = new Map<string, number>();
  private nextId = 1;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BudgetGuardOptions) {
    this.clock = opts.clock ?? Date.now;
    this.contextFraction = opts.contextFraction ?? 0.95;
  }

  /**
   * Refuses the call, or reserves its estimate until `settle`. The sums read from the store and the reservations in
   * flight are taken together, exclusively (no settle moves a call from one to the other in between), so parallel
   * calls cannot all slip under a limit.
   */
  check(
    req: Pick<ModelRequest, 'model' | 'system' | 'messages' | 'tools' | 'maxTokens'>,
    ctx: TurnContext,
  ): Promise<Result<Reservation, BulwarkError>> {
    const prompt = estimatePromptTokens(req);
    const estimate = prompt + Math.max(0, req.maxTokens);
    const info = this.opts.modelInfo(req.model);
    const windowLimit = Math.floor(info.contextWindow * this.contextFraction);
    if (estimate > windowLimit) {
      return Promise.resolve(
        this.refuse(
          ctx,
          'context-window',
          estimate,
          0,
          windowLimit,
          `this call needs about ${estimate} tokens (prompt ${prompt} + max output ${req.maxTokens}), over ${Math.round(this.contextFraction * 100)} % of the ${info.contextWindow}-token context window of ${req.model}; start a new session or shorten the input`,
        ),
      );
    }
    return this.exclusive(async () => {
      const now = this.clock();
      const b = this.opts.budgetsFor(ctx.agentId);
      const store = this.opts.store;
      const caller = callerKey(ctx.caller);
      const stranger = ctx.caller.owner !== true;
      // Callers that are not the owner share at most this part of the agent's windows: the rest stays the owner's.
      const share = (limit: number | null) =>
        stranger && limit !== null ? Math.floor(limit * b.strangersShare) : null;
      const checks: Array<[Scope, number | null, () => Promise<number>]> = [
        [
          'execution',
          b.perExecution,
          () =>
            Promise.resolve(
              (this.executions.get(ctx.traceId) ?? 0) + this.inflightSum((r) => r.traceId === ctx.traceId),
            ),
        ],
        [
          'agent-hour',
          b.perHour,
          async () =>
            (await store.tokensSince(now - HOUR, ctx.agentId)) + this.inflightSum((r) => r.agentId === ctx.agentId),
        ],
        [
          'agent-day',
          b.perDay,
          async () =>
            (await store.tokensSince(startOfUtcDay(now), ctx.agentId)) +
            this.inflightSum((r) => r.agentId === ctx.agentId),
        ],
        [
          'strangers-hour',
          share(b.perHour),
          async () =>
            (await store.tokensSinceStrangers(now - HOUR, ctx.agentId)) +
            this.inflightSum((r) => r.stranger && r.agentId === ctx.agentId),
        ],
        [
          'strangers-day',
          share(b.perDay),
          async () =>
            (await store.tokensSinceStrangers(startOfUtcDay(now), ctx.agentId)) +
            this.inflightSum((r) => r.stranger && r.agentId === ctx.agentId),
        ],
        [
          'caller-hour',
          this.opts.global.perCaller?.perHour ?? null,
          async () =>
            (await store.tokensSinceCaller(now - HOUR, caller)) + this.inflightSum((r) => r.caller === caller),
        ],
        [
          'caller-day',
          this.opts.global.perCaller?.perDay ?? null,
          async () =>
            (await store.tokensSinceCaller(startOfUtcDay(now), caller)) + this.inflightSum((r) => r.caller === caller),
        ],
        [
          'global-hour',
          this.opts.global.perHour,
          async () => (await store.tokensSince(now - HOUR)) + this.inflightSum(() => true),
        ],
        [
          'global-day',
          this.opts.global.perDay,
          async () => (await store.tokensSince(startOfUtcDay(now))) + this.inflightSum(() => true),
        ],
        // The owner's part of the daemon-wide windows is kept too: strangers of every agent together stop at this
        // agent's share of them.
        [
          'global-strangers-hour',
          share(this.opts.global.perHour),
          async () => (await store.tokensSinceStrangers(now - HOUR)) + this.inflightSum((r) => r.stranger),
        ],
        [
          'global-strangers-day',
          share(this.opts.global.perDay),
          async () => (await store.tokensSinceStrangers(startOfUtcDay(now))) + this.inflightSum((r) => r.stranger),
        ],
      ];
      for (const [scope, limit, usedFn] of checks) {
        if (limit === null) continue;
        const used = await usedFn();
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
        caller,
        stranger,
        model: req.model,
        estimate,
        sentTokens: requestTokens(req),
        audit: auditContext(ctx),
      };
      this.inflight.set(r.id, r);
      return ok(r);
    });
  }

  /**
   * Records the call's usage, then releases the reservation. Each direction counts max(reported, estimate): the input
   * estimate is of the content sent, counted once the provider answered (the call succeeded or sent anything back),
   * the output estimate of the text and tool calls received. A call counted above what the provider reported is audited. Rejects
   * when the store cannot keep the usage (the reservation is released all the same).
   */
  settle(r: Reservation, call: SettledCall): Promise<void> {
    return this.exclusive(async () => {
      if (!this.inflight.has(r.id)) return;
      try {
        const reported = { input: usageCount(call.inputTokens), output: usageCount(call.outputTokens) };
        const answered = call.ok || call.receivedBytes > 0;
        const estimate = { input: answered ? r.sentTokens : 0, output: call.receivedTokens };
        const counted = {
          input: Math.max(reported.input, estimate.input),
          output: Math.max(reported.output, estimate.output),
        };
        if (counted.input > reported.input || counted.output > reported.output)
          this.auditEstimate(r, reported, counted);
        await this.record(r.agentId, r.traceId, r.model, counted.input, counted.output, r.caller, r.stranger);
      } finally {
        this.inflight.delete(r.id);
      }
    });
  }

  /** Releases the reservation of a call that never happened (a later gate refused it, or the turn ended first). */
  release(r: Reservation): Promise<void> {
    return this.exclusive(() => {
      this.inflight.delete(r.id);
      return Promise.resolve();
    });
  }

  private auditEstimate(
    r: Reservation,
    reported: { input: number; output: number },
    counted: { input: number; output: number },
  ): void {
    const none = reported.input + reported.output === 0;
    this.opts.bus.emit('security:warning', {
      ...r.audit,
      layer: 'L21',
      outcome: 'estimated',
      reason: none
        ? 'the provider reported no usage: the call is counted from an estimate of what was sent and received'
        : 'the provider reported less usage than what was sent and received is estimated at: the estimate is counted',
      model: r.model,
      reportedInputTokens: reported.input,
      reportedOutputTokens: reported.output,
      countedInputTokens: counted.input,
      countedOutputTokens: counted.output,
    });
  }

  /** Usage reported without a reservation (e.g. by a caller that skipped the check) still counts. */
  recordUsage(agentId: string, traceId: string, model: string, input: number, output: number): Promise<void> {
    return this.exclusive(() => this.record(agentId, traceId, model, usageCount(input), usageCount(output)));
  }

  private async record(
    agentId: string,
    traceId: string,
    model: string,
    input: number,
    output: number,
    caller?: string,
    stranger?: boolean,
  ): Promise<void> {
    const total = input + output;
    if (total === 0) return;
    // Read before the delete (which moves the entry to the end of the eviction order): the run's total accumulates.
    const before = this.executions.get(traceId) ?? 0;
    this.executions.delete(traceId);
    this.executions.set(traceId, before + total);
    if (this.executions.size > MAX_TRACKED_EXECUTIONS) {
      const oldest = this.executions.keys().next().value;
      if (oldest !== undefined) this.executions.delete(oldest);
    }
    const info = this.opts.modelInfo(model);
    const cost = (input / 1000) * info.costPer1kIn + (output / 1000) * info.costPer1kOut;
    await this.opts.store.record({
      agent: agentId,
      model,
      inputTokens: input,
      outputTokens: output,
      cost,
      at: this.clock(),
      ...(caller !== undefined ? { caller } : {}),
      ...(stranger === true ? { stranger } : {}),
    });
  }

  /** For `bulwark layers`/`status` and `bulwark usage`. */
  async status(agentIds: readonly string[]): Promise<BudgetStatus> {
    const now = this.clock();
    const store = this.opts.store;
    const agents = [];
    for (const agentId of agentIds) {
      agents.push({
        agentId,
        hour: await store.tokensSince(now - HOUR, agentId),
        day: await store.tokensSince(startOfUtcDay(now), agentId),
        budgets: this.opts.budgetsFor(agentId),
      });
    }
    return {
      agents,
      global: {
        hour: await store.tokensSince(now - HOUR),
        day: await store.tokensSince(startOfUtcDay(now)),
        budgets: this.opts.global,
      },
      inflight: this.inflight.size,
    };
  }

  /** Runs `task` after every earlier exclusive task has finished (failed ones too). */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
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

function describeScope(scope: Scope, agentId: string): string {
  switch (scope) {
    case 'execution':
      return 'per-execution';
    case 'agent-hour':
      return `hourly (agent "${agentId}")`;
    case 'agent-day':
      return `daily (agent "${agentId}")`;
    case 'strangers-hour':
      return `hourly share for callers other than the owner (agent "${agentId}")`;
    case 'strangers-day':
      return `daily share for callers other than the owner (agent "${agentId}")`;
    case 'caller-hour':
      return 'hourly per-caller';
    case 'caller-day':
      return 'daily per-caller';
    case 'global-hour':
      return 'global hourly';
    case 'global-day':
      return 'global daily';
    case 'global-strangers-hour':
      return `global hourly share for callers other than the owner (agent "${agentId}")`;
    case 'global-strangers-day':
      return `global daily share for callers other than the owner (agent "${agentId}")`;
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
    case 'strangers-hour':
      return 'The rest of the hour is kept for the owner: wait for the hour to roll over, or raise budgets.strangersShare (0–1) or budgets.perHour for this agent.';
    case 'strangers-day':
      return 'The rest of the day is kept for the owner: wait until 00:00 UTC, or raise budgets.strangersShare (0–1) or budgets.perDay for this agent.';
    case 'caller-hour':
      return 'Wait for the hour to roll over, or raise budgets.perCaller.perHour.';
    case 'caller-day':
      return 'Wait until 00:00 UTC, or raise budgets.perCaller.perDay.';
    case 'global-hour':
      return 'Wait for the hour to roll over, or raise the global budgets.perHour.';
    case 'global-day':
      return 'Wait until 00:00 UTC, or raise the global budgets.perDay.';
    case 'global-strangers-hour':
      return 'The rest of the daemon-wide hour is kept for the owner: wait for the hour to roll over, or raise this agent’s budgets.strangersShare (0–1) or the global budgets.perHour.';
    case 'global-strangers-day':
      return 'The rest of the daemon-wide day is kept for the owner: wait until 00:00 UTC, or raise this agent’s budgets.strangersShare (0–1) or the global budgets.perDay.';
  }
}
