/** The exec room's public surface (L11 and its gates L11.2–L11.6) for the composition root, the CLI and the broker. */
export { startExec, type ExecService, type StartExecOptions } from './service.js';
export { ExecRunner, type ExecOutcome, type ExecRequest, type ExecRunnerDeps } from './runner.js';
export { describeMemoryKilled, type MemoryKilled } from './memory-cgroup.js';
export type { BrokerAccess, BrokerSpawn, BrokerSpawnContext, BrokerSpawner, EgressJudge } from './broker-access.js';
export { READ_ONLY_ROOT, type ReadOnlyTree } from './read-only-trees.js';
export {
  checkExecPipeline,
  REQUIRED_EXEC_GATES,
  type ExecGate,
  type ExecGateSet,
  type ExecPipeline,
  type ExecPipelineDecl,
} from './exec-pipeline.js';
export type { RunSpec, SandboxMode, SandboxProvider, SpawnPlan } from './sandbox/provider.js';
export { SERVICE_STATE, SERVICE_WORKSPACE, type ServiceProcess, type ServiceSpec } from './sandbox/service-sandbox.js';
export { detectSandbox, type SandboxDetection } from './detect.js';
export { ExecConfigSchema, type ExecConfig } from '../config/index.js';
export { evaluateCommand, type CommandVerdict } from './command-policy.js';
export type { ApproveEffects, EffectsReport, HeldEffects } from './effects-gate.js';
export { describeHostRunFile, type HostRunFile } from './effects/host-run.js';
export { fileJournal, NO_FILE_JOURNAL, type FileJournal } from './effects/file-journal.js';
export { selectUndo, type UndoTarget } from './effects/journal-query.js';
export { entryTexts } from './effects/journal-read.js';
export { shownEntry, shownTexts } from './effects/journal-shown.js';
export { Journal, notRestoredText, type JournalEntry, type NotRestored, type UndoResult } from './effects/journal.js';
export {
  describeRefusals,
  fsTreeView,
  HOST_EXECUTED,
  HOST_FILES_GATE,
  judgeChanges,
  operatorGitGlobal,
  overlayView,
  type GitGlobalValue,
  type HostFileChange,
  type HostFileRefusal,
  type OverlayEntry,
} from './host-executed/index.js';
export { compilePattern, matchesAt, type PathPattern } from './host-executed/path-pattern.js';
export { findJailTools, JAIL_HOSTNAME, startJail, type JailSpec } from './jail/outer-jail.js';
export { probeOverlay } from './overlay-probe.js';
export { workspaceTreeView } from './pointer-roots.js';
export { LOWER_FIX, OverlayLowers } from './overlay-lowers.js';
export { lookupUser, usableSandboxUser } from './sandbox-identity.js';
export { ensureSandboxUser } from './sandbox-user.js';
export { chownTree } from './chown-tree.js';
