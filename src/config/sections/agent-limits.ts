/**
 * `agents[].limits`: which sampling parameters a client may set for this agent, and in which ranges. A value
 * outside its range is clamped (the response says so in `x-bulwark-clamped`); a parameter the operator turned off
 * is dropped (named there too). max_tokens is capped by `agents[].maxTokens`.
 */
import { z } from 'zod';

const Range = (lo: number, hi: number) =>
  z
    .strictObject({ min: z.number().min(lo).max(hi), max: z.number().min(lo).max(hi) })
    .refine((r) => r.min <= r.max, 'min must be <= max');

export const AgentLimitsSchema = z.strictObject({
  temperature: Range(0, 2).default({ min: 0, max: 2 }),
  topP: Range(0, 1).default({ min: 0, max: 1 }),
  presencePenalty: Range(-2, 2).default({ min: -2, max: 2 }),
  frequencyPenalty: Range(-2, 2).default({ min: -2, max: 2 }),
  /** Client stop sequences (at most 4, each up to 64 characters). */
  stop: z.boolean().default(true),
  seed: z.boolean().default(true),
});
export type AgentLimits = z.infer<typeof AgentLimitsSchema>;
export const DEFAULT_AGENT_LIMITS: AgentLimits = AgentLimitsSchema.parse({});
