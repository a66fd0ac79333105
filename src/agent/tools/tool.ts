import type { BulwarkError } from '../../core/errors.js';
import type { Result } from '../../core/result.js';
import type { ActionClass } from '../../config/sections/approvals.js';
import type { ToolGroupName } from '../../policy/tool-policy.js';
import type { ToolSpec, TurnContext } from '../types.js';

export type { ActionClass };

/** Tool groups of the L12 profiles (declared once, in policy/tool-policy.ts). */
export type ToolGroup = ToolGroupName;

export interface ToolRunContext extends TurnContext {
  /** Real path of the agent's workspace. */
  readonly workspace: string;
  readonly signal: AbortSignal;
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
