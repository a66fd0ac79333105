/**
 * L27 → L13 on each tool call, and L13 again when the tool runs.
 *
 * L27 classifies the call and refuses classes the agent may not use. L13 waits, for classes that need it, for an
 * operator decision bound to the hash of the exact effect; an approval leaves a single-use grant. When the tool
 * runs, the effect is recomputed from the arguments and workspace the tool really receives, and a run with no
 * grant for that exact effect is refused (drift).
 */
import {
  auditContext,
  bulwarkError,
  type BulwarkError,
  type EventBus,
  type GateId,
  type GateReport,
  type LayerReporter,
  type Gate,
  err,
  ok,
  type CallContext,
} from '../../core/index.js';
import {
  buildEffect,
  buildView,
  type ApprovalQueue,
  type EffectView,
  canonicalJson,
  effectHash,
  type Effect,
} from '../../policy/index.js';
import type { OperatorApprovals } from '../tools/tool.js';
import { approvalContext } from './approval-context.js';
import type { ToolCallItem, ToolRunItem } from '../boundaries.js';
import type { Assess, AssessDeps, Assessment } from './action-assessment.js';
import { createAssess } from './action-assessment.js';

export interface ActionGatesDeps extends AssessDeps {
  readonly bus: EventBus;
  readonly approvals: ApprovalQueue;
  /** The configured agents, so `bulwark layers` can say what each does with strangers' tool calls. */
  readonly agentIds?: readonly string[];
}

export interface ActionGates extends LayerReporter {
  /** L27: classify; refuse denied classes. */
  readonly classify: Gate<ToolCallItem>;
  /** L13: wait for the operator when the class needs it; leaves a single-use grant. */
  readonly approve: Gate<ToolCallItem>;
  /** L13 at execution: the effect the tool would have now must match a grant. */
  readonly recheck: Gate<ToolRunItem>;
  readonly assess: Assess;
  /** A running tool asks the operator about one change its own gate refused (through the same L13 queue). */
  readonly operator: OperatorApprovals;
}

const MAX_GRANTS = 10_000;
const MAX_GRANTS_PER_EFFECT = 1_000;

function refusal(code: string, message: string, layer: GateId, status = 403): BulwarkError {
  return bulwarkError(code, message, { layer, status });
}

function argsJsonOf(item: ToolCallItem): string {
  return item.call.arguments;
}

export function createActionGates(deps: ActionGatesDeps): ActionGates {
  const assess = createAssess(deps);
  /** effect hash → grant tokens not yet used by an execution. */
  const grants = new Map<string, string[]>();

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

  /**
   * A call its class would allow, but that the tool itself says needs an operator (it would replace an owner
   * memory): marked for L13 with the tool's reason.
   */
  async function escalated(a: Assessment, name: string, ctx: CallContext): Promise<Assessment> {
    if (a.decision !== 'allow') return a;
    const tool = deps.tool(ctx.agentId, name);
    if (!tool?.approvalReason || a.classification.args === undefined) return a;
    const reason = await tool.approvalReason(a.classification.args, ctx);
    if (reason === undefined) return a;
    return {
      ...a,
      decision: 'approve',
      classification: { ...a.classification, reasons: [...a.classification.reasons, reason] },
    };
  }

  /** The tool's own refusal of this exact call, which no approval could lift: given before anyone is asked. */
  async function refusedAnyway(a: Assessment, name: string, ctx: CallContext): Promise<BulwarkError | undefined> {
    const tool = deps.tool(ctx.agentId, name);
    if (!tool?.refusedAnyway || a.classification.args === undefined) return undefined;
    const r = await tool.refusedAnyway(a.classification.args, ctx);
    if (r.ok) return undefined;
    deps.bus.emit('tool:denied', {
      ...auditContext(ctx),
      layer: r.error.layer ?? 'L27',
      tool: name,
      classes: [...a.classification.classes],
      reason: r.error.code,
      effectHash: a.hash,
    });
    return r.error;
  }

  const classify: Gate<ToolCallItem> = {
    layer: 'L27',
    name: 'classify the action; refuse classes this agent may not use',
    async run(item, ctx) {
      const assessed = assess(item.ref.name, argsJsonOf(item), ctx);
      if (assessed.decision !== 'deny') {
        const refused = await refusedAnyway(assessed, item.ref.name, ctx);
        if (refused) return err(refused);
      }
      const a = await escalated(assessed, item.ref.name, ctx);
      if (a.decision !== 'deny') return ok({ ...item, assessment: a });
      const c = a.classification;
      deps.bus.emit('tool:denied', {
        ...auditContext(ctx),
        layer: 'L27',
        tool: item.ref.name,
        classes: [...c.classes],
        reason: `class ${c.primary} is denied for this agent`,
        effectHash: a.hash,
      });
      return err(
        refusal(
          'action.denied',
          `Action classifier (L27): ${item.ref.name} was refused: it is classified ${c.classes.join(', ')} (${c.reasons.slice(-1)[0] ?? ''}), which this agent may not do.`,
          'L27',
        ),
      );
    },
  };

  const approve: Gate<ToolCallItem> = {
    layer: 'L13',
    name: 'wait for an operator decision bound to the exact effect',
    async run(item, ctx, signal) {
      const a = item.assessment;
      if (!a)
        return err(
          refusal(
            'approval.unassessed',
            'Approval gate (L13): the call was not classified (L27 must run first).',
            'L13',
            500,
          ),
        );
      if (a.decision === 'allow') return ok(item);
      const c = a.classification;
      const name = item.ref.name;
      const network = deps.network(ctx.agentId);
      const { effect } = buildEffect(c, {
        tool: name,
        argsJson: argsJsonOf(item),
        agentId: ctx.agentId,
        sessionId: ctx.sessionId,
        workspace: a.workspace,
        network,
      });
      const approvals = deps.approvalsConfig(ctx.agentId);
      const view = buildView(c, effect, a.require);
      const timeoutMs = approvals.timeoutMs;
      const outcome = await deps.approvals.request(a.hash, view, approvalContext(ctx), timeoutMs, signal);
      // An approval that lands after the turn was cancelled leaves no grant behind: nothing of this turn may run.
      if (signal.aborted && outcome.source !== 'cancelled') {
        deps.bus.emit('tool:denied', {
          ...auditContext(ctx),
          layer: 'L13',
          tool: name,
          classes: [...c.classes],
          reason: 'approval cancelled',
          effectHash: a.hash,
        });
        return err(
          refusal('approval.cancelled', `Approval gate (L13): ${name} did not run: the turn was cancelled.`, 'L13'),
        );
      }
      if (outcome.decision === 'approve' && outcome.token && deps.approvals.verifyGrant(outcome.token, a.hash)) {
        addGrant(a.hash, outcome.token);
        return ok(item);
      }
      deps.bus.emit('tool:denied', {
        ...auditContext(ctx),
        layer: 'L13',
        tool: name,
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
        refusal(
          'approval.denied',
          `Approval gate (L13): ${name} (${c.classes.join(', ')}) did not run: ${why}. Do not retry the same action; ask the user instead.`,
          'L13',
        ),
      );
    },
  };

  const recheck: Gate<ToolRunItem> = {
    layer: 'L13',
    name: 're-check the effect the tool would have now against the approved one',
    async run(item, ctx) {
      const name = item.tool.spec.name;
      let argsJson: string;
      try {
        argsJson = JSON.stringify(item.args ?? {});
      } catch {
        return err(refusal('approval.drift', `${name}: arguments cannot be serialised for the execution check`, 'L13'));
      }
      const a = await escalated(assess(name, argsJson, ctx, item.workspace), name, ctx);
      if (a.decision === 'deny') {
        return err(
          refusal(
            'action.denied',
            `Action classifier (L27): ${name} is classified ${a.classification.classes.join(', ')}, which this agent may not do.`,
            'L27',
          ),
        );
      }
      if (a.decision === 'approve' && !takeGrant(a.hash)) {
        deps.bus.emit('security:blocked', {
          ...auditContext(ctx),
          layer: 'L13',
          reason: 'effect differs from any approved effect',
          tool: name,
          effectHash: a.hash,
        });
        return err(
          refusal(
            'approval.drift',
            `Approval gate (L13): ${name} was not run: what it would do now differs from what the operator approved (arguments, working directory, target file or grants changed).`,
            'L13',
          ),
        );
      }
      return ok(item);
    },
  };

  const MAX_VIEW_SUBJECT = 8_192;

  const operator: OperatorApprovals = {
    async ask(tool, request, ctx, signal) {
      const workspace = deps.workspace(ctx.agentId) ?? '';
      const network = deps.network(ctx.agentId);
      // The gate's name is part of what is bound: this grant can never stand in for the call's own L13 approval.
      const args = { gate: request.layer, ...request.subject };
      const effect: Effect = {
        tool,
        args,
        cwd: workspace,
        network,
        agentId: ctx.agentId,
        sessionId: ctx.sessionId,
        ...(request.preimage !== undefined ? { preimage: request.preimage } : {}),
      };
      const hash = effectHash(effect);
      let shown = canonicalJson(args);
      if (shown.length > MAX_VIEW_SUBJECT)
        shown = `${shown.slice(0, MAX_VIEW_SUBJECT)}… (${shown.length} chars in total)`;
      const view: EffectView = {
        layer: request.layer,
        tool,
        classes: request.classes,
        reasons: request.reasons,
        agentId: ctx.agentId,
        sessionId: ctx.sessionId,
        cwd: workspace,
        network,
        args: shown,
        ...(request.diff !== undefined ? { diff: request.diff } : {}),
        ...(request.effects !== undefined ? { effects: request.effects } : {}),
      };
      const timeoutMs = deps.approvalsConfig(ctx.agentId).timeoutMs;
      const outcome = await deps.approvals.request(hash, view, approvalContext(ctx), timeoutMs, signal);
      if (
        !signal.aborted &&
        outcome.decision === 'approve' &&
        outcome.token &&
        deps.approvals.verifyGrant(outcome.token, hash)
      )
        return ok(undefined);
      deps.bus.emit('tool:denied', {
        ...auditContext(ctx),
        layer: request.layer,
        tool,
        classes: [...request.classes],
        reason: `operator approval ${signal.aborted ? 'cancelled' : outcome.source}`,
        effectHash: hash,
      });
      const why =
        signal.aborted || outcome.source === 'cancelled'
          ? 'the turn was cancelled while it waited for the operator'
          : outcome.source === 'timeout'
            ? 'no operator approved it in time'
            : outcome.source === 'denial-cache'
              ? 'the operator denied this exact change moments ago'
              : outcome.source === 'shutdown'
                ? 'the daemon is shutting down'
                : outcome.source === 'queue-full'
                  ? 'too many approvals are pending'
                  : 'the operator denied it';
      return err(
        refusal(
          'approval.denied',
          `${tool} was not run: ${why}. Do not retry the same change; ask the user instead.`,
          request.layer,
        ),
      );
    },
  };

  /** Each agent's `approvals.strangers` (ask, allow or deny), as the L13 line shows it. */
  function strangers(): string {
    const ids = deps.agentIds ?? [];
    if (ids.length === 0) return '';
    return `; strangers' tool calls (approvals.strangers): ${ids.map((id) => `${id} ${deps.approvalsConfig(id).strangers}`).join(', ')}`;
  }

  function layers(): GateReport[] {
    const q = deps.approvals.status();
    return [
      {
        id: 'L27',
        state: 'on',
        reason: 'every tool call classified from tool metadata and arguments; unknown actions are destructive',
      },
      {
        id: 'L13',
        state: q.closed ? 'off' : 'on',
        reason: q.closed
          ? 'shut down: everything pending was denied'
          : `operator decisions bound to the exact effect; ${q.pending} pending, ${q.cachedApprovals} cached approvals, ${q.cachedDenials} cached denials${strangers()}`,
      },
    ];
  }

  return { name: 'action-controls', classify, approve, recheck, assess, operator, layers };
}
