/**
 * L27's assessment of one tool call: its classes, the decision the agent's approvals config gives them
 * (allow, approve, deny) and the hash of the exact effect an operator would approve (L13).
 */
import { classifyAction, type Classification, buildEffect, type NetworkGrant } from '../../policy/index.js';
import type { ApprovalsConfig } from '../../config/index.js';
import type { Tool } from '../tools/tool.js';

export type ToolDecision = 'allow' | 'approve' | 'deny';

export interface Assessment {
  readonly classification: Classification;
  readonly decision: ToolDecision;
  readonly hash: string;
  readonly workspace: string;
}

export interface AssessDeps {
  readonly approvalsConfig: (agentId: string) => ApprovalsConfig;
  /** The tool as registered; undefined when it does not exist (treated as destructive). */
  readonly tool: (
    agentId: string,
    name: string,
  ) => Pick<Tool, 'actionClass' | 'approvalReason' | 'effectsJudged' | 'undoableOverwrite'> | undefined;
  /** Real path of the agent's workspace. */
  readonly workspace: (agentId: string) => string | undefined;
  /** The exec network mode and grants every effect hash binds. */
  readonly network: (agentId: string) => NetworkGrant;
}

export type Assess = (
  tool: string,
  argsJson: string,
  ctx: { readonly agentId: string; readonly sessionId: string },
  workspace?: string,
) => Assessment;

export function createAssess(deps: AssessDeps): Assess {
  return (tool, argsJson, ctx, workspaceOverride) => {
    const cfg = deps.approvalsConfig(ctx.agentId);
    const workspace = workspaceOverride ?? deps.workspace(ctx.agentId) ?? '';
    const t = deps.tool(ctx.agentId, tool);
    const classification = classifyAction({
      tool,
      declared: t?.actionClass,
      argsJson,
      scratch: cfg.scratch,
      ...(workspace ? { workspace } : {}),
      ...(t?.effectsJudged?.() === true ? { effectsJudged: true } : {}),
      ...(t?.undoableOverwrite ? { undoableOverwrite: (target) => t.undoableOverwrite?.(target) } : {}),
    });
    const { hash } = buildEffect(classification, {
      tool,
      argsJson,
      agentId: ctx.agentId,
      sessionId: ctx.sessionId,
      workspace,
      network: deps.network(ctx.agentId),
    });
    const decision: ToolDecision = classification.classes.some((c) => cfg.deny.includes(c))
      ? 'deny'
      : classification.classes.some((c) => cfg.require.includes(c))
        ? 'approve'
        : 'allow';
    return { classification, decision, hash, workspace };
  };
}
