/** The `memory:` config section (L14–L16) and the per-agent `agents[].memory` fragment. */
import { z } from 'zod';
import { DEFAULT_HIGH_AT, DEFAULT_MEDIUM_AT } from './perimeter.js';

/** Origins in ascending trust: external < agent < system < owner (memory/trust.ts ranks them). */
export const MEMORY_ORIGINS = ['external', 'agent', 'system', 'owner'] as const;
export type MemoryOrigin = (typeof MEMORY_ORIGINS)[number];
/** Origins automatic recall may inject: never `external`. */
export const RECALLABLE_ORIGINS = ['agent', 'system', 'owner'] as const;

const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a secret name: letters, digits and _');

export const EmbeddingsConfigSchema = z.strictObject({
  /** An OpenAI-compatible server; bulwark POSTs to `<baseUrl>/embeddings` (e.g. a local Ollama: http://127.0.0.1:11434/v1). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1).max(200),
  apiKey: z.strictObject({ secret: secretName }).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Cosine similarity a vector hit needs to count as a match (0–1). */
  minSimilarity: z.number().min(0).max(1).default(0.55),
});
export type EmbeddingsConfig = z.infer<typeof EmbeddingsConfigSchema>;

export const MemoryConfigSchema = z.strictObject({
  /** Off: no memory tools, no recall, no capture, no compaction; L14–L16 report `off`. */
  enabled: z.boolean().default(true),
  /** Longest entry accepted on any write path; a longer one is refused (never cut). */
  maxEntryChars: z.number().int().min(64).max(100_000).default(8000),
  recall: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Origins automatic recall may inject (external is never one of them). */
      origins: z.array(z.enum(RECALLABLE_ORIGINS)).min(1).max(3).default(['owner', 'system', 'agent']),
      /** Lexical score (share of the entry's or the message's terms that match, 0–1) an entry needs. */
      minScore: z.number().min(0).max(1).default(0.5),
      maxEntries: z.number().int().min(1).max(50).default(5),
      maxChars: z.number().int().min(100).max(50_000).default(2000),
      /** Recall into turns of callers that are not the owner: off, so the owner's memories never reach a stranger's prompt. */
      strangers: z.boolean().default(false),
    })
    .prefault({}),
  capture: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Fact-like sentences of user messages (origin: the caller's). */
      user: z.boolean().default(true),
      /** Fact-like sentences of the agent's answers (origin agent, or external after a tainting tool result). */
      assistant: z.boolean().default(true),
    })
    .prefault({}),
  compaction: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Estimated prompt tokens of the history above which older messages are summarised; default half the model's context window. */
      triggerTokens: z.number().int().min(500).max(2_000_000).nullable().default(null),
      /** Most recent messages kept verbatim. */
      keepMessages: z.number().int().min(2).max(200).default(8),
      maxSummaryTokens: z.number().int().min(64).max(16_000).default(1024),
    })
    .prefault({}),
  /**
   * L15 thresholds on the input guard's score (a calibrated probability): at `quarantineAt` the entry is stored
   * quarantined (external, never recalled or searched), at `downgradeAt` it is downgraded to external and tagged.
   * The defaults are the input guard's own medium and high thresholds.
   */
  scan: z
    .strictObject({
      downgradeAt: z.number().min(0).max(1).default(DEFAULT_MEDIUM_AT),
      quarantineAt: z.number().min(0).max(1).default(DEFAULT_HIGH_AT),
    })
    .prefault({}),
  embeddings: EmbeddingsConfigSchema.optional(),
});
export type MemoryConfig = z.infer<typeof MemoryConfigSchema>;

export const AgentMemorySchema = z.strictObject({
  /** Origins `memory_search` may return to this agent (results are always framed as external content). */
  searchOrigins: z.array(z.enum(MEMORY_ORIGINS)).min(1).max(4).default(['owner', 'system', 'agent', 'external']),
  /** Automatic recall into this agent's prompt. */
  recall: z.boolean().default(true),
  /** Automatic capture from this agent's conversations. */
  capture: z.boolean().default(true),
});
export type AgentMemoryConfig = z.infer<typeof AgentMemorySchema>;
export const DEFAULT_AGENT_MEMORY: AgentMemoryConfig = AgentMemorySchema.parse({});
