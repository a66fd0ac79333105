/**
 * The parts of a Telegram Update this channel reads, checked field by field; unknown fields are ignored (the Bot
 * API adds fields over time), anything malformed is refused as a whole update. Text is capped here: a message
 * longer than the cap is not passed on.
 */
import { z } from 'zod';

const UserSchema = z.looseObject({
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  is_bot: z.boolean().optional(),
  first_name: z.string().max(1024).optional(),
});

const ChatSchema = z.looseObject({
  id: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  type: z.string().max(32),
});

const MessageSchema = z.looseObject({
  message_id: z.number().int(),
  from: UserSchema.optional(),
  chat: ChatSchema,
  /** Telegram caps a text at 4096 characters; a larger one here is not Telegram's and is refused by the channel. */
  text: z.string().optional(),
});

const CallbackQuerySchema = z.looseObject({
  id: z.string().min(1).max(256),
  from: UserSchema,
  message: z.looseObject({ message_id: z.number().int(), chat: ChatSchema }).optional(),
  data: z.string().max(1024).optional(),
});

export const UpdateSchema = z.looseObject({
  update_id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  message: MessageSchema.optional(),
  callback_query: CallbackQuerySchema.optional(),
});

export type TelegramUpdate = z.infer<typeof UpdateSchema>;
export type TelegramMessage = z.infer<typeof MessageSchema>;
export type TelegramCallbackQuery = z.infer<typeof CallbackQuerySchema>;

export type ParsedUpdate =
  | { readonly ok: true; readonly update: TelegramUpdate }
  | { readonly ok: false; readonly updateId?: number; readonly reason: string };

/** One update as it arrived (a getUpdates entry or a webhook body). */
export function parseUpdate(raw: unknown): ParsedUpdate {
  const parsed = UpdateSchema.safeParse(raw);
  if (parsed.success) return { ok: true, update: parsed.data };
  const id = (raw as { update_id?: unknown } | null)?.update_id;
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(update)'}: ${i.message}`)
    .join('; ');
  return {
    ok: false,
    ...(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? { updateId: id } : {}),
    reason: reason.slice(0, 300),
  };
}
