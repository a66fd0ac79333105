/**
 * OpenAI Chat Completions adapter (official `openai` SDK). With `baseUrl` it serves every
 * OpenAI-compatible server: Ollama, vLLM, llama.cpp, OpenRouter, Groq.
 */
import { overlongAnswer, PendingArguments } from './answer-bound.js';
import type OpenAI from 'openai';
import type { ChatMessage, ModelRequest, Provider, ProviderEvent, Sampling, StopReason, ToolSpec } from '../types.js';
import { callSignal } from './call-signal.js';
import { ProviderError, toProviderError } from './provider-error.js';
import type { KeySource } from './key-source.js';
import { contentText, unshownText } from './unshown-output.js';

type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** Delta fields the adapter reads as the answer (its text and tool calls); every other field is unshown output. */
const ANSWER_FIELDS: ReadonlySet<string> = new Set(['role', 'content', 'tool_calls']);
const OTHER_CHOICE_SKIPPED: ReadonlySet<string> = new Set(['role']);
type WireTool = OpenAI.Chat.Completions.ChatCompletionTool;

export interface OpenAIProviderOptions {
  readonly id: string;
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  readonly key: KeySource;
}

/** The client's sampling parameters in the OpenAI wire names. */
function openAISampling(s: Sampling | undefined): Record<string, unknown> {
  if (!s) return {};
  return {
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.stop !== undefined && s.stop.length > 0 ? { stop: [...s.stop] } : {}),
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    ...(s.presencePenalty !== undefined ? { presence_penalty: s.presencePenalty } : {}),
    ...(s.frequencyPenalty !== undefined ? { frequency_penalty: s.frequencyPenalty } : {}),
  };
}

export function toOpenAIMessages(system: string, messages: readonly ChatMessage[]): WireMessage[] {
  const out: WireMessage[] = [];
  if (system !== '') out.push({ role: 'system', content: system });
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      const calls = m.toolCalls ?? [];
      out.push({
        role: 'assistant',
        content: m.content === '' && calls.length > 0 ? null : m.content,
        ...(calls.length > 0
          ? {
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
      });
    } else {
      out.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
    }
  }
  return out;
}

export function toOpenAITools(tools: readonly ToolSpec[]): WireTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: { ...t.inputSchema } },
  }));
}

function stopReason(finish: string | null | undefined, hadToolCalls: boolean): StopReason {
  if (hadToolCalls) return 'tool_use';
  if (finish === 'stop') return 'end';
  if (finish === 'length') return 'max_tokens';
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  return 'other';
}

export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const { id } = options;
  // One client per key value: a rotated key (the resolver answers differently) gets a fresh client. The SDK is
  // loaded on the first call, so CLI commands that never call a model start without its hundreds of modules.
  let cached: { key: string | undefined; client: OpenAI } | undefined;
  const clientFor = async (key: string | undefined): Promise<OpenAI> => {
    if (cached && cached.key === key) return cached.client;
    // Every option is explicit so the SDK never falls back to OPENAI_* variables of the environment.
    const { default: SDK } = await import('openai');
    const client = new SDK({
      apiKey: key ?? 'no-key',
      baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
      organization: null,
      project: null,
      timeout: options.timeoutMs,
      maxRetries: 0,
    });
    cached = { key, client };
    return client;
  };
  return {
    id,
    kind: 'openai',
    async *stream(request: ModelRequest): AsyncIterable<ProviderEvent> {
      const key = options.key(request.context);
      if (!key.ok) throw new ProviderError('auth', id, key.error.message);
      const secrets = key.value === undefined ? [] : [key.value];
      const call = callSignal(request.signal, options.timeoutMs);
      try {
        const client = await clientFor(key.value);
        const tools = toOpenAITools(request.tools);
        const stream = await client.chat.completions.create(
          {
            model: request.model,
            messages: toOpenAIMessages(request.system, request.messages),
            ...(tools.length > 0 ? { tools } : {}),
            // OpenAI itself wants max_completion_tokens; compatible servers (Ollama, vLLM, llama.cpp) know max_tokens.
            ...(options.baseUrl === undefined
              ? { max_completion_tokens: request.maxTokens }
              : { max_tokens: request.maxTokens }),
            ...openAISampling(request.sampling),
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: call.signal },
        );
        const pending = new Map<number, { id: string; name: string; args: string }>();
        const kept = new PendingArguments(request.maxTokens);
        let finish: string | null | undefined;
        let sawUsage = false;
        for await (const chunk of stream) {
          call.touch();
          if (chunk.usage) {
            sawUsage = true;
            yield {
              type: 'usage',
              inputTokens: chunk.usage.prompt_tokens,
              outputTokens: chunk.usage.completion_tokens,
            };
          }
          // Some compatible servers send their usage report alone, without `choices`.
          const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
          // Only the first choice is the answer; output in any other (never asked for) is counted all the same.
          for (const other of choices.slice(1)) {
            const unshown = unshownText(other.delta, OTHER_CHOICE_SKIPPED);
            if (unshown) yield { type: 'unshown_output', text: unshown };
          }
          const choice = choices[0];
          if (!choice) continue;
          const delta = choice.delta ?? {};
          const unshown = unshownText(delta, ANSWER_FIELDS);
          if (unshown) yield { type: 'unshown_output', text: unshown };
          const content = contentText(delta.content);
          if (content.shown) yield { type: 'text_delta', text: content.shown };
          if (content.unshown) yield { type: 'unshown_output', text: content.unshown };
          for (const tc of delta.tool_calls ?? []) {
            const entry = pending.get(tc.index) ?? { id: '', name: '', args: '' };
            if (tc.id) entry.id = tc.id;
            if (tc.function?.name) entry.name += tc.function.name;
            if (tc.function?.arguments) entry.args += tc.function.arguments;
            pending.set(tc.index, entry);
            if (kept.over((tc.id ?? '') + (tc.function?.name ?? '') + (tc.function?.arguments ?? ''))) {
              yield { type: 'unshown_output', text: [...pending.values()].map((c) => c.name + c.args).join('\n') };
              throw overlongAnswer(id, request.maxTokens);
            }
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        }
        if (call.signal.aborted) throw toProviderError(undefined, id, secrets, call.state);
        if (finish === undefined && !sawUsage) {
          throw new ProviderError('unavailable', id, `provider "${id}" ended the stream before finishing the answer`);
        }
        const ordered = [...pending.entries()].sort((a, b) => a[0] - b[0]);
        for (const [index, c] of ordered) {
          yield {
            type: 'tool_call',
            call: { id: c.id || `call_${index}`, name: c.name, arguments: c.args === '' ? '{}' : c.args },
          };
        }
        yield { type: 'stop', reason: stopReason(finish, ordered.length > 0) };
      } catch (cause) {
        throw toProviderError(cause, id, secrets, call.state);
      } finally {
        call.dispose();
      }
    },
  };
}
