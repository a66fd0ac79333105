/**
 * L21 token estimates. Before a call: deliberately pessimistic (about 3 bytes per token, plus per-message
 * overhead) so that a budget is never passed on an optimistic guess. After a call: a floor (a fixed number of bytes
 * per token of what was sent and received, well below what tokenizers produce for text and code), counted whenever the provider
 * reports less, so a provider that reports zero or too little usage cannot make calls free. The floor is set at 8
 * bytes per token, about half of what English prose and code tokenize to (4–5 bytes), so an honest provider's
 * figures (whitespace runs and long words included) stay above it and no warning fires on them.
 */
import type { ModelRequest } from '../types.js';

const BYTES_PER_TOKEN = 3;
const PER_MESSAGE = 8;
/** Bytes per token of the after-the-call floor: an honest provider's figures are above it, so they count. */
const FLOOR_BYTES_PER_TOKEN = 8;

type PromptParts = Pick<ModelRequest, 'system' | 'messages' | 'tools'>;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

function t(text: string): number {
  return Math.ceil(bytes(text) / BYTES_PER_TOKEN);
}

export function estimatePromptTokens(req: PromptParts): number {
  let n = t(req.system) + PER_MESSAGE;
  for (const m of req.messages) {
    n += PER_MESSAGE + t(m.content);
    if (m.role === 'assistant' && m.toolCalls)
      for (const c of m.toolCalls) n += PER_MESSAGE + t(c.name) + t(c.arguments);
    if (m.role === 'tool') n += t(m.name);
  }
  for (const tool of req.tools)
    n += PER_MESSAGE + t(tool.name) + t(tool.description) + t(JSON.stringify(tool.inputSchema));
  return n;
}

/** UTF-8 bytes of what a request sends the provider: system prompt, messages, tool calls and tool definitions. */
export function requestBytes(req: PromptParts): number {
  let n = bytes(req.system);
  for (const m of req.messages) {
    n += bytes(m.content);
    if (m.role === 'assistant' && m.toolCalls) for (const c of m.toolCalls) n += bytes(c.name) + bytes(c.arguments);
    if (m.role === 'tool') n += bytes(m.name);
  }
  for (const tool of req.tools)
    n += bytes(tool.name) + bytes(tool.description) + bytes(JSON.stringify(tool.inputSchema));
  return n;
}

/** UTF-8 bytes of a piece of a model's answer (text, a tool call's name or arguments). */
export function answerBytes(text: string): number {
  return bytes(text);
}

/** The fewest tokens `n` bytes of text are counted as after a call, whatever the provider reports. */
export function floorTokens(n: number): number {
  return Math.ceil(Math.max(0, n) / FLOOR_BYTES_PER_TOKEN);
}
