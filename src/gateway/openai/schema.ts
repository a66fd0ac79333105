/**
 * The part of the OpenAI chat-completions request bulwark accepts, validated with zod.
 * Unknown top-level fields (temperature, top_p, ...) are ignored: the agent's config decides them.
 * System, developer and tool messages are refused: the system prompt belongs to the operator's
 * agent config (and carries the L17 canary), and tools run inside the daemon, never client-side.
 */
import { z } from 'zod';
import type { ChatMessage } from '../../agent/types.js';
import { describeZodError } from '../../config/load.js';
import { err, ok, type Result } from '../../core/result.js';
import { failure, type HttpFailure } from '../errors.js';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const Content = z.union([z.string(), z.array(TextPart).max(1000)]);

const Message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: Content.nullable().optional(),
  tool_calls: z.array(z.unknown()).optional(),
  name: z.string().max(200).optional(),
});

export const ChatCompletionRequestSchema = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(Message).min(1).max(1000),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  n: z.number().int().min(1).max(1).nullable().optional(),
  user: z.string().max(256).optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

function zodPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

export function parseChatCompletionRequest(body: unknown): Result<ChatCompletionRequest, HttpFailure> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return err(failure(400, 'the request body must be a JSON object', 'invalid_request'));
  }
  const parsed = ChatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const param = first ? zodPath(first.path) || null : null;
    return err(failure(400, `invalid request: ${describeZodError(parsed.error).join('; ')}`, 'invalid_request', param));
  }
  return ok(parsed.data);
}

function contentText(content: z.infer<typeof Content> | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => p.text).join('');
}

/** Converts the client's messages into the agent's ChatMessages, refusing roles clients may not send. */
export function toChatMessages(req: ChatCompletionRequest): Result<ChatMessage[], HttpFailure> {
  const out: ChatMessage[] = [];
  for (const [i, m] of req.messages.entries()) {
    const param = `messages[${i}].role`;
    if (m.role === 'system' || m.role === 'developer') {
      return err(
        failure(
          400,
          `${param}: "${m.role}" messages are not accepted; the agent's system prompt is set by the operator in config.yaml (agents[].systemPrompt)`,
          'unsupported_role',
          param,
        ),
      );
    }
    if (m.role === 'tool' || (m.tool_calls && m.tool_calls.length > 0)) {
      return err(
        failure(
          400,
          `${param}: client-side tool calls are not accepted; the agent runs its own tools inside the daemon`,
          'unsupported_role',
          param,
        ),
      );
    }
    const text = contentText(m.content);
    if (m.role === 'user') out.push({ role: 'user', content: text });
    else out.push({ role: 'assistant', content: text });
  }
  if (out.at(-1)?.role !== 'user') {
    return err(
      failure(
        400,
        `messages[${req.messages.length - 1}].role: the last message must come from the user`,
        'invalid_request',
        `messages[${req.messages.length - 1}].role`,
      ),
    );
  }
  return ok(out);
}
