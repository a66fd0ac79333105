/** Anthropic Messages adapter (official `@anthropic-ai/sdk`, raw streaming events, tool_use blocks). */
import { overlongAnswer, PendingArguments } from './answer-bound.js';
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatMessage, ModelRequest, Provider, ProviderEvent, Sampling, StopReason, ToolSpec } from '../types.js';
import { callSignal } from './call-signal.js';
import { ProviderError, toProviderError } from './provider-error.js';
import type { KeySource } from './key-source.js';
import { unshownText } from './unshown-output.js';

type WireMessage = Anthropic.MessageParam;
/**
 * Not counted as output: a block's or delta's kind, and the signature of a thinking block (a check the service
 * computes over the thinking, which is counted; counting a few hundred base64 characters would put short honest
 * answers above their reported usage).
 */
const BLOCK_SKIPPED: ReadonlySet<string> = new Set(['type', 'signature']);
type WireBlock = Anthropic.ContentBlockParam;
type WireTool = Anthropic.Tool;

export interface AnthropicProviderOptions {
  readonly id: string;
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  readonly key: KeySource;
}

function parseInput(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    // The model produced invalid JSON; the tool already answered with an error, the history keeps an empty input.
    return {};
  }
}

/**
 * The client's sampling parameters in the Anthropic wire names. The turn's plan (agent/sampling.ts with Anthropic's
 * rules) already brought temperature into 0–1, kept only one of temperature and top_p and named what it changed;
 * Anthropic has no seed or penalties, so those are never sent.
 */
function anthropicSampling(s: Sampling | undefined): Record<string, unknown> {
  if (!s) return {};
  return {
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { top_p: s.topP } : {}),
    ...(s.stop !== undefined && s.stop.length > 0 ? { stop_sequences: [...s.stop] } : {}),
  };
}

/** Maps the history; tool results become user turns of tool_result blocks and adjacent same-role turns merge. */
export function toAnthropicMessages(messages: readonly ChatMessage[]): WireMessage[] {
  const out: { role: 'user' | 'assistant'; content: WireBlock[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: WireBlock[]): void => {
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'user') push('user', m.content === '' ? [] : [{ type: 'text', text: m.content }]);
    else if (m.role === 'assistant') {
      const blocks: WireBlock[] = m.content === '' ? [] : [{ type: 'text', text: m.content }];
      for (const c of m.toolCalls ?? [])
        blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: parseInput(c.arguments) });
      push('assistant', blocks);
    } else {
      push('user', [
        {
          type: 'tool_result',
          tool_use_id: m.toolCallId,
          content: m.content,
          ...(m.isError ? { is_error: true } : {}),
        },
      ]);
    }
  }
  return out;
}

export function toAnthropicTools(tools: readonly ToolSpec[]): WireTool[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: { ...t.inputSchema, type: 'object' } as WireTool['input_schema'],
  }));
}

/**
 * Input tokens of a usage report: Anthropic's input_tokens leaves out the prompt read from or written to its cache,
 * which is billed too (reads at a tenth, writes at more than the normal price); L21 counts every token as input.
 */
function inputTokens(usage: {
  input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}): number {
  return (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

function stopReason(reason: string | null | undefined, hadToolCalls: boolean): StopReason {
  if (hadToolCalls || reason === 'tool_use') return 'tool_use';
  if (reason === 'end_turn' || reason === 'stop_sequence') return 'end';
  if (reason === 'max_tokens') return 'max_tokens';
  return 'other';
}

export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const { id } = options;
  // One client per key value: a rotated key (the resolver answers differently) gets a fresh client. The SDK is
  // loaded on the first call, so CLI commands that never call a model start without its hundreds of modules.
  let cached: { key: string; client: Anthropic } | undefined;
  const clientFor = async (key: string): Promise<Anthropic> => {
    if (cached && cached.key === key) return cached.client;
    // Explicit key and base URL: the SDK must not pick up ANTHROPIC_* variables of the environment.
    const { default: SDK } = await import('@anthropic-ai/sdk');
    const client = new SDK({
      apiKey: key,
      baseURL: options.baseUrl ?? 'https://api.anthropic.com',
      timeout: options.timeoutMs,
      maxRetries: 0,
    });
    cached = { key, client };
    return client;
  };
  return {
    id,
    kind: 'anthropic',
    async *stream(request: ModelRequest): AsyncIterable<ProviderEvent> {
      const key = options.key(request.context);
      if (!key.ok) throw new ProviderError('auth', id, key.error.message);
      if (key.value === undefined) {
        throw new ProviderError(
          'not_configured',
          id,
          `provider "${id}" (anthropic) has no apiKey; add to config.yaml under providers.${id}: apiKey: { secret: ANTHROPIC_API_KEY }`,
        );
      }
      const secrets = [key.value];
      const call = callSignal(request.signal, options.timeoutMs);
      try {
        const client = await clientFor(key.value);
        const tools = toAnthropicTools(request.tools);
        const stream = await client.messages.create(
          {
            model: request.model,
            max_tokens: request.maxTokens,
            ...(request.system !== '' ? { system: request.system } : {}),
            messages: toAnthropicMessages(request.messages),
            ...(tools.length > 0 ? { tools } : {}),
            ...anthropicSampling(request.sampling),
            stream: true,
          },
          { signal: call.signal },
        );
        const blocks = new Map<number, { id: string; name: string; json: string }>();
        const kept = new PendingArguments(request.maxTokens);
        let reason: string | null | undefined;
        let stopped = false;
        let toolCalls = 0;
        for await (const ev of stream) {
          call.touch();
          switch (ev.type) {
            case 'message_start':
              yield {
                type: 'usage',
                inputTokens: inputTokens(ev.message.usage),
                outputTokens: ev.message.usage.output_tokens,
              };
              break;
            case 'content_block_start':
              if (ev.content_block.type === 'tool_use')
                blocks.set(ev.index, { id: ev.content_block.id, name: ev.content_block.name, json: '' });
              else if (ev.content_block.type === 'text' && typeof ev.content_block.text === 'string') {
                // Anthropic starts a text block empty; a compatible server may start it with the answer's first words.
                if (ev.content_block.text !== '') yield { type: 'text_delta', text: ev.content_block.text };
              } else {
                // Thinking, redacted thinking and server tool blocks: not shown, billed.
                const unshown = unshownText(ev.content_block, BLOCK_SKIPPED);
                if (unshown) yield { type: 'unshown_output', text: unshown };
              }
              break;
            case 'content_block_delta':
              if (ev.delta.type === 'text_delta') yield { type: 'text_delta', text: ev.delta.text };
              else if (ev.delta.type === 'input_json_delta') {
                const b = blocks.get(ev.index);
                if (b) b.json += ev.delta.partial_json;
                if (kept.over(ev.delta.partial_json)) {
                  yield { type: 'unshown_output', text: [...blocks.values()].map((k) => k.name + k.json).join('\n') };
                  throw overlongAnswer(id, request.maxTokens);
                }
              } else {
                const unshown = unshownText(ev.delta, BLOCK_SKIPPED);
                if (unshown) yield { type: 'unshown_output', text: unshown };
              }
              break;
            case 'content_block_stop': {
              const b = blocks.get(ev.index);
              if (b) {
                blocks.delete(ev.index);
                toolCalls += 1;
                yield { type: 'tool_call', call: { id: b.id, name: b.name, arguments: b.json === '' ? '{}' : b.json } };
              }
              break;
            }
            case 'message_delta':
              reason = ev.delta.stop_reason;
              yield { type: 'usage', inputTokens: inputTokens(ev.usage), outputTokens: ev.usage.output_tokens };
              break;
            case 'message_stop':
              stopped = true;
              break;
            default:
              break;
          }
        }
        // The SDK ends the iteration quietly on abort: tell a cancelled or timed-out call from a finished one.
        if (call.signal.aborted) throw toProviderError(undefined, id, secrets, call.state);
        if (!stopped)
          throw new ProviderError('unavailable', id, `provider "${id}" ended the stream before message_stop`);
        yield { type: 'stop', reason: stopReason(reason, toolCalls > 0) };
      } catch (cause) {
        throw toProviderError(cause, id, secrets, call.state);
      } finally {
        call.dispose();
      }
    },
  };
}
