/**
 * `hooks`: L20 signed webhooks. Each entry names the agent a verified delivery triggers, how its signature is
 * checked, where the secret lives (the vault), the freshness window, the replay cache's keeping time and a rate.
 */
import { z } from 'zod';
import { AgentInputPolicySchema } from './perimeter.js';
import { SecretRefSchema } from './secrets.js';

export const WEBHOOK_PROVIDERS = ['github', 'stripe', 'slack', 'standard-webhooks', 'generic'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

const DURATION = /^([1-9][0-9]{0,6})(s|m|h|d)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds of a duration written as a number of seconds or `90s`, `30m`, `24h`, `7d`. */
export function durationSeconds(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = DURATION.exec(v);
  return m ? Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number) : NaN;
}

const duration = z
  .union([z.number().int().min(1), z.string().regex(DURATION, 'a duration: seconds, or e.g. 90s, 30m, 24h, 7d')])
  .refine((v) => durationSeconds(v) <= 30 * 86_400, 'at most 30 days');

export const HOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const HookSchema = z.strictObject({
  /** The agent a verified delivery triggers. */
  agent: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an agent id'),
  provider: z.enum(WEBHOOK_PROVIDERS),
  /** The signing secret, from the vault (`bulwark secrets set NAME`) or the environment. */
  secret: SecretRefSchema,
  /** Accepted distance between the signed timestamp and now, either way (seconds). */
  toleranceSec: z.number().int().min(1).max(3600).default(300),
  /**
   * How long a delivery is remembered to refuse it again. For schemes that sign an id or a timestamp the id is kept
   * past the window anyway; for GitHub (which signs neither) the signature digest is kept this long.
   */
  replayTtl: duration.default('24h'),
  /** Text of the operator placed before the payload (the payload itself is framed as external content). */
  prompt: z.string().min(1).max(4000).optional(),
  /** Verified deliveries per minute for this hook; past it 429. Refused deliveries never count against it. */
  perMinute: z.number().int().min(1).max(10_000).default(60),
  /**
   * Refused deliveries (signature, window, replay, size) audited one by one per minute; past it they are still
   * refused and verified (a real delivery still gets through) but only counted, in the next audited line.
   */
  refusedPerMinute: z.number().int().min(1).max(10_000).default(60),
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(256 * 1024),
  /** L01 policy for this hook's deliveries (same shape as agents[].input); it wins over the agent's. */
  input: AgentInputPolicySchema.optional(),
});
export type HookConfig = z.infer<typeof HookSchema>;

export const HooksConfigSchema = z
  .record(z.string().regex(HOOK_NAME, 'a hook name: lowercase letters, digits, - and _ (max 64)'), HookSchema)
  .default({});
export type HooksConfig = z.infer<typeof HooksConfigSchema>;
