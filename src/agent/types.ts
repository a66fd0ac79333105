/**
 * Contracts of the agent room. Providers stream ProviderEvents; the turn loop turns a request
 * into TurnEvents that the gateway and CLI deliver. Keep these stable: other rooms code against them.
 */
import type { BulwarkError, Caller, CallContext } from '../core/index.js';

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

/** Sampling parameters a client asked for, within the agent's limits (agents[].limits). */
export interface Sampling {
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
}

export interface ModelRequest {
  readonly model: string;
  /** Client sampling parameters, already clamped to the agent's limits. */
  readonly sampling?: Sampling;
  readonly system: string;
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolSpec[];
  readonly maxTokens: number;
  readonly signal: AbortSignal;
  /** The turn this call belongs to: the provider key read is audited under it (L07). */
  readonly context?: CallContext;
}

export type StopReason = 'end' | 'tool_use' | 'max_tokens' | 'other';

export type ProviderEvent =
  | { readonly type: 'text_delta'; readonly text: string }
  | { readonly type: 'tool_call'; readonly call: ToolCall }
  /**
   * Output that is neither the answer's text nor a tool call: reasoning, thinking, a refusal, a field bulwark does not
   * know. Never shown to the client nor stored; L21 counts it (a provider bills it as output).
   */
  | { readonly type: 'unshown_output'; readonly text: string }
  /** One usage report; a call may send several (each direction counts its largest). */
  | { readonly type: 'usage'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly type: 'stop'; readonly reason: StopReason };

/** A model provider adapter. Errors surface as a thrown ProviderError from the iterator. */
export interface Provider {
  readonly id: string;
  readonly kind: 'anthropic' | 'openai';
  stream(request: ModelRequest): AsyncIterable<ProviderEvent>;
}

/** Who is asking, in which agent, session and trace: the context every layer of a turn receives. */
export type TurnContext = CallContext;

export interface TurnRequest {
  readonly agentId: string;
  /** Continue a stored session; a new one is created when absent. */
  readonly sessionId?: string;
  /** Messages sent by the client (user and assistant roles). */
  readonly messages: readonly ChatMessage[];
  /** Who asks: sessions belong to a caller, and every layer sees it. */
  readonly caller: Caller;
  readonly traceId: string;
  readonly signal?: AbortSignal;
  /**
   * The client's own system/developer messages for this turn, in order: placed after the operator's system prompt in
   * an L03 frame, at the caller's trust (they pass the inbound pipeline, judged by their own rule), never replacing
   * it. Not stored.
   */
  readonly clientInstructions?: readonly string[];
  /** Sampling parameters the client asked for; clamped to agents[].limits (what was changed comes back in `session`). */
  readonly sampling?: Sampling;
  /** max_tokens the client asked for; capped at the agent's maxTokens. */
  readonly maxTokens?: number;
  /**
   * The user messages are content from outside (a webhook payload): L01 scores each as it arrived, then L03 frames it as
   * untrusted data from `source`, after `preamble` (the operator's own text from config). The turn is tainted from the
   * start.
   */
  readonly external?: ExternalInput;
}

export interface ExternalInput {
  readonly source: string;
  readonly preamble?: string;
}

export type FinishReason = 'stop' | 'length' | 'step_limit' | 'blocked' | 'cancelled';

export type TurnEvent =
  /**
   * First event of a turn: its session, the client parameters that were clamped or dropped (`name=asked>used`,
   * `name>dropped`) and those the agent's provider has no field for (by name).
   */
  | {
      readonly type: 'session';
      readonly sessionId: string;
      readonly clamped?: readonly string[];
      readonly ignored?: readonly string[];
    }
  | { readonly type: 'text_delta'; readonly text: string }
  /**
   * `id` is bulwark's (`call_<step>_<index>`, unique in the turn), never the model's call id. `arguments` and `result`
   * are what a client may be shown: through the response scan (L02, L17) and capped (TOOL_TEXT_SHOWN_CHARS).
   */
  | { readonly type: 'tool_started'; readonly id: string; readonly name: string; readonly arguments?: string }
  | {
      readonly type: 'tool_finished';
      readonly id: string;
      readonly name: string;
      readonly ok: boolean;
      readonly result?: string;
    }
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
  /**
   * UTF-8 bytes of the output the provider sent back (text, tool calls, unshown output), whatever it reports as
   * usage: whether it answered at all (L21 then counts the input estimate).
   */
  readonly receivedBytes: number;
  /** Estimated tokens of that output (budget/token-estimate.ts): L21's output estimate. */
  readonly receivedTokens: number;
}

/** What a model-call gate advises the turn loop once the call is over. */
export interface ModelCallAdvice {
  /** The call failed and opened its breaker, and a fallback model is available: try the call again once. */
  readonly retry?: boolean;
}
