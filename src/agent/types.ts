/**
 * Contracts of the agent room. Providers stream ProviderEvents; the turn loop turns a request
 * into TurnEvents that the gateway and CLI deliver. Keep these stable: other rooms code against them.
 */
import type { BulwarkError } from '../core/errors.js';
import type { Result } from '../core/result.js';

/** A tool call as the hooks that report on it see it: `call_<step>_<index>` and a registered name or `unknown_tool`. */
export interface ToolCallRef {
  readonly id: string;
  readonly name: string;
}

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** Raw JSON text of the arguments, exactly as the model produced it. */
  readonly arguments: string;
}

export type ChatMessage =
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ToolCall[] }
  | {
      readonly role: 'tool';
      readonly toolCallId: string;
      readonly name: string;
      readonly content: string;
      readonly isError?: boolean;
    };

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** Which turn a model call belongs to: the provider key read is audited under it (L07). */
export interface ModelCallContext {
  readonly agentId: string;
  readonly sessionId: string;
  readonly traceId: string;
}

export interface ModelRequest {
  readonly model: string;
  readonly system: string;
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolSpec[];
  readonly maxTokens: number;
  readonly signal: AbortSignal;
  readonly context?: ModelCallContext;
}

export type StopReason = 'end' | 'tool_use' | 'max_tokens' | 'other';

export type ProviderEvent =
  | { readonly type: 'text_delta'; readonly text: string }
  | { readonly type: 'tool_call'; readonly call: ToolCall }
  | { readonly type: 'usage'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly type: 'stop'; readonly reason: StopReason };

/** A model provider adapter. Errors surface as a thrown ProviderError from the iterator. */
export interface Provider {
  readonly id: string;
  readonly kind: 'anthropic' | 'openai';
  stream(request: ModelRequest): AsyncIterable<ProviderEvent>;
}

/** Who is asking and under which session; travels with every decision and audit event. */
export interface TurnContext {
  readonly agentId: string;
  readonly sessionId: string;
  readonly traceId: string;
  /** Identity of the caller: token id, mTLS subject or channel user. */
  readonly sender: string;
}

export interface TurnRequest {
  readonly agentId: string;
  /** Continue a stored session; a new one is created when absent. */
  readonly sessionId?: string;
  /** Messages sent by the client (user and assistant roles). */
  readonly messages: readonly ChatMessage[];
  readonly sender: string;
  readonly traceId: string;
  readonly signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length' | 'step_limit' | 'blocked' | 'cancelled';

export type TurnEvent =
  | { readonly type: 'session'; readonly sessionId: string }
  | { readonly type: 'text_delta'; readonly text: string }
  /** `id` is bulwark's (`call_<step>_<index>`, unique in the turn), never the model's call id. */
  | { readonly type: 'tool_started'; readonly id: string; readonly name: string }
  | { readonly type: 'tool_finished'; readonly id: string; readonly name: string; readonly ok: boolean }
  | { readonly type: 'usage'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly type: 'done'; readonly finishReason: FinishReason; readonly text: string }
  | { readonly type: 'error'; readonly error: BulwarkError };

/** What the gateway and CLI need from the agent room. */
export interface AgentRuntime {
  /** Agents visible as models on /v1/models. */
  listAgents(): ReadonlyArray<{ readonly id: string; readonly model: string; readonly provider?: string }>;
  hasAgent(agentId: string): boolean;
  /** Runs one turn. Never throws: failures arrive as an `error` event followed by nothing else. */
  runTurn(request: TurnRequest): AsyncIterable<TurnEvent>;
}

export interface ModelCallOutcome {
  readonly ok: boolean;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly latencyMs: number;
}

/** What beforeModelCall decided about the call besides letting it through. */
export interface ModelCallPlan {
  /** Call this model instead of the requested one (L22: the requested model's breaker is open). */
  readonly model?: string;
}

/** What afterModelCall advises the turn loop. */
export interface ModelCallAdvice {
  /** The call failed and opened its breaker, and a fallback model is available: try the call again once. */
  readonly retry?: boolean;
}

/**
 * Hook points where security layers plug into the turn, in flow order (DESIGN §2).
 * Each returns a Result; an Err stops that step and is audited by the layer that decided.
 */
export interface TurnHooks {
  /** Perimeter (L04 → L01 → L05): may rewrite the text, add a preamble reminder, or block the turn. */
  inbound?(text: string, ctx: TurnContext): Result<{ text: string; reminder?: string }, BulwarkError>;
  /** Extra system-prompt material for this session (L17 canary, L16 memory). */
  systemPrompt?(base: string, ctx: TurnContext): string;
  /** Before each model call (L21 budget, L22 breaker); may send the call to another model (L22 fallback). */
  beforeModelCall?(request: ModelRequest, ctx: TurnContext): Promise<Result<ModelCallPlan | void, BulwarkError>>;
  /** After each model call with the actual usage or failure (L21 accounting, L22 state). */
  afterModelCall?(outcome: ModelCallOutcome, ctx: TurnContext): ModelCallAdvice | void;
  /**
   * Before each tool call, after L12 (L27 classifier, L13 approvals, L17/L02 argument scan).
   * `signal` aborts when the turn is cancelled (client gone, deadline): a hook that waits must stop waiting.
   */
  beforeToolCall?(call: ToolCall, ctx: TurnContext, signal?: AbortSignal): Promise<Result<void, BulwarkError>>;
  /**
   * Every tool result before the model sees it (L23). `call` names the call with bulwark's own id (the one
   * tool events carry) and the shown tool name: the model's call id and an unknown name are unscanned model output.
   */
  toolResult?(text: string, call: ToolCallRef, ctx: TurnContext): string;
  /** Stream filter for the response text (L02 with hold-back); `flush` releases the tail at the end. */
  outputFilter?(ctx: TurnContext): { push(chunk: string): string; flush(): string };
}
