/**
 * POST /v1/chat/completions: one agent turn per request. `model` names the agent. Streaming
 * answers use OpenAI's chunk format over SSE and end with `data: [DONE]`. The turn is cancelled
 * when the client goes away. Sessions continue with the `x-bulwark-session` header, which is
 * also returned on every answer.
 */
import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { AgentRuntime, RefusedInput, TurnEvent } from '../../agent/index.js';
import { describeCause, type BulwarkError, type EventBus } from '../../core/index.js';
import type { ActiveTurns } from '../active-turns.js';
import { layerNotices, type LayerNotices } from './layer-notices.js';
import { readJsonBody } from '../body.js';
import { failure, failureFromBulwarkError, sendFailure, type HttpFailure } from '../errors.js';
import type { GatewayEnv } from '../env.js';
import {
  checkUnsupported,
  ignoredFields,
  parseChatCompletionRequest,
  samplingOf,
  toChatMessages,
  type ClientTurn,
} from './schema.js';
import {
  chunkObject,
  completionObject,
  emptyChunk,
  sseData,
  toOpenAIFinishReason,
  type CompletionMeta,
  type OpenAIFinishReason,
  type Usage,
} from './wire.js';

export const SESSION_HEADER = 'x-bulwark-session';
/** Sampling parameters the agent's limits or its provider changed: `name=asked>used`, `name>dropped`. */
export const CLAMPED_HEADER = 'x-bulwark-clamped';
/** Known OpenAI request fields bulwark accepted but does not act on, and parameters the agent's provider does not take. */
export const IGNORED_HEADER = 'x-bulwark-ignored';
/**
 * Opt-in: `x-bulwark-events: tools` adds tool progress chunks (with empty `choices`) to a stream, with the call's
 * arguments and result as a client may see them; `notices` adds a chunk for each layer that acted on this turn.
 */
export const EVENTS_HEADER = 'x-bulwark-events';
const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface ChatDeps {
  readonly runtime: AgentRuntime;
  readonly bodyLimitBytes: number;
  readonly turns: ActiveTurns;
  readonly logger: Logger;
  /** The audit bus: the source of layer notices (`x-bulwark-events: notices`). */
  readonly bus?: EventBus;
}

export function chatCompletionsHandler(deps: ChatDeps) {
  return async (c: Context<GatewayEnv>): Promise<Response> => {
    const traceId = c.get('traceId');
    const body = await readJsonBody(c.req.raw, deps.bodyLimitBytes);
    if (!body.ok) return sendFailure(c, body.error);
    const parsed = parseChatCompletionRequest(body.value);
    if (!parsed.ok) return sendFailure(c, parsed.error);
    const req = parsed.value;
    const unsupported = checkUnsupported(req);
    if (!unsupported.ok) return sendFailure(c, unsupported.error);
    const messages = toChatMessages(req);
    if (!messages.ok) return sendFailure(c, messages.error);
    const ignored = ignoredFields(body.value as Record<string, unknown>);
    if (!deps.runtime.hasAgent(req.model)) {
      return sendFailure(
        c,
        failure(
          404,
          `unknown model "${req.model.slice(0, 200)}": a model is an agent id; list them with GET /v1/models`,
          'model_not_found',
          'model',
        ),
      );
    }
    const sessionHeader = c.req.header(SESSION_HEADER);
    if (sessionHeader !== undefined && !SESSION_ID.test(sessionHeader)) {
      return sendFailure(c, failure(400, `${SESSION_HEADER} must be 1-128 letters, digits, - or _`, 'invalid_session'));
    }

    const origin = messages.value.origin;
    const askedMaxTokens = req.max_completion_tokens ?? req.max_tokens ?? undefined;
    const wanted = (c.req.header(EVENTS_HEADER) ?? '').split(',').map((s) => s.trim());
    // Subscribed before the turn starts: the inbound layers act before its first event.
    const notices = req.stream && wanted.includes('notices') && deps.bus ? layerNotices(deps.bus, traceId) : undefined;
    const turn = deps.turns.start(c.req.raw.signal);
    const identity = c.get('identity');
    const events = deps.runtime.runTurn({
      agentId: req.model,
      ...(sessionHeader ? { sessionId: sessionHeader } : {}),
      messages: messages.value.messages,
      ...(messages.value.instructions !== undefined ? { clientInstructions: messages.value.instructions } : {}),
      sampling: samplingOf(req),
      ...(askedMaxTokens !== undefined ? { maxTokens: askedMaxTokens } : {}),
      caller: identity,
      traceId,
      signal: turn.signal,
    });
    const iterator = events[Symbol.asyncIterator]();
    const next = async (): Promise<IteratorResult<TurnEvent>> => {
      try {
        return await iterator.next();
      } catch (cause) {
        // The runtime promises never to throw; if it does, the client gets a generic 500.
        deps.logger.error({ traceId, err: describeCause(cause) }, 'agent runtime threw during a turn');
        return {
          done: false,
          value: { type: 'error', error: { code: 'runtime.threw', message: describeCause(cause) } },
        };
      }
    };
    // Every way out ends the turn and closes the runtime's iterator, so its clean-up (the session lock among
    // it) runs even when the answer went out before the iterator was drained. The SSE stream takes this over.
    const close = once(() => closeIterator(iterator, deps.logger, traceId));
    let handedOver = false;
    try {
      // Read up to the first event that is not the session id, so an early error (no provider,
      // unknown session) still gets a proper HTTP status instead of a broken stream.
      let sessionId = sessionHeader;
      let clamped: readonly string[] = [];
      let providerIgnored: readonly string[] = [];
      let first = await next();
      while (!first.done && first.value.type === 'session') {
        sessionId = first.value.sessionId;
        clamped = first.value.clamped ?? clamped;
        providerIgnored = first.value.ignored ?? providerIgnored;
        first = await next();
      }
      // Fields bulwark does not act on, then parameters the agent's provider has no field for (seed on Anthropic).
      ignored.push(...providerIgnored);
      if (sessionId) c.header(SESSION_HEADER, sessionId);
      // The client is told what of its request was changed or not acted on, never silently overruled.
      if (clamped.length > 0) c.header(CLAMPED_HEADER, clamped.join(', '));
      if (ignored.length > 0) c.header(IGNORED_HEADER, ignored.join(', '));
      c.header('x-bulwark-trace', traceId);
      if (!first.done && first.value.type === 'error') {
        logTurnError(deps.logger, traceId, first.value.error);
        return sendFailure(
          c,
          withParam(failureFromBulwarkError(first.value.error, traceId), first.value.error, origin),
        );
      }
      const meta: CompletionMeta = {
        id: `chatcmpl-${traceId}`,
        created: Math.floor(Date.now() / 1000),
        model: req.model,
      };

      if (req.stream) {
        const wantTools = wanted.includes('tools');
        const includeUsage = req.stream_options?.include_usage === true;
        const stream = sseStream({
          first,
          next,
          close,
          meta,
          turn,
          wantTools,
          includeUsage,
          traceId,
          logger: deps.logger,
          ...(notices ? { notices } : {}),
        });
        handedOver = true;
        return c.body(stream, 200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      }

      let text = '';
      let finalText: string | undefined;
      let finish: OpenAIFinishReason = 'stop';
      const usage: Usage = { inputTokens: 0, outputTokens: 0 };
      for (let r = first; !r.done; r = await next()) {
        const e = r.value;
        if (e.type === 'text_delta') text += e.text;
        else if (e.type === 'usage') addUsage(usage, e);
        else if (e.type === 'done') {
          finalText = e.text;
          finish = toOpenAIFinishReason(e.finishReason);
        } else if (e.type === 'error') {
          logTurnError(deps.logger, traceId, e.error);
          return sendFailure(c, failureFromBulwarkError(e.error, traceId));
        }
      }
      return c.json(completionObject(meta, finalText ?? text, finish, usage));
    } finally {
      if (!handedOver) {
        notices?.close();
        turn.end();
        await close();
      }
    }
  };
}

/** A refusal of one client message names it in `param` (`messages[i].content`), as OpenAI does for bad fields. */
function withParam(f: HttpFailure, error: BulwarkError, origin: ClientTurn['origin']): HttpFailure {
  const input = error.details?.['input'] as RefusedInput | undefined;
  if (!input || f.status !== 400) return f;
  const at = (input.part === 'message' ? origin.messages : origin.instructions)[input.index];
  if (at === undefined) return f;
  const param = `messages[${at}].content`;
  return { ...f, body: { error: { ...f.body.error, param } } };
}

function once(f: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= f());
}

async function closeIterator(iterator: AsyncIterator<TurnEvent>, logger: Logger, traceId: string): Promise<void> {
  try {
    await iterator.return?.();
  } catch (cause) {
    logger.warn({ traceId, err: describeCause(cause) }, 'closing the turn iterator failed');
  }
}

function addUsage(total: Usage, e: { inputTokens: number; outputTokens: number }): void {
  total.inputTokens += e.inputTokens;
  total.outputTokens += e.outputTokens;
}

function logTurnError(
  logger: Logger,
  traceId: string,
  error: { code: string; message: string; status?: number },
): void {
  const level = (error.status ?? 500) >= 500 ? 'error' : 'warn';
  logger[level]({ traceId, code: error.code, status: error.status }, `turn failed: ${error.message}`);
}

interface StreamArgs {
  readonly first: IteratorResult<TurnEvent>;
  readonly next: () => Promise<IteratorResult<TurnEvent>>;
  /** Closes the runtime's iterator (idempotent); called on every way the stream ends. */
  readonly close: () => Promise<void>;
  readonly meta: CompletionMeta;
  readonly turn: { abort: () => void; end: () => void };
  readonly wantTools: boolean;
  readonly includeUsage: boolean;
  readonly traceId: string;
  readonly logger: Logger;
  /** Layer notices of this turn, delivered between its events. */
  readonly notices?: LayerNotices;
}

function sseStream(a: StreamArgs): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pending: IteratorResult<TurnEvent> | undefined = a.first;
  let finished = false;
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  const finish = async (): Promise<void> => {
    finished = true;
    a.notices?.close();
    a.turn.end();
    await a.close();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(sseData(chunkObject(a.meta, { role: 'assistant', content: '' }, null))));
    },
    async pull(controller) {
      // One event per pull keeps back-pressure: a slow client slows the turn, not memory.
      for (;;) {
        const r = pending ?? (await a.next());
        pending = undefined;
        // Whatever layers did up to this event is told before it.
        for (const notice of a.notices?.take() ?? [])
          controller.enqueue(encoder.encode(sseData(emptyChunk(a.meta, { bulwark: { notice } }))));
        if (r.done) {
          controller.enqueue(encoder.encode(sseData('[DONE]')));
          controller.close();
          await finish();
          return;
        }
        const e = r.value;
        let out: string | undefined;
        if (e.type === 'text_delta' && e.text.length > 0) out = sseData(chunkObject(a.meta, { content: e.text }, null));
        else if (e.type === 'usage') addUsage(usage, e);
        else if ((e.type === 'tool_started' || e.type === 'tool_finished') && a.wantTools) {
          const tool =
            e.type === 'tool_started'
              ? {
                  id: e.id,
                  name: e.name,
                  status: 'started',
                  ...(e.arguments !== undefined ? { arguments: e.arguments } : {}),
                }
              : {
                  id: e.id,
                  name: e.name,
                  status: 'finished',
                  ok: e.ok,
                  ...(e.result !== undefined ? { result: e.result } : {}),
                };
          out = sseData(emptyChunk(a.meta, { bulwark: { tool } }));
        } else if (e.type === 'done') {
          out = sseData(chunkObject(a.meta, {}, toOpenAIFinishReason(e.finishReason)));
          if (a.includeUsage)
            out += sseData(
              emptyChunk(a.meta, {
                usage: {
                  prompt_tokens: usage.inputTokens,
                  completion_tokens: usage.outputTokens,
                  total_tokens: usage.inputTokens + usage.outputTokens,
                },
              }),
            );
        } else if (e.type === 'error') {
          logTurnError(a.logger, a.traceId, e.error);
          // OpenAI clients raise an APIError when a data line carries `error`.
          controller.enqueue(encoder.encode(sseData(failureFromBulwarkError(e.error, a.traceId).body)));
          controller.close();
          await finish();
          return;
        }
        if (out !== undefined) {
          controller.enqueue(encoder.encode(out));
          return;
        }
      }
    },
    async cancel() {
      // The client went away: stop the turn and release the runtime's iterator.
      if (finished) return;
      a.turn.abort();
      await finish();
    },
  });
}
