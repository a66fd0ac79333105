/**
 * `channels`: chat channels that reach agents (Telegram today). Every channel lists the users it admits (by the
 * platform's numeric id), which of them is the owner, and which may decide approvals.
 */
import { z } from 'zod';
import { AgentInputPolicySchema } from './perimeter.js';
import { SecretRefSchema } from './secrets.js';

export const ChannelUserSchema = z.strictObject({
  /** The platform's stable numeric user id (Telegram: `from.id`), never a user name (names can be changed). */
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  /** A label for audit lines, never used for decisions. */
  name: z.string().min(1).max(100).optional(),
  /** The operator: L01 ownerActions, trusted memory origin. */
  owner: z.boolean().default(false),
  /** May press the approval buttons of this channel's agent. */
  approver: z.boolean().default(false),
});
export type ChannelUser = z.infer<typeof ChannelUserSchema>;

export const TelegramChannelSchema = z
  .strictObject({
    /** The bot token, from the vault; it is part of every Bot API URL, so it never appears in a log line. */
    botToken: SecretRefSchema,
    agent: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an agent id'),
    /** Users the bot answers; everyone else gets nothing (audited). */
    users: z.array(ChannelUserSchema).min(1).max(1000),
    /** `polling` (getUpdates, the default) or `webhook` (POST /v1/channels/telegram/webhook). */
    mode: z.enum(['polling', 'webhook']).default('polling'),
    /** With `webhook`: the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (setWebhook's secret_token). */
    webhookSecret: SecretRefSchema.optional(),
    /** With `webhook`: the public https URL Telegram posts to; when set, setWebhook is called with it at start. */
    webhookUrl: z.url({ protocol: /^https$/ }).optional(),
    /** The Bot API; https only (another value is for a local Bot API server or tests). */
    apiBase: z.url({ protocol: /^https$/ }).default('https://api.telegram.org'),
    /** Extra PEM trust anchors for apiBase (a local Bot API server behind an internal CA). */
    caFile: z.string().min(1).max(4096).optional(),
    /** Long-poll wait per getUpdates call (seconds). */
    pollTimeoutSec: z.number().int().min(0).max(50).default(25),
    /** Least time between two edits of a streamed reply (the Bot API rate-limits edits). */
    editIntervalMs: z.number().int().min(100).max(10_000).default(1000),
    /** Durations the "Approve for …" button offers (minutes); empty: only approve once and deny. */
    grantMinutes: z
      .array(
        z
          .number()
          .int()
          .min(1)
          .max(24 * 60),
      )
      .max(3)
      .default([10]),
    /** L01 policy for this channel's messages (same shape as agents[].input); it wins over the agent's. */
    input: AgentInputPolicySchema.optional(),
  })
  .refine((t) => t.mode !== 'webhook' || t.webhookSecret !== undefined, {
    message: 'mode webhook needs webhookSecret (the X-Telegram-Bot-Api-Secret-Token Telegram must send)',
    path: ['webhookSecret'],
  })
  .refine((t) => new Set(t.users.map((u) => u.id)).size === t.users.length, {
    message: 'each user id appears once',
    path: ['users'],
  });
export type TelegramChannelConfig = z.infer<typeof TelegramChannelSchema>;

export const ChannelsConfigSchema = z
  .strictObject({
    telegram: TelegramChannelSchema.optional(),
  })
  .default({});
export type ChannelsConfig = z.infer<typeof ChannelsConfigSchema>;
