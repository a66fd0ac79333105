/**
 * The output guard (L02) and canaries (L17) as gates: the canary goes into the system prompt, every tool call's
 * arguments are scanned before anything else judges them, and every response is filtered as it streams.
 */
import { type Gate, type StreamGate, ok } from '../../core/index.js';
import type { OutputGuard } from '../../guards/index.js';
import type { PromptItem, ToolCallItem } from '../boundaries.js';

export interface OutputGates {
  readonly canary: Gate<PromptItem>;
  readonly argumentScan: Gate<ToolCallItem>;
  readonly response: StreamGate;
}

export function outputGates(output: OutputGuard): OutputGates {
  return {
    canary: {
      layer: 'L17',
      name: "this session's HMAC canary in the system prompt",
      run: (item, ctx) => ok({ ...item, system: output.systemPrompt(item.system, ctx) }),
    },
    argumentScan: {
      layer: 'L02',
      name: 'refuse arguments that carry the canary, a known secret value or a secret format',
      run: (item, ctx) => {
        const r = output.checkToolCall({ name: item.ref.name, arguments: item.call.arguments }, ctx);
        return r.ok ? ok(item) : r;
      },
    },
    response: {
      layer: 'L02',
      name: 'redact secrets, canaries and prompt extraction from the streamed text',
      open: (ctx) => output.outputFilter(ctx),
    },
  };
}
