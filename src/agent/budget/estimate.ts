/**
 * L21 token estimates. Before a call: deliberately pessimistic (about 3 bytes per token, plus per-message
 * overhead) so that a budget is never passed on an optimistic guess. After a call: an estimate of the content sent
 * and received (token-estimate.ts: by kind of text, about what tokenizers produce and not above it), counted whenever
 * the provider reports less, so a provider that reports zero or too little usage is counted about as an honest one.
 */
import type { ModelRequest } from '../types.js';
import { estimateTextTokens, TokenEstimator } from './token-estimate.js';

const BYTES_PER_TOKEN = 3;
const PER_MESSAGE = 8;

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

/** Estimated tokens of what a request sends the provider: system prompt, messages, tool calls and tool definitions. */
export function requestTokens(req: PromptParts): number {
  let n = estimateTextTokens(req.system);
  for (const m of req.messages) {
    n += estimateTextTokens(m.content);
    if (m.role === 'assistant' && m.toolCalls)
      for (const c of m.toolCalls) n += estimateTextTokens(c.name) + estimateTextTokens(c.arguments);
    if (m.role === 'tool') n += estimateTextTokens(m.name);
  }
  for (const tool of req.tools)
    n +=
      estimateTextTokens(tool.name) +
      estimateTextTokens(tool.description) +
      estimateTextTokens(JSON.stringify(tool.inputSchema));
  return n;
}

/**
 * What a provider sent back, tallied as it streams: bytes (whether it answered at all) and estimated tokens of the
 * text (one text however its deltas were cut), of each tool call's name and arguments, and of the output that is
 * neither (reasoning, thinking, refusals, unknown fields: never shown, billed all the same).
 */
export class AnswerTally {
  bytes = 0;
  private readonly text = new TokenEstimator();
  // Its own estimator: reasoning interleaved with text must not join the text's words (or split them).
  private readonly unshown = new TokenEstimator();
  private calls = 0;

  addText(delta: string): void {
    this.bytes += Buffer.byteLength(delta, 'utf8');
    this.text.push(delta);
  }

  addUnshown(delta: string): void {
    this.bytes += Buffer.byteLength(delta, 'utf8');
    this.unshown.push(delta);
  }

  addToolCall(call: { readonly id: string; readonly name: string; readonly arguments: string }): void {
    this.bytes += Buffer.byteLength(call.id + call.name + call.arguments, 'utf8');
    this.calls += estimateTextTokens(`${call.name} ${call.arguments}`);
  }

  tokens(): number {
    return this.text.tokens() + this.unshown.tokens() + this.calls;
  }
}
