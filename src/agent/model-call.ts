/**
 * One model call outside the conversation (a compaction summary), through the same boundaries as a turn's calls:
 * the model-call pipeline (L22 breaker, L21 budget) before it, its settlements after, and the response pipeline
 * (L02/L17) over the text, so nothing a turn could not deliver ends up in a summary.
 */
import {
  type CallContext,
  bulwarkError,
  describeCause,
  type BulwarkError,
  openStream,
  runPipeline,
  err,
  ok,
  type Result,
} from '../core/index.js';
import type { ModelCallItem, TurnPipelines } from './boundaries.js';
import { AnswerTally } from './budget/estimate.js';
import { ReportedUsage } from './budget/reported-usage.js';
import { ProviderError } from './providers/provider-error.js';
import type { ChatMessage, Provider } from './types.js';

export interface SideCall {
  readonly model: string;
  readonly system: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
}

export async function callModelOnce(
  provider: Provider,
  pipelines: Pick<TurnPipelines, 'modelCall' | 'response'>,
  call: SideCall,
  ctx: CallContext,
  signal: AbortSignal,
): Promise<Result<string, BulwarkError>> {
  const planned: ModelCallItem = {
    request: { ...call, tools: [], signal, context: ctx },
    settlements: [],
  };
  const gate = await runPipeline(pipelines.modelCall, planned, ctx, signal);
  if (!gate.ok) {
    for (const s of planned.settlements) s.cancel();
    return gate;
  }
  const filter = openStream(pipelines.response, ctx);
  let text = '';
  const reported = new ReportedUsage();
  const received = new AnswerTally();
  let failure: BulwarkError | undefined;
  const started = Date.now();
  try {
    for await (const ev of provider.stream(gate.value.request)) {
      if (ev.type === 'text_delta') {
        received.addText(ev.text);
        text += filter.push(ev.text);
      } else if (ev.type === 'tool_call') received.addToolCall(ev.call);
      else if (ev.type === 'unshown_output') received.addUnshown(ev.text);
      else if (ev.type === 'usage') reported.add(ev.inputTokens, ev.outputTokens);
    }
  } catch (cause) {
    failure =
      cause instanceof ProviderError
        ? cause.toBulwarkError()
        : bulwarkError('provider.failed', `provider "${provider.id}" failed: ${describeCause(cause)}`, { status: 502 });
  }
  const outcome = {
    ok: failure === undefined,
    inputTokens: reported.input,
    outputTokens: reported.output,
    latencyMs: Date.now() - started,
    receivedBytes: received.bytes,
    receivedTokens: received.tokens(),
  };
  for (const s of planned.settlements.reverse()) s.after(outcome, signal);
  text += filter.flush();
  if (failure) return err(failure);
  return ok(text);
}
