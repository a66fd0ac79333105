/** OpenAI wire objects built from bulwark turn results. */
import type { FinishReason } from '../../agent/index.js';

export type OpenAIFinishReason = 'stop' | 'length' | 'content_filter';

export function toOpenAIFinishReason(reason: FinishReason): OpenAIFinishReason {
  switch (reason) {
    case 'length':
    case 'step_limit':
      return 'length';
    case 'blocked':
      return 'content_filter';
    case 'stop':
    case 'cancelled':
      return 'stop';
  }
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export function usageObject(u: Usage): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

export interface CompletionMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export function completionObject(
  meta: CompletionMeta,
  text: string,
  finish: OpenAIFinishReason,
  usage: Usage,
): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish },
    ],
    usage: usageObject(usage),
  };
}

export function chunkObject(
  meta: CompletionMeta,
  delta: { role?: 'assistant'; content?: string },
  finish: OpenAIFinishReason | null,
): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

/** A chunk with no choices: the shape OpenAI uses for the trailing usage chunk. */
export function emptyChunk(meta: CompletionMeta, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [],
    ...extra,
  };
}

export function sseData(value: unknown): string {
  return `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`;
}
