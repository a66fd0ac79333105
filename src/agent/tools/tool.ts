import type { BulwarkError, Result, GateId, CallContext } from '../../core/index.js';
import type { ActionClass } from '../../config/index.js';
import type { EffectEntryView, ToolGroupName } from '../../policy/index.js';
import type { MemoryEntry, MemoryKind, ScoredEntry } from '../../memory/index.js';
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
  /** The same change as an entry per path (the approval view's `effects`). */
  readonly effects?: readonly EffectEntryView[];
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
  /** Absent when no operator can be asked (then a tool's refusal stands). */
  readonly operator?: OperatorChannel;
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
   * The tool reads only what the operator installed for every caller of the agent (skill files), never the
   * workspace, and runs nothing: a non-owner's turn uses it under the agent's approvals like the owner's
   * (`approvals.strangers` does not apply to it).
   */
  readonly sharedReadOnly?: true;
  /**
   * Why this exact call needs an operator whatever its class (e.g. it would replace an owner memory): L27 marks
   * it for L13. Undefined: the class decides alone.
   */
  approvalReason?(args: unknown, ctx: CallContext): Promise<string | undefined>;
  /**
   * A refusal this exact call meets at run time whatever the operator decides (e.g. L14: a stranger replacing the
   * owner's memory): L27 gives it before L13 would ask anyone. Undefined or ok: the call goes on to the gates.
   */
  refusedAnyway?(args: unknown, ctx: CallContext): Promise<Result<void, BulwarkError>>;
  /**
   * An exec-like tool whose workspace changes are judged on their effects after it ran (transactional exec, L11.7
   * on): L27 then asks only about what cannot be undone, not about file operations the effect check decides.
   */
  effectsJudged?(): boolean;
  /**
   * A write-like tool that can undo replacing the existing file at `target.resolved` (inside the workspace):
   * why (it keeps the old content in the undo journal), or undefined. L27 does not ask about an overwrite the tool
   * can undo. `emptied`: the write leaves the file empty (asked, as L11.7 holds a truncation to 0 bytes).
   */
  undoableOverwrite?(target: {
    readonly workspace: string;
    readonly resolved: string;
    readonly emptied: boolean;
  }): string | undefined;
  /** Validates and runs. Arguments are untrusted JSON from the model. */
  run(args: unknown, ctx: ToolRunContext): Promise<Result<string, BulwarkError>>;
}
