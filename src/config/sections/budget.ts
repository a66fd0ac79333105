/**
 * Config fragments for L21 (budgets, model costs and windows) and L22 (breaker).
 * Per agent: `budgets: { perExecution, perHour, perDay }`; top level: `budgets` (global),
 * `models: { <model>: { contextWindow, costPer1kIn, costPer1kOut } }`, `breaker: {...}`.
 * A limit of null means unlimited.
 */
import { z } from 'zod';

const tokens = z.number().int().min(1).max(1e12).nullable();

export const AgentBudgetsSchema = z.strictObject({
  perExecution: tokens.default(500_000),
  perHour: tokens.default(2_000_000),
  perDay: tokens.default(10_000_000),
  /**
   * The part of perHour and perDay that callers other than the owner may use together (tokens, webhooks, channel
   * users who are not the owner); the rest is kept for the owner, so no stranger can use up the owner's budget.
   */
  strangersShare: z.number().min(0).max(1).default(0.5),
});
export type AgentBudgets = z.infer<typeof AgentBudgetsSchema>;

export const GlobalBudgetsSchema = z.strictObject({
  perHour: tokens.default(null),
  perDay: tokens.default(null),
  /** Per caller (`kind:id`: a token, certificate, channel user or hook), over all agents; absent: unlimited. */
  perCaller: z.strictObject({ perHour: tokens.default(null), perDay: tokens.default(null) }).optional(),
});
export type GlobalBudgets = z.infer<typeof GlobalBudgetsSchema>;

export const ModelInfoSchema = z.strictObject({
  contextWindow: z.number().int().min(256).max(100_000_000).default(128_000),
  costPer1kIn: z.number().min(0).max(1000).default(0),
  costPer1kOut: z.number().min(0).max(1000).default(0),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const ModelsSchema = z.record(z.string().min(1).max(200), ModelInfoSchema);

export const BreakerConfigSchema = z.strictObject({
  /** Consecutive failures (errors or calls slower than latencyMs) that open the breaker. */
  failureThreshold: z.number().int().min(1).max(1000).default(5),
  latencyMs: z.number().int().min(100).max(3_600_000).default(60_000),
  /** Time open before one half-open probe is let through. */
  cooldownMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Successful probes needed to close again. */
  halfOpenSuccesses: z.number().int().min(1).max(100).default(1),
  /** Shown to the user while open. */
  fallbackMessage: z.string().min(1).max(2000).optional(),
  /** Model the turn switches to while the primary model's breaker is open (same provider; audited as an L22 fallback). */
  fallbackModel: z.string().min(1).max(200).optional(),
});
export type BreakerConfig = z.infer<typeof BreakerConfigSchema>;

export const DEFAULT_AGENT_BUDGETS: AgentBudgets = AgentBudgetsSchema.parse({});
export const DEFAULT_GLOBAL_BUDGETS: GlobalBudgets = GlobalBudgetsSchema.parse({});
export const DEFAULT_MODEL_INFO: ModelInfo = ModelInfoSchema.parse({});
export const DEFAULT_BREAKER: BreakerConfig = BreakerConfigSchema.parse({});
