import type { BulwarkError } from '../../core/errors.js';
import type { Result } from '../../core/result.js';
import type { ActionClass } from '../../config/sections/approvals.js';
import type { ToolGroupName } from '../../policy/tool-policy.js';
import type { CallContext } from '../../core/context.js';
import type { MemoryEntry, MemoryKind, ScoredEntry } from '../../memory/index.js';
import type { ToolSpec, TurnContext } from '../types.js';

export type { ActionClass };

/** Tool groups of the L12 profiles (declared once, in policy/tool-policy.ts). */
export type ToolGroup = ToolGroupName;

/**
 * The agent's memory as a tool sees it in one turn (built by the runtime): a save goes through the memory-write
 * pipeline with this turn's caller and taint; a search sees only the origins the operator lets this agent search.
 */
export interface MemoryAccess {
  save(input: {
    readonly text: string;
    readonly kind: MemoryKind;
    readonly replaces?: string;
    /** bulwark's id of the tool call that saves. */
    readonly callId?: string;
  }): Promise<Result<MemoryEntry, BulwarkError>>;
  search(query: string, limit: number): Promise<Result<ScoredEntry[], BulwarkError>>;
}

export interface ToolRunContext extends TurnContext {
  /** Real path of the agent's workspace. */
  readonly workspace: string;
  readonly signal: AbortSignal;
  /** bulwark's id of this call (`call_<step>_<index>`). */
  readonly callId?: string;
  /** Present when memory is on for this agent. */
  readonly memory?: MemoryAccess;
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
  /**
   * Why this exact call needs an operator whatever its class (e.g. it would replace an owner memory): L27 marks
   * it for L13. Undefined: the class decides alone.
   */
  approvalReason?(args: unknown, ctx: CallContext): Promise<string | undefined>;
  /** Validates and runs. Arguments are untrusted JSON from the model. */
  run(args: unknown, ctx: ToolRunContext): Promise<Result<string, BulwarkError>>;
}
