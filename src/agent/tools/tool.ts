import type { BulwarkError } from '../../core/errors.js';
import type { Result } from '../../core/result.js';
import type { ActionClass } from '../../config/sections/approvals.js';
import type { GateId } from '../../core/layers.js';
import type { ToolGroupName } from '../../policy/tool-policy.js';
import type { ToolSpec, TurnContext } from '../types.js';

export type { ActionClass };

/** Tool groups of the L12 profiles (declared once, in policy/tool-policy.ts). */
export type ToolGroup = ToolGroupName;

/**
 * A tool's own gate refused one exact change (e.g. L11.7: a write that plants a host-executed file) that the
 * operator — never the model — may still allow. The request is bound to `subject` and `preimage`: the grant covers
 * that change and nothing else, and the tool re-checks both before acting on it.
 */
export interface OperatorRequest {
  /** The gate that refused and asks. */
  readonly layer: GateId;
  /** What is approved (canonical JSON is hashed with the agent, session, workspace and network grants). */
  readonly subject: Readonly<Record<string, unknown>>;
  /** sha256 of the file the change replaces, 'absent' when it is new. */
  readonly preimage?: string;
  readonly classes: readonly ActionClass[];
  /** What the operator reads: what would change, which rule refused it, why. */
  readonly reasons: readonly string[];
  readonly diff?: string;
}

/** How a running tool asks the operator; ok means approved for exactly that request. */
export interface OperatorChannel {
  ask(request: OperatorRequest): Promise<Result<void, BulwarkError>>;
}

/** The runtime's side of the channel: the turn loop binds the tool, the turn and its cancellation. */
export interface OperatorApprovals {
  ask(
    tool: string,
    request: OperatorRequest,
    ctx: TurnContext,
    signal: AbortSignal,
  ): Promise<Result<void, BulwarkError>>;
}

export interface ToolRunContext extends TurnContext {
  /** Real path of the agent's workspace. */
  readonly workspace: string;
  readonly signal: AbortSignal;
  /** Absent when no operator can be asked (then a tool's refusal stands). */
  readonly operator?: OperatorChannel;
}

export interface Tool {
  readonly spec: ToolSpec;
  readonly group: ToolGroup;
  /** Declared action class of the tool in general; L27 refines it from the arguments. */
  readonly actionClass?: ActionClass;
  /**
   * Whether the result carries content from outside — the web, e-mail, MCP servers, channels, command output,
   * files the model did not write. Every tool declares it; `true` results are wrapped by L03 as untrusted data.
   * When in doubt, declare `true` (fail closed).
   */
  readonly external: boolean;
  /** Validates and runs. Arguments are untrusted JSON from the model. */
  run(args: unknown, ctx: ToolRunContext): Promise<Result<string, BulwarkError>>;
}
