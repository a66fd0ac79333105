/**
 * The agent controls, wired from config: L27 → L13 on each tool call (and L13 again at execution), L22 → L21 on
 * each model call. One approval queue (HMAC key random per start) recording into the approval store, a budget guard
 * over the usage store, and one circuit breaker per provider + model. Call `await approvals.close()` on stop.
 */
import type { EventBus, LayerReporter, Gate } from '../core/index.js';
import {
  ApprovalQueue,
  ScopedGrants,
  type ApprovalStore,
  type GrantStore,
  type NetworkGrant,
} from '../policy/index.js';
import {
  DEFAULT_APPROVALS,
  type ApprovalsConfig,
  DEFAULT_AGENT_BUDGETS,
  DEFAULT_BREAKER,
  DEFAULT_GLOBAL_BUDGETS,
  DEFAULT_MODEL_INFO,
  type AgentBudgets,
  type BreakerConfig,
  type GlobalBudgets,
  type ModelInfo,
} from '../config/index.js';
import type { ModelCallItem } from './boundaries.js';
import { BudgetGuard, type BudgetStatus } from './budget/budget-guard.js';
import type { UsageStore } from './budget/usage-store.js';
import { CircuitBreakers, type BreakerStatus } from './breaker/circuit-breaker.js';
import { createActionGates, type ActionGates } from './gates/action-gates.js';
import { breakerGate, budgetGate, modelCallReporter } from './gates/model-call-gates.js';
import type { Tool } from './tools/tool.js';

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
  /** Where L21 keeps its counters and L13 its history (the composition root opens them: src/stores.ts). */
  readonly stores: { readonly usage: UsageStore; readonly approvals: ApprovalStore; readonly grants?: GrantStore };
  /** L09 over what the approval history keeps of a request's view. */
  readonly redact: (text: string) => string;
  /** Every tool the runtime registers, for their declared classes. */
  readonly tools: readonly Pick<Tool, 'spec' | 'actionClass' | 'approvalReason'>[];
  readonly workspace: (agentId: string) => string | undefined;
  readonly network: (agentId: string) => NetworkGrant;
  readonly clock?: () => number;
}

export interface ControlsStatus {
  readonly approvals: ReturnType<ApprovalQueue['status']>;
  readonly breakers: readonly BreakerStatus[];
  readonly budget: BudgetStatus;
}

export interface Controls {
  readonly approvals: ApprovalQueue;
  /** Scoped, expiring grants (made by approvers through the admin API only). */
  readonly grants: ScopedGrants;
  readonly budget: BudgetGuard;
  readonly breakers: CircuitBreakers;
  readonly usage: UsageStore;
  /** L27 classify, L13 approve (tool-call), L13 re-check (tool-run). */
  readonly actions: ActionGates;
  /** L22 then L21 (model-call). */
  readonly breakerGate: Gate<ModelCallItem>;
  readonly budgetGate: Gate<ModelCallItem>;
  /** L21 and L22, live. */
  readonly modelCallLayers: LayerReporter;
  status(agentIds: readonly string[]): Promise<ControlsStatus>;
}

export function createControlsFromConfig(deps: ControlsFromConfigDeps): Controls {
  const { config, bus } = deps;
  const byId = new Map(config.agents.map((a) => [a.id, a]));
  const grants = new ScopedGrants(bus, (id) => deps.workspace(id) ?? '', deps.clock, deps.stores.grants);
  const approvals = new ApprovalQueue({
    bus,
    store: deps.stores.approvals,
    redact: deps.redact,
    grants,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const usage = deps.stores.usage;
  const budget = new BudgetGuard({
    store: usage,
    bus,
    budgetsFor: (id) => byId.get(id)?.budgets ?? DEFAULT_AGENT_BUDGETS,
    global: config.budgets ?? DEFAULT_GLOBAL_BUDGETS,
    modelInfo: (model) => config.models?.[model] ?? DEFAULT_MODEL_INFO,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const breakers = new CircuitBreakers({
    bus,
    config: () => config.breaker ?? DEFAULT_BREAKER,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const tools = new Map(deps.tools.map((t) => [t.spec.name, t]));
  const actions = createActionGates({
    bus,
    approvals,
    approvalsConfig: (id) => byId.get(id)?.approvals ?? DEFAULT_APPROVALS,
    agentIds: config.agents.map((a) => a.id),
    tool: (_agent, name) => tools.get(name),
    workspace: deps.workspace,
    network: deps.network,
  });
  const providerOf = (id: string) => byId.get(id)?.provider ?? 'default';
  return {
    approvals,
    grants,
    budget,
    breakers,
    usage,
    actions,
    breakerGate: breakerGate(breakers, bus, providerOf),
    budgetGate: budgetGate(budget),
    modelCallLayers: modelCallReporter(
      breakers,
      new Map(config.agents.map((a) => [a.id, (a.budgets ?? DEFAULT_AGENT_BUDGETS).strangersShare])),
    ),
    status: async (agentIds) => ({
      approvals: approvals.status(),
      breakers: breakers.status(),
      budget: await budget.status(agentIds),
    }),
  };
}
