/**
 * L21 token estimate of a request before it is sent. Deliberately pessimistic (about 3 bytes per
 * token, plus per-message overhead) so that a budget is never passed on an optimistic guess.
 */
import type { ModelRequest } from '../types.js';

const BYTES_PER_TOKEN = 3;
const PER_MESSAGE = 8;

function t(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN);
}

export function estimatePromptTokens(req: Pick<ModelRequest, 'system' | 'messages' | 'tools'>): number {
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
