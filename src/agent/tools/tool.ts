import type { BulwarkError } from '../../core/errors.js';
import type { Result } from '../../core/result.js';
import type { ToolSpec, TurnContext } from '../types.js';

/** Tool groups used by the L12 profiles. */
export type ToolGroup = 'fs:read' | 'fs:write' | 'runtime' | 'web' | 'memory' | 'messaging' | 'sessions';

/** Action classes for L27. A tool with no declaration is treated as destructive. */
export type ActionClass =
  'read' | 'write' | 'network' | 'exec' | 'destructive' | 'credential' | 'config' | 'messaging' | 'memory';

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
  /** True when the result carries content from outside (web, e-mail, API): wrapped by L03. */
  readonly external?: boolean;
  /** Validates and runs. Arguments are untrusted JSON from the model. */
  run(args: unknown, ctx: ToolRunContext): Promise<Result<string, BulwarkError>>;
}
