/**
 * Agent controls: the TurnHooks of L27 → L13 (each tool call) and L21 → L22 (each model call).
 *
 * beforeToolCall classifies the call (L27), refuses denied classes, and for classes that need
 * approval waits for an operator decision bound to the hash of the exact effect (L13). The
 * approval leaves a single-use grant; `guardTool` wraps a tool so that at execution the effect is
 * recomputed from the arguments and context the tool really receives, and any drift is refused.
 */
import type { BulwarkError } from '../core/errors.js';
import { bulwarkError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { LayerId, LayerState } from '../core/layers.js';
import { err, ok, type Result } from '../core/result.js';
import { classifyAction, type Classification } from '../policy/action-classifier.js';
import { buildEffect, buildView } from '../policy/approval-effect.js';
import { ApprovalQueue } from '../policy/approvals.js';
import { DEFAULT_APPROVALS, type ApprovalsConfig } from '../policy/controls-config.js';
import type { Db } from '../core/sqlite.js';
import type { NetworkGrant } from '../policy/effect-hash.js';
import { BudgetGuard, type Reservation } from './budget/budget-guard.js';
import {
  DEFAULT_AGENT_BUDGETS,
  DEFAULT_BREAKER,
  DEFAULT_GLOBAL_BUDGETS,
  DEFAULT_MODEL_INFO,
  type AgentBudgets,
  type BreakerConfig,
  type GlobalBudgets,
  type ModelInfo,
} from './budget/config.js';
import { UsageStore } from './budget/usage-store.js';
import { breakerKey, CircuitBreakers, type BreakerTicket, type BreakerStatus } from './breaker/circuit-breaker.js';
import type { Tool, ToolRunContext } from './tools/tool.js';
import type { ModelCallAdvice, ModelCallOutcome, ModelCallPlan, ModelRequest, ToolCall, TurnContext } from './types.js';

export interface ControlsDeps {
  readonly bus: EventBus;
  readonly approvals: ApprovalQueue;
  readonly approvalsConfig: (agentId: string) => ApprovalsConfig;
  /** The tool as registered for this agent; undefined when it does not exist (treated as destructive). */
  readonly tool: (agentId: string, name: string) => Pick<Tool, 'actionClass'> | undefined;
  /** Real path of the agent's workspace. */
  readonly workspace: (agentId: string) => string | undefined;
  readonly network?: (agentId: string) => NetworkGrant;
  readonly budget?: BudgetGuard;
  readonly breakers?: CircuitBreakers;
  /** Provider id of an agent (breaker key); default "default". */
  readonly provider?: (agentId: string) => string;
  readonly clock?: () => number;
}

export type ToolDecision = 'allow' | 'approve' | 'deny';

export interface Assessment {
  readonly classification: Classification;
  readonly decision: ToolDecision;
  readonly hash: string;
  readonly workspace: string;
}

export interface ControlsStatus {
  readonly layers: ReadonlyArray<{ id: LayerId; state: LayerState; reason: string }>;
  readonly approvals: ReturnType<ApprovalQueue['status']>;
  readonly breakers: readonly BreakerStatus[];
  readonly budget?: ReturnType<BudgetGuard['status']>;
}

export interface Controls {
  /** `signal`: the turn's abort signal; a cancelled turn stops waiting for its approval and gets no grant. */
  beforeToolCall(call: ToolCall, ctx: TurnContext, signal?: AbortSignal): Promise<Result<void, BulwarkError>>;
  /** May send the call to the fallback model when the requested model's breaker is open (the switch is audited). */
  beforeModelCall(request: ModelRequest, ctx: TurnContext): Promise<Result<ModelCallPlan | undefined, BulwarkError>>;
  /** Advises one retry when this failure opened the breaker and a fallback model is available. */
  afterModelCall(outcome: ModelCallOutcome, ctx: TurnContext): ModelCallAdvice | undefined;
  /** Wraps a tool so that execution re-checks the effect against the approval grant. */
  guardTool<T extends Tool>(tool: T): Tool;
  assess(tool: string, argsJson: string, ctx: { agentId: string; sessionId: string }, workspace?: string): Assessment;
  status(agentIds: readonly string[]): ControlsStatus;
}

const NO_NETWORK: NetworkGrant = { mode: 'none', grants: [] };
const STALE_MODEL_CALL_MS = 15 * 60_000;
const MAX_GRANTS = 10_000;
const MAX_GRANTS_PER_EFFECT = 1_000;

interface PendingModelCall {
  readonly at: number;
  readonly signal: AbortSignal;
  readonly model: string;
  readonly reservation?: Reservation;
  readonly ticket?: BreakerTicket;
}

function toolError(code: string, message: string, layer: LayerId, status = 403): BulwarkError {
  return bulwarkError(code, message, { layer, status });
}

export function createControls(deps: ControlsDeps): Controls {
  const clock = deps.clock ?? Date.now;
  const network = deps.network ?? (() => NO_NETWORK);
  const providerOf = deps.provider ?? (() => 'default');
  /** effect hash → grant tokens not yet used by an execution. */
  const grants = new Map<string, string[]>();
  const modelCalls = new Map<string, PendingModelCall[]>();

  function assess(
    tool: string,
    argsJson: string,
    ctx: { agentId: string; sessionId: string },
    workspaceOverride?: string,
  ): Assessment {
    const cfg = deps.approvalsConfig(ctx.agentId);
    const workspace = workspaceOverride ?? deps.workspace(ctx.agentId) ?? '';
    const declared = deps.tool(ctx.agentId, tool)?.actionClass;
    const classification = classifyAction({
      tool,
      declared,
      argsJson,
      scratch: cfg.scratch,
      ...(workspace ? { workspace } : {}),
    });
    const { hash } = buildEffect(classification, {
      tool,
      argsJson,
      agentId: ctx.agentId,
      sessionId: ctx.sessionId,
      workspace,
      network: network(ctx.agentId),
    });
    const decision: ToolDecision = classification.classes.some((c) => cfg.deny.includes(c))
      ? 'deny'
      : classification.classes.some((c) => cfg.require.includes(c))
        ? 'approve'
        : 'allow';
    return { classification, decision, hash, workspace };
  }

  function addGrant(hash: string, token: string): void {
    const list = grants.get(hash) ?? [];
    list.push(token);
    if (list.length > MAX_GRANTS_PER_EFFECT) list.shift();
    grants.set(hash, list);
    if (grants.size > MAX_GRANTS) {
      const oldest = grants.keys().next().value;
      if (oldest !== undefined) grants.delete(oldest);
    }
  }

  function takeGrant(hash: string): boolean {
    const list = grants.get(hash);
    while (list && list.length > 0) {
      const token = list.shift() as string;
      if (list.length === 0) grants.delete(hash);
      if (deps.approvals.verifyGrant(token, hash)) return true;
    }
    return false;
  }

  async function beforeToolCall(
    call: ToolCall,
    ctx: TurnContext,
    signal?: AbortSignal,
  ): Promise<Result<void, BulwarkError>> {
    const a = assess(call.name, call.arguments, ctx);
    const c = a.classification;
    if (a.decision === 'allow') return ok(undefined);
    if (a.decision === 'deny') {
      deps.bus.emit('tool:denied', {
        ...ctx,
        layer: 'L27',
        tool: call.name,
        classes: [...c.classes],
        reason: `class ${c.primary} is denied for this agent`,
        effectHash: a.hash,
      });
      return err(
        toolError(
          'action.denied',
          `Action classifier (L27): ${call.name} was refused: it is classified ${c.classes.join(', ')} (${c.reasons.slice(-1)[0] ?? ''}), which this agent may not do.`,
          'L27',
        ),
      );
    }
    const { effect } = buildEffect(c, {
      tool: call.name,
      argsJson: call.arguments,
      agentId: ctx.agentId,
      sessionId: ctx.sessionId,
      workspace: a.workspace,
      network: network(ctx.agentId),
    });
    const view = buildView(c, effect);
    const timeoutMs = deps.approvalsConfig(ctx.agentId).timeoutMs;
    const outcome = await deps.approvals.request(a.hash, view, ctx, timeoutMs, signal);
    // An approval that lands after the turn was cancelled leaves no grant behind: nothing of this turn may run.
    if (signal?.aborted && outcome.source !== 'cancelled') {
      deps.bus.emit('tool:denied', {
        ...ctx,
        layer: 'L13',
        tool: call.name,
        classes: [...c.classes],
        reason: 'approval cancelled',
        effectHash: a.hash,
      });
      return err(
        toolError(
          'approval.cancelled',
          `Approval gate (L13): ${call.name} did not run: the turn was cancelled.`,
          'L13',
        ),
      );
    }
    if (outcome.decision === 'approve' && outcome.token && deps.approvals.verifyGrant(outcome.token, a.hash)) {
      addGrant(a.hash, outcome.token);
      return ok(undefined);
    }
    deps.bus.emit('tool:denied', {
      ...ctx,
      layer: 'L13',
      tool: call.name,
      classes: [...c.classes],
      reason: `approval ${outcome.source}`,
      effectHash: a.hash,
    });
    const why =
      outcome.source === 'timeout'
        ? 'no operator approved it in time'
        : outcome.source === 'denial-cache'
          ? 'the operator denied this exact action moments ago'
          : outcome.source === 'shutdown'
            ? 'the daemon is shutting down'
            : outcome.source === 'queue-full'
              ? 'too many approvals are pending'
              : outcome.source === 'cancelled'
                ? 'the turn was cancelled while it waited for the operator'
                : 'the operator denied it';
    return err(
      toolError(
        'approval.denied',
        `Approval gate (L13): ${call.name} (${c.classes.join(', ')}) did not run: ${why}. Do not retry the same action; ask the user instead.`,
        'L13',
      ),
    );
  }

  function guardTool<T extends Tool>(tool: T): Tool {
    return {
      spec: tool.spec,
      group: tool.group,
      ...(tool.actionClass !== undefined ? { actionClass: tool.actionClass } : {}),
      ...(tool.external !== undefined ? { external: tool.external } : {}),
      async run(args: unknown, ctx: ToolRunContext): Promise<Result<string, BulwarkError>> {
        let argsJson: string;
        try {
          argsJson = JSON.stringify(args ?? {});
        } catch {
          return err(
            toolError(
              'approval.drift',
              `${tool.spec.name}: arguments cannot be serialised for the execution check`,
              'L13',
            ),
          );
        }
        const a = assess(tool.spec.name, argsJson, ctx, ctx.workspace);
        if (a.decision === 'deny')
          return err(
            toolError(
              'action.denied',
              `Action classifier (L27): ${tool.spec.name} is classified ${a.classification.classes.join(', ')}, which this agent may not do.`,
              'L27',
            ),
          );
        if (a.decision === 'approve' && !takeGrant(a.hash)) {
          deps.bus.emit('security:blocked', {
            agentId: ctx.agentId,
            sessionId: ctx.sessionId,
            traceId: ctx.traceId,
            layer: 'L13',
            reason: 'effect differs from any approved effect',
            tool: tool.spec.name,
            effectHash: a.hash,
          });
          return err(
            toolError(
              'approval.drift',
              `Approval gate (L13): ${tool.spec.name} was not run: what it would do now differs from what the operator approved (arguments, working directory, target file or grants changed).`,
              'L13',
            ),
          );
        }
        return tool.run(args, ctx);
      },
    };
  }

  async function beforeModelCall(
    request: ModelRequest,
    ctx: TurnContext,
  ): Promise<Result<ModelCallPlan | undefined, BulwarkError>> {
    sweepStale();
    const provider = providerOf(ctx.agentId);
    // L22 first: it decides which model is called, and the budget is checked for that model.
    let model = request.model;
    let ticket: BreakerTicket | undefined;
    if (deps.breakers) {
      const t = deps.breakers.acquire(provider, model, ctx);
      if (t.ok) ticket = t.value;
      else {
        const fallback = t.error.code === 'breaker.open' ? deps.breakers.fallbackFor(provider, model) : undefined;
        const f = fallback !== undefined ? deps.breakers.acquire(provider, fallback, ctx) : undefined;
        // No fallback, or its breaker is open too: the primary's refusal (its details name the fallback).
        if (fallback === undefined || !f?.ok) return t;
        ticket = f.value;
        model = fallback;
      }
    }
    const planned: ModelRequest = model === request.model ? request : { ...request, model };
    let reservation: Reservation | undefined;
    if (deps.budget) {
      const r = deps.budget.check(planned, ctx);
      if (!r.ok) {
        if (ticket) deps.breakers?.release(ticket);
        return r;
      }
      reservation = r.value;
    }
    if (model !== request.model) {
      deps.bus.emit('security:warning', {
        ...ctx,
        layer: 'L22',
        outcome: 'fallback',
        breaker: breakerKey(provider, request.model),
        model,
        primaryModel: request.model,
        reason: `the breaker of ${breakerKey(provider, request.model)} is open: this call goes to the fallback model ${model}`,
      });
    }
    const list = modelCalls.get(ctx.traceId) ?? [];
    list.push({
      at: clock(),
      signal: request.signal,
      model,
      ...(reservation ? { reservation } : {}),
      ...(ticket ? { ticket } : {}),
    });
    modelCalls.set(ctx.traceId, list);
    return ok(model === request.model ? undefined : { model });
  }

  function afterModelCall(outcome: ModelCallOutcome, ctx: TurnContext): ModelCallAdvice | undefined {
    const list = modelCalls.get(ctx.traceId);
    const pending = list?.shift();
    if (list && list.length === 0) modelCalls.delete(ctx.traceId);
    if (!pending) {
      deps.budget?.recordUsage(
        ctx.agentId,
        ctx.traceId,
        'unknown',
        Math.max(0, outcome.inputTokens | 0),
        Math.max(0, outcome.outputTokens | 0),
      );
      return undefined;
    }
    if (pending.reservation) deps.budget?.settle(pending.reservation, outcome);
    if (!pending.ticket || !deps.breakers) return undefined;
    // A call the user or the turn deadline cancelled is not a provider failure.
    if (!outcome.ok && pending.signal.aborted) {
      deps.breakers.release(pending.ticket);
      return undefined;
    }
    deps.breakers.report(pending.ticket, outcome, ctx);
    if (outcome.ok) return undefined;
    // This failure opened the breaker: the turn may try once more, and beforeModelCall will pick the fallback.
    const provider = providerOf(ctx.agentId);
    const fallback = deps.breakers.fallbackFor(provider, pending.model);
    const retry =
      fallback !== undefined &&
      deps.breakers.state(provider, pending.model) === 'open' &&
      deps.breakers.state(provider, fallback) !== 'open';
    return retry ? { retry: true } : undefined;
  }

  function sweepStale(): void {
    const now = clock();
    for (const [trace, list] of modelCalls) {
      while (list.length > 0 && now - (list[0] as PendingModelCall).at > STALE_MODEL_CALL_MS) {
        const p = list.shift() as PendingModelCall;
        if (p.reservation) deps.budget?.settle(p.reservation, { inputTokens: 0, outputTokens: 0 });
        if (p.ticket) deps.breakers?.report(p.ticket, { ok: false, latencyMs: now - p.at });
      }
      if (list.length === 0) modelCalls.delete(trace);
    }
  }

  function status(agentIds: readonly string[]): ControlsStatus {
    const q = deps.approvals.status();
    const breakers = deps.breakers?.status() ?? [];
    const open = breakers.filter((b) => b.state !== 'closed');
    return {
      layers: [
        { id: 'L27', state: 'on', reason: 'every tool call classified; unknown actions are destructive' },
        {
          id: 'L13',
          state: q.closed ? 'off' : 'on',
          reason: q.closed
            ? 'shut down: everything pending was denied'
            : `${q.pending} pending, ${q.cachedApprovals} cached approvals, ${q.cachedDenials} cached denials`,
        },
        deps.budget
          ? {
              id: 'L21',
              state: 'on',
              reason: 'token budgets checked before each model call; usage persisted in SQLite',
            }
          : { id: 'L21', state: 'off', reason: 'no budget guard configured' },
        deps.breakers
          ? {
              id: 'L22',
              state: open.length > 0 ? 'degraded' : 'on',
              reason:
                open.length > 0
                  ? `open: ${open.map((b) => `${b.key} (${b.state})`).join(', ')}`
                  : `${breakers.length} circuit(s), all closed`,
            }
          : { id: 'L22', state: 'off', reason: 'no circuit breaker configured' },
      ],
      approvals: q,
      breakers,
      ...(deps.budget ? { budget: deps.budget.status(agentIds) } : {}),
    };
  }

  return { beforeToolCall, beforeModelCall, afterModelCall, guardTool, assess, status };
}

/** The parts of the merged config the controls read (structural, so config/schema.ts can merge the fragments as it likes). */
export interface ControlsConfigView {
  readonly agents: ReadonlyArray<{
    readonly id: string;
    readonly provider?: string;
    readonly approvals?: ApprovalsConfig;
    readonly budgets?: AgentBudgets;
  }>;
  readonly budgets?: GlobalBudgets;
  readonly models?: Readonly<Record<string, ModelInfo>>;
  readonly breaker?: BreakerConfig;
}

export interface ControlsFromConfigDeps {
  readonly config: ControlsConfigView;
  readonly bus: EventBus;
  /** The daemon's bulwark.db handle: usage counters live there (room 'usage'). */
  readonly db: Db;
  /** Every tool the runtime registers (built-in fs tools and extra tools), for their declared classes. */
  readonly tools: readonly Pick<Tool, 'spec' | 'actionClass'>[];
  readonly workspace: (agentId: string) => string | undefined;
  readonly network?: (agentId: string) => NetworkGrant;
}

/**
 * Wires L27/L13/L21/L22 from config: one approval queue (HMAC key random per start), a budget guard
 * over SQLite counters and one breaker per provider + model. Call `approvals.shutdown()` on stop.
 */
export function createControlsFromConfig(deps: ControlsFromConfigDeps): {
  controls: Controls;
  approvals: ApprovalQueue;
  budget: BudgetGuard;
  breakers: CircuitBreakers;
  usage: UsageStore;
} {
  const { config, bus } = deps;
  const byId = new Map(config.agents.map((a) => [a.id, a]));
  const approvals = new ApprovalQueue({ bus });
  const usage = new UsageStore(deps.db);
  const budget = new BudgetGuard({
    store: usage,
    bus,
    budgetsFor: (id) => byId.get(id)?.budgets ?? DEFAULT_AGENT_BUDGETS,
    global: config.budgets ?? DEFAULT_GLOBAL_BUDGETS,
    modelInfo: (model) => config.models?.[model] ?? DEFAULT_MODEL_INFO,
  });
  const breakers = new CircuitBreakers({ bus, config: () => config.breaker ?? DEFAULT_BREAKER });
  const tools = new Map(deps.tools.map((t) => [t.spec.name, t]));
  const controls = createControls({
    bus,
    approvals,
    budget,
    breakers,
    approvalsConfig: (id) => byId.get(id)?.approvals ?? DEFAULT_APPROVALS,
    tool: (_agent, name) => tools.get(name),
    workspace: deps.workspace,
    provider: (id) => byId.get(id)?.provider ?? 'default',
    ...(deps.network ? { network: deps.network } : {}),
  });
  return { controls, approvals, budget, breakers, usage };
}
