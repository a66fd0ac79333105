/**
 * L27's assessment of one tool call: its classes, the decision the agent's approvals config gives them
 * (allow, approve, deny) and the hash of the exact effect an operator would approve (L13).
 */
import { classifyAction, type Classification, buildEffect, type NetworkGrant } from '../../policy/index.js';
import type { ActionClass, ApprovalsConfig } from '../../config/index.js';
import type { Caller } from '../../core/index.js';
import type { Tool } from '../tools/tool.js';
import { effectiveApprovals } from './stranger-policy.js';

export type ToolDecision = 'allow' | 'approve' | 'deny';

export interface Assessment {
  readonly classification: Classification;
  readonly decision: ToolDecision;
  readonly hash: string;
  readonly workspace: string;
  /** The classes that wait for the operator for this caller (the agent's `require`, plus a stranger's classes). */
  readonly require: readonly ActionClass[];
}

export interface AssessDeps {
  readonly approvalsConfig: (agentId: string) => ApprovalsConfig;
  /** The tool as registered; undefined when it does not exist (treated as destructive). */
  readonly tool: (
    agentId: string,
    name: string,
  ) =>
    | Pick<
        Tool,
        'actionClass' | 'approvalReason' | 'refusedAnyway' | 'effectsJudged' | 'undoableOverwrite' | 'sharedReadOnly'
      >
    | undefined;
  /** Real path of the agent's workspace. */
  readonly workspace: (agentId: string) => string | undefined;
  /** The exec network mode and grants every effect hash binds. */
  readonly network: (agentId: string) => NetworkGrant;
}

export type Assess = (
  tool: string,
  argsJson: string,
  ctx: { readonly agentId: string; readonly sessionId: string; readonly caller: Pick<Caller, 'owner'> },
  workspace?: string,
) => Assessment;

export function createAssess(deps: AssessDeps): Assess {
  return (tool, argsJson, ctx, workspaceOverride) => {
    const cfg = deps.approvalsConfig(ctx.agentId);
    const workspace = workspaceOverride ?? deps.workspace(ctx.agentId) ?? '';
    const t = deps.tool(ctx.agentId, tool);
    const classified = classifyAction({
      tool,
      declared: t?.actionClass,
      argsJson,
      scratch: cfg.scratch,
      ...(workspace ? { workspace } : {}),
      ...(t?.effectsJudged?.() === true ? { effectsJudged: true } : {}),
      ...(t?.undoableOverwrite ? { undoableOverwrite: (target) => t.undoableOverwrite?.(target) } : {}),
    });
    const rules = effectiveApprovals(cfg, ctx.caller, classified.classes, t);
    const classification: Classification =
      rules.reason === undefined ? classified : { ...classified, reasons: [...classified.reasons, rules.reason] };
    const { hash } = buildEffect(classification, {
      tool,
      argsJson,
      agentId: ctx.agentId,
      sessionId: ctx.sessionId,
      workspace,
      network: deps.network(ctx.agentId),
    });
    const decision: ToolDecision = classification.classes.some((c) => rules.deny.includes(c))
      ? 'deny'
      : classification.classes.some((c) => rules.require.includes(c))
        ? 'approve'
        : 'allow';
    return { classification, decision, hash, workspace, require: rules.require };
  };
}
