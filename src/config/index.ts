/** The config room's public surface: everything other rooms use from it, and nothing else. */
export { dataDirId, readDataDirId } from './data-dir-id.js';
export { lockDataDir, lockHolder } from './data-dir-lock.js';
export { dataDirPath, dataDirProblems, ensureDataDir, refuseProblems } from './data-dir.js';
export { envSnapshot, envVar, scrubProcessEnv } from './env.js';
export { configPath, DEFAULT_CONFIG_YAML, describeZodError, loadConfig, parseConfigText } from './load.js';
export {
  ancestorProblems,
  currentUid,
  dedupeProblems,
  describeProblems,
  pathProblems,
  trustProblems,
  type FileProblem,
} from './ownership.js';
export { readTextFileBounded } from './read-file.js';
export type { AgentConfig, Config, ProviderConfig, TOOL_PROFILES } from './schema.js';
export { isSecretReference } from './secret-ref.js';
export type { AgentLimits } from './sections/agent-limits.js';
export { ACTION_CLASSES, DEFAULT_APPROVALS, type ActionClass, type ApprovalsConfig } from './sections/approvals.js';
export type { ChannelsConfig, ChannelUser, TelegramChannelConfig } from './sections/channels.js';
export {
  BindingSchema,
  BrokerConfigSchema,
  INJECTION_PRESETS,
  PLACEHOLDER,
  splitHostPort,
  type Binding,
  type BrokerConfig,
  type InjectionPreset,
  type UpstreamCa,
} from './sections/broker.js';
export {
  DEFAULT_AGENT_BUDGETS,
  DEFAULT_BREAKER,
  DEFAULT_GLOBAL_BUDGETS,
  DEFAULT_MODEL_INFO,
  type AgentBudgets,
  type BreakerConfig,
  type GlobalBudgets,
  type ModelInfo,
} from './sections/budget.js';
export { EXEC_DEFAULTS, ExecConfigSchema, type ExecConfig, type ExecLimits } from './sections/exec.js';
export {
  ConnectionLimitsSchema,
  DEFAULT_AUTH_FAILURE_LIMIT,
  ServerTimeoutsSchema,
  type AuthFailureLimitConfig,
  type ConnectionLimits,
  type ServerTimeouts,
} from './sections/gateway.js';
export {
  durationSeconds,
  WEBHOOK_PROVIDERS,
  type HookConfig,
  type HooksConfig,
  type WebhookProvider,
} from './sections/hooks.js';
export {
  MEMORY_ORIGINS,
  RECALLABLE_ORIGINS,
  type EmbeddingsConfig,
  type MemoryConfig,
  type MemoryOrigin,
} from './sections/memory.js';
export {
  DEFAULT_NET_CONFIG,
  DEFAULT_NET_PORTS,
  NET_CONSUMERS,
  NetConfigSchema,
  type NetConfig,
  type NetConsumer,
} from './sections/net.js';
export {
  InputGuardConfigSchema,
  PerimeterConfigSchema,
  RateLimitConfigSchema,
  ToolOutputConfigSchema,
  type AgentInputPolicy,
  type InputAction,
  type InputActions,
  type InputGuardConfigInput,
  type PerimeterConfig,
  type RateLimitConfig,
  type RiskLevel,
  type ToolOutputConfig,
} from './sections/perimeter.js';
export {
  AgentSecretsSchema,
  isReservedSecretName,
  RESERVED_SECRET_MESSAGE,
  RESERVED_SECRET_PREFIX,
  SECRET_GLOB_RE,
  SecretsConfigSchema,
  type SecretsConfig,
} from './sections/secrets.js';
export { CALLER_SCOPES, type TlsClient, type TlsConfig } from './sections/tls.js';
export type { UiConfig } from './sections/ui.js';
export {
  MCP_SERVER_NAME,
  McpServerSchema,
  type McpConfig,
  type McpServerConfig,
  type SupplyConfig,
} from './sections/mcp.js';
export { parsePublicOrigin, type PublicOrigin } from './sections/public-origin.js';
export { isLoopbackName } from './loopback-name.js';
