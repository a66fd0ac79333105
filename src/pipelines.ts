/**
 * What runs, in which order, at every boundary of a turn. This file is the one place that says it; the turn loop
 * runs these lists and nothing else, and the agent runtime is not built without them (agent/boundaries.ts).
 *
 *   inbound      L05 admit → L04 canonicalise → L01 score → L05 count → L01 act          (each client message)
 *   prompt       L12 offer → L03 skills catalogue → L16 recall → L17 canary               (once per turn)
 *   model-call   L22 breaker → L21 budget                                                 (before each model call)
 *   tool-call    L12 admit → L12 skill narrowing → L02 argument scan → L27 classify →
 *                L13 approve                                                              (each tool call)
 *   tool-run     L13 re-check                                                             (as the tool starts)
 *      exec       L11.2 command policy → L11.3 env denylist → L11.4 working directory →    (inside the exec tool:
 *                 L11.6 env allow-list → L11.8 write quota → L11.5 OS sandbox →            `execPipeline`)
 *                 L11.7 effects (judged once the run's cgroup is empty)
 *      write/edit L11.7 host-executed files (refused, or one change the operator approves)   (inside the tools)
 *   tool-result  L23 known values → L23 sanitise → L23 known values → L03 wrap → L23 cap   (each tool result;
 *                known values become [secret:NAME] before and after canonicalising)
 *   response     L02 (+ L17) stream filter                                                (every response text)
 *   memory-write L15 scan → L14 provenance                                                (every memory write:
 *                memory_save, capture, compaction summaries, imports, promote)
 */
import {
  type TurnPipelines,
  type Controls,
  outputGates,
  inboundGates,
  toolResultGates,
  type ToolPolicyGates,
  type ToolResultItem,
  type PromptItem,
  type ToolCallItem,
  type PipelineRow,
} from './agent/index.js';
import type { GateId, Gate } from './core/index.js';
import type { ExecPipeline, ExecPipelineDecl } from './exec/index.js';
import type { OutputGuard, Perimeter } from './guards/index.js';
import type { MemoryWriteItem } from './memory/index.js';

/** The memory layers' gates: L16 at the prompt, L15 and L14 at the memory-write boundary. */
export interface MemoryGates {
  readonly recall: Gate<PromptItem>;
  readonly scan: Gate<MemoryWriteItem>;
  readonly provenance: Gate<MemoryWriteItem>;
}

export interface PipelineParts {
  readonly perimeter: Perimeter;
  readonly output: OutputGuard;
  readonly toolPolicy: ToolPolicyGates;
  readonly controls: Pick<Controls, 'actions' | 'breakerGate' | 'budgetGate'>;
  readonly memory: MemoryGates;
  /** L23's known-value placeholders: one instance on the raw result, one on the canonical text. */
  readonly secrets: { readonly raw: Gate<ToolResultItem>; readonly canonical: Gate<ToolResultItem> };
  /** Agent Skills (agent/skills.ts): the catalogue framed as external content, allowed-tools narrowing. */
  readonly skills?: { readonly catalogue: Gate<PromptItem>; readonly narrowing: Gate<ToolCallItem> };
}

export function turnPipelines(parts: PipelineParts): TurnPipelines {
  const inbound = inboundGates(parts.perimeter);
  const results = toolResultGates(parts.perimeter);
  const output = outputGates(parts.output);
  const { actions } = parts.controls;
  const skills = parts.skills;
  return {
    inbound: [inbound.admit, inbound.canonicalise, inbound.score, inbound.count, inbound.act],
    // L16 before L17: the canary goes into the final system prompt.
    prompt: [parts.toolPolicy.offer, ...(skills ? [skills.catalogue] : []), parts.memory.recall, output.canary],
    modelCall: [parts.controls.breakerGate, parts.controls.budgetGate],
    toolCall: [
      parts.toolPolicy.admit,
      ...(skills ? [skills.narrowing] : []),
      output.argumentScan,
      actions.classify,
      actions.approve,
    ],
    toolRun: [actions.recheck],
    toolResult: [parts.secrets.raw, results.sanitize, parts.secrets.canonical, results.wrap, results.cap],
    response: [output.response],
    memoryWrite: [parts.memory.scan, parts.memory.provenance],
  };
}

/**
 * The exec tool's own gates, in the order every run passes them (after L12 and the tool-call pipeline). The runner
 * builds the gates and runs this list; it refuses a list that lacks a required gate or misorders them
 * (REQUIRED_EXEC_GATES). L11.6 and L11.8 come before the sandbox: they set the child's environment and the size of
 * the copy-on-write view it starts on.
 */
export const execPipeline: ExecPipelineDecl = (g) => [
  g.command,
  g.env,
  g.workdir,
  g.childEnv,
  g.quota,
  g.sandbox,
  g.effects,
];

/** The exec boundary as `bulwark layers --pipelines` shows it: the list a runner really runs. */
export function describeExecPipeline(pipeline: ExecPipeline): PipelineRow {
  return { boundary: 'exec', gates: pipeline.map((g) => ({ id: g.layer, name: g.name })) };
}

/** The exec tool's own layers, in the order the runner applies them (after L12 and the tool-call pipeline). */
export const EXEC_GATES: readonly GateId[] = ['L11.2', 'L11.3', 'L11.4', 'L11.5', 'L11.6'];
