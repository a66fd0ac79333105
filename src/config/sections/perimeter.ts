/**
 * Config section `guards` of the perimeter (L01, L05, L23/L03).
 * Defaults come from the scorecard (eval/suites/perimeter.ts); see eval/docs/perimeter.md for the reasoning.
 */
import { z } from 'zod';

export const INPUT_ACTIONS = ['pass', 'warn', 'reinforce', 'block'] as const;
export type InputAction = (typeof INPUT_ACTIONS)[number];
export type RiskLevel = 'low' | 'medium' | 'high';

/**
 * L01 risk levels from the classifier's calibrated probability (which already weighs the pattern families)
 * and the pattern score. medium / high are probabilities the training script selected on out-of-fold
 * predictions for unseen sources (they equal the thresholds stored with the weights, checked by
 * test/guards/config-defaults.test.ts). The pattern score alone never blocks: from `patternOnly` it makes a
 * message medium (reinforce); with a medium probability, a pattern score from `patternAgreement` makes it high.
 * Reasoning and figures: eval/docs/perimeter.md.
 */
export const DEFAULT_MEDIUM_AT = 0.75;
export const DEFAULT_HIGH_AT = 0.86;
export const DEFAULT_PATTERN_AGREEMENT = 0.75;
export const DEFAULT_PATTERN_ONLY = 0.9;

const action = z.enum(INPUT_ACTIONS);

export const InputActionsSchema = z.strictObject({
  low: action.default('pass'),
  medium: action.default('reinforce'),
  high: action.default('block'),
});
export const OwnerActionsSchema = z.strictObject({
  low: action.default('pass'),
  medium: action.default('reinforce'),
  high: action.default('reinforce'),
});
export type InputActions = z.infer<typeof InputActionsSchema>;

/** `agents[].input`: this agent's own input policy for strangers and for the owner (else `guards.input`'s). */
export const AgentInputPolicySchema = z.strictObject({
  actions: InputActionsSchema.optional(),
  ownerActions: OwnerActionsSchema.optional(),
});
export type AgentInputPolicy = z.infer<typeof AgentInputPolicySchema>;

export const InputGuardConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    thresholds: z
      .strictObject({
        /** Classifier probability from which a message is medium risk. */
        medium: z.number().min(0).max(1).default(DEFAULT_MEDIUM_AT),
        /** Classifier probability from which a message is high risk on its own. */
        high: z.number().min(0).max(1).default(DEFAULT_HIGH_AT),
        /** Pattern score that, with a medium probability, makes a message high risk (agreement). */
        patternAgreement: z.number().min(0).max(1).default(DEFAULT_PATTERN_AGREEMENT),
        /** Pattern score that makes a message medium risk whatever the probability (never high on its own). */
        patternOnly: z.number().min(0).max(1).default(DEFAULT_PATTERN_ONLY),
      })
      .refine((t) => t.medium <= t.high, 'guards.input.thresholds: medium must be <= high')
      .default({
        medium: DEFAULT_MEDIUM_AT,
        high: DEFAULT_HIGH_AT,
        patternAgreement: DEFAULT_PATTERN_AGREEMENT,
        patternOnly: DEFAULT_PATTERN_ONLY,
      }),
    /** What happens to a message from anyone but the owner (webhooks, other tokens, channel strangers), by risk. */
    actions: InputActionsSchema.default({ low: 'pass', medium: 'reinforce', high: 'block' }),
    /**
     * What happens to the owner's own messages (a caller with `owner`: init's token, `token create --owner`). By
     * default they are never refused: high risk adds the security reminder and an audit line.
     */
    ownerActions: OwnerActionsSchema.default({ low: 'pass', medium: 'reinforce', high: 'reinforce' }),
    /** Use the in-repo classifier; off, the pattern score stands in for its probability. */
    classifier: z.boolean().default(true),
    /** Longer inbound text is refused (high risk) rather than scanned partially. */
    maxChars: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
  })
  .default({
    enabled: true,
    thresholds: {
      medium: DEFAULT_MEDIUM_AT,
      high: DEFAULT_HIGH_AT,
      patternAgreement: DEFAULT_PATTERN_AGREEMENT,
      patternOnly: DEFAULT_PATTERN_ONLY,
    },
    actions: { low: 'pass', medium: 'reinforce', high: 'block' },
    ownerActions: { low: 'pass', medium: 'reinforce', high: 'reinforce' },
    classifier: true,
    maxChars: 1024 * 1024,
  });
export type InputGuardConfig = z.infer<typeof InputGuardConfigSchema>;
/** What a caller may pass (defaults filled in by the schema). */
export type InputGuardConfigInput = z.input<typeof InputGuardConfigSchema>;

export const RateLimitConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    windowMs: z
      .number()
      .int()
      .min(1000)
      .max(24 * 3600 * 1000)
      .default(5 * 60 * 1000),
    warnAt: z.number().int().min(1).max(1000).default(3),
    auditAt: z.number().int().min(1).max(1000).default(5),
    /** Detections in the window from which `action` applies. */
    limitAt: z.number().int().min(1).max(1000).default(5),
    /** throttle: one message per throttleMs; block: nothing until the window clears; none: audit only. */
    action: z.enum(['throttle', 'block', 'none']).default('throttle'),
    throttleMs: z
      .number()
      .int()
      .min(100)
      .max(3600 * 1000)
      .default(10_000),
    maxSenders: z.number().int().min(10).max(1_000_000).default(10_000),
  })
  .refine((r) => r.warnAt <= r.auditAt, 'guards.rateLimit: warnAt must be <= auditAt')
  .default({
    enabled: true,
    windowMs: 300_000,
    warnAt: 3,
    auditAt: 5,
    limitAt: 5,
    action: 'throttle',
    throttleMs: 10_000,
    maxSenders: 10_000,
  });
export type RateLimitConfig = z.infer<typeof RateLimitConfigSchema>;

export const ToolOutputConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    maxChars: z.number().int().min(1000).max(10_000_000).default(50_000),
    /** Score from which a tool result is flagged (warning header + audit). */
    flagAt: z.number().min(0).max(1).default(0.5),
    /**
     * external: results of tools whose output comes from outside (web, files, command output) are wrapped as
     * untrusted (L03); always: every result is.
     */
    wrap: z.enum(['external', 'always']).default('external'),
  })
  .default({ enabled: true, maxChars: 50_000, flagAt: 0.5, wrap: 'external' });
export type ToolOutputConfig = z.infer<typeof ToolOutputConfigSchema>;

/** Keys to spread into the `guards` object of the config schema. */
export const perimeterGuardsShape = {
  input: InputGuardConfigSchema,
  rateLimit: RateLimitConfigSchema,
  toolOutput: ToolOutputConfigSchema,
} as const;

export const PerimeterConfigSchema = z.strictObject(perimeterGuardsShape);
export type PerimeterConfig = z.infer<typeof PerimeterConfigSchema>;
