/**
 * The part of the OpenAI chat-completions request bulwark accepts, validated with zod.
 * - system/developer messages are the client's instructions: they follow the operator's system prompt at the
 *   caller's trust, never replace it;
 * - sampling parameters (temperature, top_p, stop, seed, penalties, max_tokens) pass through within the agent's
 *   limits (agents[].limits); what was changed is named in the x-bulwark-clamped response header;
 * - `n > 1`, client-side `tools` (and the legacy `functions`/`function_call`) and tool messages are refused with a
 *   message saying what to do instead: the agent runs one turn with its own tools inside the daemon;
 * - content parts other than text (images, audio, files) are refused naming the part: the agent takes text only;
 * - other known OpenAI fields (logprobs, response_format, tool_choice, user, …) are ignored and named in
 *   x-bulwark-ignored.
 */
import { z } from 'zod';
import type { ChatMessage, Sampling } from '../../agent/index.js';
import { describeZodError } from '../../config/index.js';
import { err, ok, type Result } from '../../core/index.js';
import { failure, type HttpFailure } from '../errors.js';

// Parts are checked one by one in toChatMessages, so an image or audio part gets an error that names it.
const Content = z.union([z.string(), z.array(z.unknown()).max(1000)]);

const Message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: Content.nullable().optional(),
  tool_calls: z.array(z.unknown()).optional(),
  name: z.string().max(200).optional(),
});

const Stop = z.union([z.string().max(1000), z.array(z.string().max(1000)).max(16)]);

export const ChatCompletionRequestSchema = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(Message).min(1).max(1000),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  stop: Stop.nullable().optional(),
  seed: z.number().int().nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  tools: z.array(z.unknown()).max(1000).nullable().optional(),
  functions: z.array(z.unknown()).max(1000).nullable().optional(),
  function_call: z.unknown().optional(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  user: z.string().max(256).optional(),
});

/** OpenAI request fields bulwark does not act on: accepted, ignored, and named in x-bulwark-ignored. */
export const IGNORED_FIELDS = [
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'response_format',
  'service_tier',
  'store',
  'metadata',
  'modalities',
  'audio',
  'prediction',
  'reasoning_effort',
  'web_search_options',
  'safety_identifier',
  'prompt_cache_key',
  'verbosity',
  // Without client tools these choose nothing (a non-empty tools or functions list is refused before).
  'tools',
  'functions',
  'function_call',
  'tool_choice',
  'parallel_tool_calls',
  // Not forwarded: the provider would see a name the client chose, not the caller bulwark authenticated.
  'user',
] as const;

/** At most this many unknown field names go into x-bulwark-ignored; the rest are counted. */
const MAX_UNKNOWN_NAMED = 10;
/** A field name shown as it is; any other (long, control or non-ASCII characters) is only counted. */
const SHOWABLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Which of the request's top-level keys bulwark ignores, for the x-bulwark-ignored header: the known fields it does
 * not act on, then fields it does not know at all (a newer OpenAI field, a client's extension), so that nothing a
 * client asked for is dropped without a word. Names are client-chosen: only plain ones are shown, and few.
 */
export function ignoredFields(body: Record<string, unknown>): string[] {
  const known = IGNORED_FIELDS.filter((k) => body[k] !== undefined && body[k] !== null);
  const unknown = Object.keys(body).filter(
    (k) => !Object.hasOwn(ChatCompletionRequestSchema.shape, k) && !(IGNORED_FIELDS as readonly string[]).includes(k),
  );
  const shown = unknown.filter((k) => SHOWABLE_NAME.test(k)).slice(0, MAX_UNKNOWN_NAMED);
  const rest = unknown.length - shown.length;
  return [...known, ...shown, ...(rest > 0 ? [`${rest} other unknown field${rest === 1 ? '' : 's'}`] : [])];
}
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

/** What other part types are, for the refusal. */
const PART_KINDS: ReadonlyMap<string, string> = new Map([
  ['image_url', 'images'],
  ['input_image', 'images'],
  ['input_audio', 'audio'],
  ['file', 'files'],
  ['input_file', 'files'],
]);

const MAX_TYPE_SHOWN = 40;

function contentText(content: z.infer<typeof Content> | null | undefined, param: string): Result<string, HttpFailure> {
  if (content === null || content === undefined) return ok('');
  if (typeof content === 'string') return ok(content);
  let text = '';
  for (const [j, part] of content.entries()) {
    const at = `${param}[${j}]`;
    const p =
      typeof part === 'object' && part !== null && !Array.isArray(part) ? (part as Record<string, unknown>) : {};
    const type = p['type'];
    if (typeof type !== 'string') {
      return err(
        failure(
          400,
          `${at}: a content part must be an object with a "type"; "text" is supported`,
          'invalid_request',
          at,
        ),
      );
    }
    if (type !== 'text') {
      const shown = JSON.stringify(type.slice(0, MAX_TYPE_SHOWN));
      const kind = PART_KINDS.get(type);
      return err(
        failure(
          400,
          kind
            ? `${at}: content parts of type ${shown} are not supported: the agent takes text only, not ${kind}; send the message's text parts (or a string) and leave the ${kind} out`
            : `${at}: content parts of type ${shown} are not supported: only "text" parts (or a string) are`,
          'unsupported_content',
          at,
        ),
      );
    }
    if (typeof p['text'] !== 'string') {
      return err(failure(400, `${at}.text: a "text" part needs a string "text"`, 'invalid_request', `${at}.text`));
    }
    text += p['text'];
  }
  return ok(text);
}

/** What a request asks of the agent: the conversation, and the client's own system/developer instructions. */
export interface ClientTurn {
  readonly messages: ChatMessage[];
  /** system and developer messages, in order; they follow the operator's prompt at the caller's trust. */
  readonly instructions?: string[];
  /** Where each of `messages` and `instructions` is in the request (to name a refused one in `param`). */
  readonly origin: { readonly messages: readonly number[]; readonly instructions: readonly number[] };
}

/** Refusals with what to do instead: n > 1 and client-side tools. */
export function checkUnsupported(req: ChatCompletionRequest): Result<void, HttpFailure> {
  if (req.n !== undefined && req.n !== null && req.n > 1) {
    return err(
      failure(
        400,
        `n: ${req.n} choices are not supported: each request runs one agent turn (its tool calls, approvals and budget); send ${req.n} separate requests instead`,
        'unsupported_parameter',
        'n',
      ),
    );
  }
  const refuseTools = (param: string, what: string, remove: string): Result<void, HttpFailure> =>
    err(
      failure(
        400,
        `${param}: ${what} are not accepted: the agent runs its own tools inside the daemon, under its policy and approvals; remove ${remove} from the request (the operator chooses the agent's tools in config.yaml, agents[].tools)`,
        'unsupported_parameter',
        param,
      ),
    );
  if (req.tools && req.tools.length > 0) return refuseTools('tools', 'client-side tools', '`tools`');
  const legacy = 'client-side functions (the legacy form of tools)';
  if (req.functions && req.functions.length > 0)
    return refuseTools('functions', legacy, '`functions` and `function_call`');
  // A call forced by name ({"name": …}) asks for a client function; "none" and "auto" are only ignored.
  if (typeof req.function_call === 'object' && req.function_call !== null)
    return refuseTools('function_call', legacy, '`functions` and `function_call`');
  return ok(undefined);
}

/** Converts the client's messages into the agent's ChatMessages and the client's instructions. */
export function toChatMessages(req: ChatCompletionRequest): Result<ClientTurn, HttpFailure> {
  const out: ChatMessage[] = [];
  const instructions: string[] = [];
  const origin = { messages: [] as number[], instructions: [] as number[] };
  for (const [i, m] of req.messages.entries()) {
    const param = `messages[${i}].role`;
    if (m.role === 'tool' || (m.tool_calls && m.tool_calls.length > 0)) {
      return err(
        failure(
          400,
          `${param}: client-side tool calls are not accepted: the agent runs its own tools inside the daemon; send the conversation's user and assistant text only`,
          'unsupported_role',
          param,
        ),
      );
    }
    const content = contentText(m.content, `messages[${i}].content`);
    if (!content.ok) return content;
    const text = content.value;
    if (m.role === 'system' || m.role === 'developer') {
      if (text.trim() === '') continue;
      instructions.push(text);
      origin.instructions.push(i);
    } else {
      out.push({ role: m.role, content: text });
      origin.messages.push(i);
    }
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
  return ok({ messages: out, origin, ...(instructions.length > 0 ? { instructions } : {}) });
}

/** The request's sampling parameters in the agent's terms (clamped later, per agent). */
export function samplingOf(req: ChatCompletionRequest): Sampling {
  const stop =
    req.stop === null || req.stop === undefined ? undefined : typeof req.stop === 'string' ? [req.stop] : req.stop;
  return {
    ...(req.temperature !== null && req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.top_p !== null && req.top_p !== undefined ? { topP: req.top_p } : {}),
    ...(stop !== undefined ? { stop } : {}),
    ...(req.seed !== null && req.seed !== undefined ? { seed: req.seed } : {}),
    ...(req.presence_penalty !== null && req.presence_penalty !== undefined
      ? { presencePenalty: req.presence_penalty }
      : {}),
    ...(req.frequency_penalty !== null && req.frequency_penalty !== undefined
      ? { frequencyPenalty: req.frequency_penalty }
      : {}),
  };
}
