import { z } from 'zod';
import { ApprovalsConfigSchema, DEFAULT_APPROVALS } from './sections/approvals.js';
import {
  AgentBudgetsSchema,
  BreakerConfigSchema,
  DEFAULT_AGENT_BUDGETS,
  DEFAULT_BREAKER,
  DEFAULT_GLOBAL_BUDGETS,
  GlobalBudgetsSchema,
  ModelsSchema,
} from './sections/budget.js';
import { BrokerConfigSchema } from './sections/broker.js';
import { ExecConfigSchema } from './sections/exec.js';
import { ServerConfigSchema } from './sections/gateway.js';
import { LoggingConfigSchema } from './sections/logging.js';
import { DEFAULT_NET_CONFIG, NetConfigSchema } from './sections/net.js';
import { OutputConfigSchema } from './sections/output.js';
import { AgentInputPolicySchema, PerimeterConfigSchema } from './sections/perimeter.js';
import { AgentLimitsSchema, DEFAULT_AGENT_LIMITS } from './sections/agent-limits.js';
import { AgentSecretsSchema, SecretRefSchema, SecretsConfigSchema } from './sections/secrets.js';
import { HooksConfigSchema } from './sections/hooks.js';
import { ChannelsConfigSchema } from './sections/channels.js';
import { AgentMemorySchema, DEFAULT_AGENT_MEMORY, MemoryConfigSchema } from './sections/memory.js';
import { McpConfigSchema, SupplyConfigSchema } from './sections/mcp.js';

export { SecretRefSchema, type SecretRef } from './sections/secrets.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an id: lowercase letters, digits, - and _ (max 64)');

export const ProviderSchema = z.strictObject({
  type: z.enum(['anthropic', 'openai']),
  /** For OpenAI-compatible servers (Ollama, vLLM, llama.cpp, OpenRouter, Groq) and tests. */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: SecretRefSchema.optional(),
  timeoutMs: z.number().int().min(1000).max(600_000).default(120_000),
});
export type ProviderConfig = z.infer<typeof ProviderSchema>;

export const TOOL_PROFILES = ['minimal', 'coding', 'messaging', 'supervisor', 'full'] as const;

export const AgentSchema = z.strictObject({
  id,
  /** Key of an entry in `providers`; without it the agent answers with a configuration error. */
  provider: id.optional(),
  model: z.string().min(1).max(200).default('default'),
  systemPrompt: z.string().max(100_000).default('You are a helpful assistant.'),
  tools: z
    .strictObject({
      profile: z.enum(TOOL_PROFILES).default('coding'),
      allow: z.array(z.string().max(100)).default([]),
      deny: z.array(z.string().max(100)).default([]),
    })
    .default({ profile: 'coding', allow: [], deny: [] }),
  /** Workspace directory; default <data dir>/workspaces/<id>. */
  workspace: z.string().min(1).optional(),
  maxSteps: z.number().int().min(1).max(100).default(8),
  maxTokens: z.number().int().min(1).max(200_000).default(4096),
  turnTimeoutMs: z.number().int().min(1000).max(3_600_000).default(300_000),
  /** L07: secret names or globs this agent may read (deny by default; its provider's key is added automatically). */
  secrets: AgentSecretsSchema,
  /** L27/L13: which action classes wait for an operator and which are refused. */
  approvals: ApprovalsConfigSchema.default(DEFAULT_APPROVALS),
  /** L21: token budgets of this agent (null = unlimited). */
  budgets: AgentBudgetsSchema.default(DEFAULT_AGENT_BUDGETS),
  /** Sampling parameters clients may set, and their ranges (max_tokens is capped by maxTokens). */
  limits: AgentLimitsSchema.default(DEFAULT_AGENT_LIMITS),
  /** L01 actions for this agent: strangers' messages (`actions`) and the owner's (`ownerActions`); else guards.input's. */
  input: AgentInputPolicySchema.optional(),
  /** L16 for this agent: which origins memory_search may return; recall and capture on or off. */
  memory: AgentMemorySchema.default(DEFAULT_AGENT_MEMORY),
});
export type AgentConfig = z.infer<typeof AgentSchema>;

export const ConfigSchema = z.strictObject({
  /** The gateway's HTTP server and its L18 throttle on refused requests. */
  server: ServerConfigSchema.prefault({}),
  providers: z.record(id, ProviderSchema).default({}),
  agents: z
    .array(AgentSchema)
    .min(1)
    .max(100)
    .default([AgentSchema.parse({ id: 'default' })]),
  /** L01/L05/L23: perimeter guards. */
  guards: PerimeterConfigSchema.prefault({}),
  /** L02/L17: output guard. */
  output: OutputConfigSchema,
  /** L06: where the vault's master key comes from. */
  secrets: SecretsConfigSchema,
  /** L11 and the exec layers. */
  exec: ExecConfigSchema.prefault({}),
  /** L10: the SSRF guard's only exceptions and limits. */
  net: NetConfigSchema.default(DEFAULT_NET_CONFIG),
  /** L08: the credential broker. */
  broker: BrokerConfigSchema.prefault({}),
  /** L21: global token budgets; per-model context windows and costs. */
  budgets: GlobalBudgetsSchema.default(DEFAULT_GLOBAL_BUDGETS),
  models: ModelsSchema.default({}),
  /** L22: circuit breaker per provider and model. */
  breaker: BreakerConfigSchema.default(DEFAULT_BREAKER),
  /** L14–L16: memory with provenance, recall, capture and compaction. */
  memory: MemoryConfigSchema.prefault({}),
  /** bulwark.log and audit.jsonl: level and size-based rotation. */
  logging: LoggingConfigSchema,
  /** L20: signed webhooks that trigger agents (POST /v1/hooks/:name). */
  hooks: HooksConfigSchema,
  /** Chat channels (Telegram) that reach agents and carry approval buttons. */
  channels: ChannelsConfigSchema,
  /** MCP tool servers, sandboxed (stdio) or behind L10 (http); their tools pass L24 pins and L12. */
  mcp: McpConfigSchema.prefault({}),
  /** L25: how old the offline advisory index may be. */
  supply: SupplyConfigSchema.prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;
