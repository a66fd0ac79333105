/**
 * The exec boundary as a pipeline: one exec passes its gates in a declared order (src/pipelines.ts declares it;
 * the runner runs that list and nothing else). Each gate takes the run as it stands and returns it with what it
 * established (the checked variables, the working directory, the child's environment, the quota, the sandbox's
 * exit, the outcome), or a refusal it has already audited. A gate that needs what an earlier gate establishes and
 * does not find it refuses (fail closed), so a list that drops or reorders a gate cannot run a command unchecked;
 * `checkExecPipeline` refuses such a list before any run.
 */
import {
  bulwarkError,
  type BulwarkError,
  type EventContext,
  err,
  type GateId,
  gateIds,
  ok,
  type Result,
} from '../core/index.js';
import type { ExecRequest, ExecOutcome } from './runner.js';
import type { OverlayView } from './overlay-view.js';
import type { ChildPaths, RunSpec } from './sandbox/provider.js';
import type { Exit } from './spawn.js';
import type { WorkspaceLease } from './workspace-locks.js';
import type { WorkspaceView } from './workspace-view.js';

/** One exec on its way through the gates; later fields are set by the gates that establish them. */
export interface ExecItem {
  readonly workspace: string;
  readonly req: ExecRequest;
  readonly command: string;
  readonly ctx: EventContext;
  /** The command as shown in audit lines (capped). */
  readonly shown: string;
  /** L11.3: the variables the model passed, checked. */
  readonly modelEnv?: Record<string, string>;
  /** L11.4: the workspace's real path and the working directory inside it. */
  readonly real?: string;
  readonly cwd?: RunSpec['cwd'];
  /** L11.4: the run's hold on its workspace (released while it waits for the operator). */
  readonly lease?: WorkspaceLease;
  /** L11.6: the child's whole environment, for the paths the provider chooses. */
  readonly childEnv?: (paths: ChildPaths) => Record<string, string>;
  /** L11.8: what one exec may add to the workspace, in MiB. */
  readonly quotaMb?: number;
  /** L11.5 → L11.7: what the sandbox left to judge (the command's exit and the view it ran on). */
  readonly ran?: { readonly exit: Exit; readonly overlay?: OverlayView; readonly view?: WorkspaceView };
  /** The run's result, once a gate has settled it (L11.7). */
  readonly outcome?: ExecOutcome;
  /** Released when the run leaves the pipeline, whatever happened (last first): locks, sandbox, broker session. */
  readonly cleanups: Array<() => void | Promise<void>>;
}

export interface ExecGate {
  readonly layer: GateId;
  /** What this gate does, in a few words (`bulwark layers --pipelines`). */
  readonly name: string;
  run(item: ExecItem): Promise<Result<ExecItem, BulwarkError>>;
}

export type ExecPipeline = readonly ExecGate[];

/** The exec gates the runner builds; the declaration picks their order. */
export interface ExecGateSet {
  readonly command: ExecGate;
  readonly env: ExecGate;
  readonly workdir: ExecGate;
  readonly childEnv: ExecGate;
  readonly quota: ExecGate;
  readonly sandbox: ExecGate;
  readonly effects: ExecGate;
}

/** How a declaration turns the runner's gates into the list it runs. */
export type ExecPipelineDecl = (gates: ExecGateSet) => ExecPipeline;

/**
 * Gates every exec pipeline holds, in the order they must run: nothing reaches the sandbox before the command, its
 * variables and its directory are checked and its environment and quota are set, and nothing is applied before it ran.
 */
export const REQUIRED_EXEC_GATES: readonly GateId[] = ['L11.2', 'L11.3', 'L11.4', 'L11.6', 'L11.8', 'L11.5', 'L11.7'];

/** The required gates alone, in their order: what a one-shot run without the composition root's declaration runs. */
export function requiredExecPipeline(g: ExecGateSet): ExecPipeline {
  const byId = new Map<GateId, ExecGate>(Object.values(g).map((gate: ExecGate) => [gate.layer, gate]));
  return REQUIRED_EXEC_GATES.map((id) => byId.get(id)).filter((gate): gate is ExecGate => gate !== undefined);
}

/** Refuses an exec pipeline that lacks a required gate or runs them out of order, naming which. */
export function checkExecPipeline(pipeline: ExecPipeline): Result<ExecPipeline, BulwarkError> {
  const ids = gateIds(pipeline);
  const missing = REQUIRED_EXEC_GATES.filter((id) => !ids.includes(id));
  if (missing.length > 0)
    return err(
      bulwarkError(
        'exec.gate_missing',
        `the exec pipeline lacks ${missing.join(', ')}; exec does not run without it (see src/pipelines.ts)`,
        { layer: 'L11' },
      ),
    );
  const positions = REQUIRED_EXEC_GATES.map((id) => ids.indexOf(id));
  const misplaced = positions.findIndex((at, i) => i > 0 && at < (positions[i - 1] as number));
  if (misplaced > 0)
    return err(
      bulwarkError(
        'exec.gate_order',
        `the exec pipeline runs ${REQUIRED_EXEC_GATES[misplaced]} before ${REQUIRED_EXEC_GATES[misplaced - 1]}; they must run in the order ${REQUIRED_EXEC_GATES.join(' → ')}`,
        { layer: 'L11' },
      ),
    );
  return ok(pipeline);
}
