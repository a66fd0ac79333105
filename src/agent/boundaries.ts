/**
 * The boundaries of a turn and what crosses each (DESIGN §2). The composition root declares, per boundary, the
 * ordered gates (src/pipelines.ts); the turn loop runs what it is given and nothing else. A runtime cannot be
 * built without a pipeline for every boundary, nor without the gates each boundary must hold (`REQUIRED_GATES`).
 */
import {
  type BulwarkError,
  type GateId,
  gateIds,
  type Pipeline,
  type StreamPipeline,
  bulwarkError,
  err,
  ok,
  type Result,
} from '../core/index.js';
import type { InboundRole, InputVerdict } from '../guards/index.js';
import type { MemoryWriteItem } from '../memory/index.js';
import type { Assessment } from './gates/action-assessment.js';
import type { Tool } from './tools/tool.js';
import type { ModelCallAdvice, ModelCallOutcome, ModelRequest, ToolCall, ToolCallRef } from './types.js';

/** A client-supplied message of this turn: a user message, an assistant turn it sent, or its own instructions. */
export interface InboundItem {
  readonly text: string;
  /** Its role (default user): the client's instructions are judged by their own rule, reminders name the role. */
  readonly role?: InboundRole;
  /** Identifies the message in its conversation (role, position, content): L05 counts it once per caller. */
  readonly key?: string;
  /** Lines added to this turn's system prompt (L01 reinforce). */
  readonly reminders: readonly string[];
  /** The L01 verdict, once scored (absent when the input guard is off). */
  readonly verdict?: InputVerdict;
}

/** What the model is given besides the conversation: the system prompt and the tools it may call. */
export interface PromptItem {
  readonly system: string;
  readonly tools: readonly Tool[];
  /** This turn's user text (what L16 recalls memories for). */
  readonly query: string;
  /** Ids of the memories L16 put into the system prompt. */
  readonly recalled?: readonly string[];
}

/** What one gate did to a model call that it must hear about when the call is over (the loop awaits each). */
export interface ModelCallSettlement {
  /** The call ended (ok or failed) with this usage. */
  after(outcome: ModelCallOutcome, signal: AbortSignal): ModelCallAdvice | void | Promise<ModelCallAdvice | void>;
  /** The call never happened (a later gate refused it, or the turn ended first). */
  cancel(): void | Promise<void>;
}

export interface ModelCallItem {
  readonly request: ModelRequest;
  /** Filled by the gates, in order; the loop settles them after the call, or cancels them. */
  readonly settlements: ModelCallSettlement[];
}

/** One tool call as the model made it, and what the gates found out about it. */
export interface ToolCallItem {
  readonly call: ToolCall;
  /** bulwark's id and the shown name (a registered name or `unknown_tool`). */
  readonly ref: ToolCallRef;
  /** The registered tool, when one has that name. */
  readonly tool: Tool | undefined;
  /** The parsed arguments, once L12 checked they are a JSON object. */
  readonly args?: unknown;
  /** L27's classification and decision, for L13. */
  readonly assessment?: Assessment;
}

/** The call at the moment it runs: the exact arguments and workspace the tool receives. */
export interface ToolRunItem {
  readonly tool: Tool;
  readonly args: unknown;
  readonly workspace: string;
}

/** A tool's result on its way to the model. */
export interface ToolResultItem {
  readonly text: string;
  readonly ref: ToolCallRef;
  /** The tool declares its output comes from outside (web, files it did not write, command output): L03 wraps it. */
  readonly external: boolean;
  /** Set by L23 when the content looks like instructions: shown in L03's header. */
  readonly warning?: string;
}

export interface TurnPipelines {
  /** Each new user message: perimeter. */
  readonly inbound: Pipeline<InboundItem>;
  /** The system prompt and the offered tools, once per turn. */
  readonly prompt: Pipeline<PromptItem>;
  /** Before each model call (after it, the gates' settlements). */
  readonly modelCall: Pipeline<ModelCallItem>;
  /** Each tool call the model makes, before anything runs. */
  readonly toolCall: Pipeline<ToolCallItem>;
  /** Immediately before the tool runs, on what it really receives. */
  readonly toolRun: Pipeline<ToolRunItem>;
  /** Each tool result, before the model or the session store sees it. */
  readonly toolResult: Pipeline<ToolResultItem>;
  /** The response text, streamed (also provider error text). */
  readonly response: StreamPipeline;
  /** Every memory write, on every path (memory_save, capture, compaction, import, promote). */
  readonly memoryWrite: Pipeline<MemoryWriteItem>;
}

export type Boundary = keyof TurnPipelines;

/**
 * Gates a boundary must hold for a runtime to be built, in the order they must run (others may be added around and
 * between them): e.g. L23 redacts secrets before L03 wraps the result, so the wrapper never carries a raw value.
 */
export const REQUIRED_GATES: Readonly<Record<Boundary, readonly GateId[]>> = {
  inbound: ['L05', 'L04', 'L01'],
  prompt: ['L12', 'L16', 'L17'],
  modelCall: ['L22', 'L21'],
  toolCall: ['L12', 'L02', 'L27', 'L13'],
  toolRun: ['L13'],
  toolResult: ['L23', 'L03'],
  response: ['L02'],
  memoryWrite: ['L15', 'L14'],
};

/** Refuses pipelines that lack a boundary or a required gate, or run required gates out of order, naming which. */
export function checkPipelines(pipelines: TurnPipelines | undefined): Result<TurnPipelines, BulwarkError> {
  if (!pipelines) {
    return err(
      bulwarkError(
        'runtime.no_pipelines',
        'the agent runtime needs its pipelines (see src/pipelines.ts); it does not run a turn without its defences',
      ),
    );
  }
  for (const boundary of Object.keys(REQUIRED_GATES) as Boundary[]) {
    const list = pipelines[boundary] as readonly { readonly layer: GateId }[] | undefined;
    if (!Array.isArray(list)) {
      return err(
        bulwarkError(
          'runtime.no_pipeline',
          `the agent runtime has no ${boundary} pipeline; it does not run a turn without its defences`,
        ),
      );
    }
    const ids = gateIds(list);
    const missing = REQUIRED_GATES[boundary].filter((id) => !ids.includes(id));
    if (missing.length > 0) {
      return err(
        bulwarkError(
          'runtime.gate_missing',
          `the ${boundary} pipeline lacks ${missing.join(', ')}; the agent runtime is not built without it`,
        ),
      );
    }
    const positions = REQUIRED_GATES[boundary].map((id) => ids.indexOf(id));
    const misplaced = positions.findIndex((at, i) => i > 0 && at < (positions[i - 1] as number));
    if (misplaced > 0) {
      const required = REQUIRED_GATES[boundary];
      return err(
        bulwarkError(
          'runtime.gate_order',
          `the ${boundary} pipeline runs ${required[misplaced]} before ${required[misplaced - 1]}; they must run in the order ${required.join(' → ')}`,
        ),
      );
    }
  }
  return ok(pipelines);
}

/** A boundary and its gates in order, as `bulwark layers --pipelines` and the README show them. */
export interface PipelineRow {
  /** A boundary of a turn, or `exec`: the gates inside the exec tool (src/pipelines.ts `execPipeline`). */
  readonly boundary: Boundary | 'exec';
  readonly gates: ReadonlyArray<{ readonly id: GateId; readonly name: string }>;
}

export function describePipelines(pipelines: TurnPipelines): PipelineRow[] {
  return (Object.keys(REQUIRED_GATES) as Boundary[]).map((boundary) => ({
    boundary,
    gates: (pipelines[boundary] as ReadonlyArray<{ readonly layer: GateId; readonly name: string }>).map((g) => ({
      id: g.layer,
      name: g.name,
    })),
  }));
}
