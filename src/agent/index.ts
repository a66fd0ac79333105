/** The agent room's public surface: everything other rooms use from it, and nothing else. */
export {
  describePipelines,
  type PipelineRow,
  type PromptItem,
  type ToolCallItem,
  type ToolResultItem,
  type TurnPipelines,
} from './boundaries.js';
export { SqliteUsageStore } from './budget/sqlite-usage-store.js';
export { startOfUtcDay, USAGE_KEEP_DAYS, type UsageRow, type UsageStore } from './budget/usage-store.js';
export { SqliteCompactionStore, type CompactionStore } from './compaction-store.js';
export { createControlsFromConfig, type Controls, type ControlsStatus } from './controls.js';
export {
  egressTaintLayers,
  SecretTaint,
  taintEgressCheck,
  taintSession,
  trustedHosts,
  watchSecretTaint,
} from './egress-taint.js';
export { provenanceTaint, type ProvenanceTaint } from './provenance-taint.js';
export { WorkspaceSecrets, type WorkspaceFinding, type WorkspaceWalk } from './workspace-secrets.js';
export type { TaintStore } from './taint-store.js';
export { SqliteTaintStore } from './sqlite-taint-store.js';
export type { WrittenFile, WrittenFileStore } from './written-file-store.js';
export { SqliteWrittenFileStore } from './sqlite-written-file-store.js';
export { effectApprover } from './gates/effect-approval.js';
export { recallGate } from './gates/memory-gates.js';
export { outputGates } from './gates/output-gates.js';
export { inboundGates, toolResultGates } from './gates/perimeter-gates.js';
export { secretPlaceholderGate } from './gates/secret-placeholder-gate.js';
export { createToolPolicyGates, type ToolPolicyGates } from './gates/tool-policy-gates.js';
export { redactingCompactionStore, redactingSessionStore } from './redacting-session-store.js';
export { createAgentRuntime, workspacePath } from './runtime.js';
export type { RefusedInput } from './turn-loop.js';
export { checkSessionId, MAX_SESSION_PAGE, type SessionStore } from './session-store.js';
export { createSkillTools, SkillNarrowing, skillCatalogueGate, skillNarrowingGate, type SkillShelf } from './skills.js';
export type { SkillNarrowingStore } from './skill-narrowing-store.js';
export { SqliteSkillNarrowingStore } from './sqlite-skill-narrowing-store.js';
export { SqliteSessionStore } from './sqlite-session-store.js';
export { createExecTool, describeEffects } from './tools/exec.js';
export { createFsTools, fsTools } from './tools/fs/index.js';
export { createMemorySaveTool, createMemorySearchTool } from './tools/memory.js';
export type { Tool, ToolRunContext } from './tools/tool.js';
export { remoteTool, type RemoteToolSource } from './tools/remote.js';
export { createWebFetchTool } from './tools/web-fetch.js';
export type { AgentRuntime, ChatMessage, FinishReason, Sampling, TurnEvent } from './types.js';
