/**
 * One agent turn: prompt → model → tool calls → model … until the model answers, the step limit,
 * the turn timeout or cancellation. The loop runs the pipelines it is given (src/pipelines.ts), in flow order:
 *   inbound (each client message) → prompt → [model-call → model stream (response) → settlements →
 *   for each tool call: tool-call → tool-run → run → tool-result] … → response flush
 * The model is untrusted: any tool name, any arguments, any number of calls are handled as data.
 */
import { createHash } from 'node:crypto';
import {
  type EventBus,
  type GateId,
  auditContext,
  bulwarkError,
  describeCause,
  type BulwarkError,
  newId,
  openStream,
  runPipeline,
  type StreamFilter,
} from '../core/index.js';
import type { ModelCallItem, ModelCallSettlement, TurnPipelines } from './boundaries.js';
import { AnswerTally } from './budget/estimate.js';
import { ReportedUsage } from './budget/reported-usage.js';
import { ProviderError } from './providers/provider-error.js';
import { answerCharsBound, overlongAnswer } from './providers/answer-bound.js';
import type { ToolRegistry } from './tools/registry.js';
import type { OperatorApprovals, OperatorChannel } from './tools/tool.js';
import type { MemoryAccess } from './tools/tool.js';
import { CLIENT_INSTRUCTIONS_HEADER, frameClientInstructions, wrapExternal } from '../guards/index.js';
import type {
  ChatMessage,
  ExternalInput,
  FinishReason,
  ModelCallAdvice,
  ModelRequest,
  Provider,
  Sampling,
  StopReason,
  ToolCall,
  ToolCallRef,
  TurnContext,
  TurnEvent,
} from './types.js';

/** The most of a tool call's arguments or result a client is shown (tool progress events). */
export const TOOL_TEXT_SHOWN_CHARS = 8000;

/** Tool calls beyond this in one model answer get an error result instead of running. */
export const MAX_TOOL_CALLS_PER_STEP = 32;

export interface TurnSettings {
  readonly model: string;
  readonly systemPrompt: string;
  readonly maxSteps: number;
  readonly maxTokens: number;
  /** Client sampling parameters, already within the agent's limits. */
  readonly sampling?: Sampling;
  readonly turnTimeoutMs: number;
  /** output.maxResponseChars: the text the client gets in one turn is cut here, with a notice and finish reason `length`. */
  readonly maxResponseChars?: number;
}

export interface TurnLoopDeps {
  readonly provider: Provider;
  readonly registry: ToolRegistry;
  readonly pipelines: TurnPipelines;
  readonly bus: EventBus;
  readonly settings: TurnSettings;
  readonly workspace: string;
  /** Lets a tool ask the operator about one change its own gate refused (L13 queue); none: the refusal stands. */
  readonly operator?: OperatorApprovals;
  /** The agent's memory for this turn's tools (absent when memory is off). */
  readonly memory?: MemoryAccess;
  /** bulwark's tool call ids → the model's own, to put the model's back on the wire (absent: ours are sent). */
  readonly callIds?: ToolCallIds;
}

/**
 * A tool call id is text the model chooses: it may carry the canary or a secret. The conversation (session store,
 * events, history) keeps an id bulwark assigns; the model's own goes back to the provider only on the wire, from
 * this map in memory (bounded; after a restart or past the bound, bulwark's id is sent, which pairs just as well).
 */
export class ToolCallIds {
  private readonly map = new Map<string, string>();
  constructor(private readonly limit = 10_000) {}

  assign(modelId: string): string {
    const ours = newId('call');
    if (this.map.size >= this.limit) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(ours, modelId);
    return ours;
  }

  /** The messages as the provider should see them: each known id of ours replaced by the model's. */
  onWire(messages: readonly ChatMessage[]): ChatMessage[] {
    const back = (id: string) => this.map.get(id) ?? id;
    return messages.map((m) => {
      if (m.role === 'tool') return this.map.has(m.toolCallId) ? { ...m, toolCallId: back(m.toolCallId) } : m;
      if (m.role === 'assistant' && m.toolCalls?.some((c) => this.map.has(c.id)))
        return { ...m, toolCalls: m.toolCalls.map((c) => ({ ...c, id: back(c.id) })) };
      return m;
    });
  }
}

export interface TurnInput {
  readonly ctx: TurnContext;
  /** Stored history (already repaired); not scanned again. */
  readonly history: readonly ChatMessage[];
  /** New messages of this turn; user messages pass the inbound pipeline. */
  readonly incoming: readonly ChatMessage[];
  /** Whether an assistant turn the client sent is an answer this daemon delivered to it (own-answers.ts). */
  readonly ownAnswer?: (text: string) => boolean;
  /** The client's system/developer messages, in order: they pass the inbound pipeline and follow the operator's prompt. */
  readonly clientInstructions?: readonly string[];
  /** The user messages are outside content: scored as they are, then framed by L03 (TurnRequest.external). */
  readonly external?: ExternalInput;
  readonly signal?: AbortSignal;
  /** Called with each message the turn adds to the conversation, in order (for persistence). */
  readonly record: (message: ChatMessage) => void;
}

interface TurnAbort {
  readonly signal: AbortSignal;
  timedOut(): boolean;
  dispose(): void;
}

function turnAbort(outer: AbortSignal | undefined, timeoutMs: number): TurnAbort {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort();
  if (outer?.aborted) controller.abort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  timer.unref();
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
      // Anything still running for this turn (a consumer stopped reading) must stop too.
      controller.abort();
    },
  };
}

function finishOf(stop: StopReason): FinishReason {
  return stop === 'max_tokens' ? 'length' : 'stop';
}

interface ToolOutcome {
  readonly content: string;
  readonly ok: boolean;
  /** The gate inside the tool that refused it (L11.2, L11.4, …), for the audit line. */
  readonly layer?: GateId;
  /** Set when a layer refused the call (or it never got scanned): its arguments are not stored. The reason id. */
  readonly refused?: string;
}

/** Layers whose refusal of a tool call at run time means its arguments must not reach the session store. */
const REFUSING_LAYERS: ReadonlySet<string> = new Set(['L02', 'L12', 'L13', 'L17', 'L27']);

/**
 * The form of a tool call kept in the conversation (session store and later model calls) when its
 * arguments did not pass the gates: they may carry the canary or a secret value, so only the reason
 * id remains. Still valid JSON, and the id is kept, so the call still pairs with its result.
 * The name of a tool that does not exist is model output no layer scanned: it is replaced too.
 */
function storedCall(call: ToolCall, reason: string, registry: ToolRegistry): ToolCall {
  return {
    id: call.id,
    // call.id is already bulwark's (see ToolCallIds).
    name: shownName(call.name, registry),
    arguments: JSON.stringify({ refused: reason }),
  };
}

export { CLIENT_INSTRUCTIONS_HEADER };

/** Which client message a turn error is about: `part` and index in TurnInput.incoming or clientInstructions. */
export interface RefusedInput {
  readonly part: 'message' | 'instructions';
  readonly index: number;
}

function refusedInput(error: BulwarkError, part: RefusedInput['part'], index: number): BulwarkError {
  const input: RefusedInput = { part, index };
  return { ...error, details: { ...error.details, input } };
}

/** L05's key of a client message: the same role, position and text resent later is the same message. */
function messageKey(role: string, position: number, content: string): string {
  return createHash('sha256').update(`${role}\0${position}\0${content}`).digest('base64url').slice(0, 22);
}

/** Ends a response cut at output.maxResponseChars (the client sees why the answer stops). */
export function cutNotice(cap: number): string {
  return `[bulwark: response cut at ${cap} characters (output.maxResponseChars)]`;
}

/**
 * A provider failure quotes upstream text (the provider's error body, an SDK message) that the model side
 * controls: it passes the same output scan as a response (formats, known values, this session's canary,
 * system prompt) before it reaches the client or the log. Findings are audited like a response's.
 */
function scannedError(error: BulwarkError, pipelines: TurnPipelines, ctx: TurnContext): BulwarkError {
  const filter = openStream(pipelines.response, ctx);
  const message = filter.push(error.message) + filter.flush();
  return message === error.message ? error : { ...error, message };
}

/**
 * Runs every step (settlements of one model call) even when one fails, so no gate keeps what it holds; then throws
 * the first failure, if any.
 */
async function settleAll<T>(steps: ReadonlyArray<() => T | Promise<T>>): Promise<T[]> {
  const out: T[] = [];
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      out.push(await step());
    } catch (cause) {
      failures.push(cause);
    }
  }
  if (failures.length > 0) throw failures[0];
  return out;
}

/** Stored in place of the name of a tool call to a tool that does not exist. */
export const UNKNOWN_TOOL_NAME = 'unknown_tool';

export async function* runTurnLoop(deps: TurnLoopDeps, input: TurnInput): AsyncGenerator<TurnEvent> {
  const { ctx, record } = input;
  const { pipelines, settings, bus, registry, provider } = deps;
  const abort = turnAbort(input.signal, settings.turnTimeoutMs);
  const stopped = (): TurnEvent | undefined => {
    if (!abort.signal.aborted) return undefined;
    if (abort.timedOut()) {
      return {
        type: 'error',
        error: bulwarkError(
          'turn.timeout',
          `the turn took longer than turnTimeoutMs (${settings.turnTimeoutMs} ms) of agent "${ctx.agentId}"`,
          { status: 504 },
        ),
      };
    }
    return undefined;
  };
  /** Model calls whose gates hold something (a breaker ticket, a budget reservation) until the call is settled. */
  let unsettled: ModelCallSettlement[] = [];

  try {
    // Inbound: every message the client sent (its user and assistant turns, its own instructions) passes the
    // inbound pipeline at the caller's trust; reminders go into this turn's system prompt. All are judged before
    // any is recorded, so a refused request stores nothing.
    const messages: ChatMessage[] = [...input.history];
    const reminders: string[] = [];
    const userText: string[] = [];
    const accepted: ChatMessage[] = [];
    for (const [i, m] of input.incoming.entries()) {
      if (m.role !== 'user' && m.role !== 'assistant') {
        accepted.push(m);
        continue;
      }
      const position = input.history.length + i;
      const r = await runPipeline(
        pipelines.inbound,
        {
          text: m.content,
          role: m.role === 'assistant' && input.ownAnswer?.(m.content) ? 'own-answer' : m.role,
          key: messageKey(m.role, position, m.content),
          reminders: [],
        },
        ctx,
        abort.signal,
      );
      if (!r.ok) {
        yield { type: 'error', error: refusedInput(r.error, 'message', i) };
        return;
      }
      reminders.push(...r.value.reminders);
      if (m.role === 'assistant') {
        accepted.push({ role: 'assistant', content: r.value.text });
        continue;
      }
      userText.push(r.value.text);
      const content = input.external ? framedExternal(r.value.text, input.external) : r.value.text;
      accepted.push({ role: 'user', content });
    }
    // The client's own instructions are text at the caller's trust: the same perimeter, judged by their own rule
    // (guards/inbound-role.ts), then framed by L03 after everything the operator's prompt holds, never replacing it.
    const instructions: string[] = [];
    for (const [i, text] of (input.clientInstructions ?? []).entries()) {
      const r = await runPipeline(
        pipelines.inbound,
        { text, role: 'instructions', key: messageKey('instructions', i, text), reminders: [] },
        ctx,
        abort.signal,
      );
      if (!r.ok) {
        yield { type: 'error', error: refusedInput(r.error, 'instructions', i) };
        return;
      }
      reminders.push(...r.value.reminders);
      if (r.value.text.trim() !== '') instructions.push(r.value.text);
    }
    for (const m of accepted) {
      messages.push(m);
      record(m);
    }

    // Prompt: the system prompt and the tools this agent is offered.
    const prompt = await runPipeline(
      pipelines.prompt,
      { system: settings.systemPrompt, tools: registry.list(), query: userText.join('\n') },
      ctx,
      abort.signal,
    );
    if (!prompt.ok) {
      yield { type: 'error', error: prompt.error };
      return;
    }
    const clientPart = instructions.length > 0 ? `\n\n${frameClientInstructions(instructions).text}` : '';
    const system =
      prompt.value.system + clientPart + (reminders.length ? `\n\n${[...new Set(reminders)].join('\n')}` : '');
    // Specs are read at each model call: an MCP tool's re-approved definition is shown from the next call on.
    const offered = prompt.value.tools;
    const filter: StreamFilter = openStream(pipelines.response, ctx);
    let delivered = '';
    const cap = settings.maxResponseChars;
    let cut = false;
    /** What of `out` (already filtered) may still be delivered under the cap; past it, the notice once. */
    const underCap = (out: string): string => {
      if (cut) return '';
      if (cap === undefined || delivered.length + out.length <= cap) return out;
      cut = true;
      return `${out.slice(0, Math.max(0, cap - delivered.length))}\n${cutNotice(cap)}`;
    };

    /** The step whose model call was already retried on the fallback model (one retry per step). */
    let retriedStep = -1;
    for (let step = 0; ; step++) {
      if (step >= settings.maxSteps) {
        yield { type: 'done', finishReason: 'step_limit', text: delivered };
        return;
      }
      const planned: ModelCallItem = {
        request: {
          model: settings.model,
          system,
          messages: deps.callIds ? deps.callIds.onWire(messages) : [...messages],
          tools: offered.map((t) => t.spec),
          maxTokens: settings.maxTokens,
          ...(settings.sampling ? { sampling: settings.sampling } : {}),
          signal: abort.signal,
          context: ctx,
        },
        settlements: [],
      };
      const gate = await runPipeline(pipelines.modelCall, planned, ctx, abort.signal);
      if (!gate.ok) {
        await settleAll(planned.settlements.map((s) => () => s.cancel()));
        yield { type: 'error', error: gate.error };
        return;
      }
      const request: ModelRequest = gate.value.request;
      unsettled = planned.settlements;

      let text = '';
      let shown = '';
      const calls: ToolCall[] = [];
      let stop: StopReason = 'other';
      const reported = new ReportedUsage();
      const received = new AnswerTally();
      const started = Date.now();
      let failure: BulwarkError | undefined;
      try {
        const bound = answerCharsBound(request.maxTokens);
        for await (const ev of provider.stream(request)) {
          if ((ev.type === 'text_delta' || ev.type === 'unshown_output') && received.bytes > bound) {
            // Leaving the loop ends the provider's stream; what arrived is counted below.
            failure = overlongAnswer(provider.id, request.maxTokens).toBulwarkError();
            break;
          }
          if (ev.type === 'text_delta') {
            received.addText(ev.text);
            // Past the cap the rest of the answer is drained unread, so the call's usage is still counted.
            if (cut) continue;
            text += ev.text;
            const out = underCap(filter.push(ev.text));
            if (out) {
              shown += out;
              delivered += out;
              yield { type: 'text_delta', text: out };
            }
          } else if (ev.type === 'tool_call') {
            received.addToolCall(ev.call);
            calls.push({ ...ev.call, id: deps.callIds ? deps.callIds.assign(ev.call.id) : newId('call') });
          } else if (ev.type === 'unshown_output') received.addUnshown(ev.text);
          else if (ev.type === 'usage') reported.add(ev.inputTokens, ev.outputTokens);
          else stop = ev.reason;
        }
      } catch (cause) {
        failure =
          cause instanceof ProviderError
            ? cause.toBulwarkError()
            : bulwarkError('provider.failed', `provider "${provider.id}" failed: ${describeCause(cause)}`, {
                status: 502,
              });
      }
      const { input: inputTokens, output: outputTokens } = reported;
      const outcome = {
        ok: failure === undefined,
        inputTokens,
        outputTokens,
        latencyMs: Date.now() - started,
        receivedBytes: received.bytes,
        receivedTokens: received.tokens(),
      };
      let advice: ModelCallAdvice = {};
      const advised = await settleAll(
        unsettled
          .splice(0)
          .reverse()
          .map((s) => () => s.after(outcome, abort.signal)),
      );
      if (advised.some((a) => a?.retry)) advice = { retry: true };
      if (inputTokens || outputTokens) yield { type: 'usage', inputTokens, outputTokens };
      const tail = cut ? '' : underCap(filter.flush());
      if (tail) {
        shown += tail;
        delivered += tail;
        yield { type: 'text_delta', text: tail };
      }

      const halted = stopped();
      if (halted) {
        yield halted;
        return;
      }
      if (abort.signal.aborted) {
        yield { type: 'done', finishReason: 'cancelled', text: delivered };
        return;
      }
      if (failure) {
        // This failure opened the breaker and a fallback model is there: the same step once more, if the
        // failed call produced nothing the user saw or the history would keep.
        if (advice.retry === true && retriedStep !== step && text === '' && calls.length === 0) {
          retriedStep = step;
          step -= 1;
          continue;
        }
        yield { type: 'error', error: scannedError(failure, pipelines, ctx) };
        return;
      }

      // History keeps what the response pipeline let through: a redacted secret is not stored at rest nor replayed to the model.
      const content = shown;
      // A cut answer ends the turn: its tool calls (if any) do not run.
      if (calls.length === 0 || cut) {
        const assistant: ChatMessage = { role: 'assistant', content };
        messages.push(assistant);
        record(assistant);
        yield { type: 'done', finishReason: cut ? 'length' : finishOf(stop), text: delivered };
        return;
      }

      // The assistant message is stored only once its calls went through the gates: a call's arguments are
      // kept verbatim only if they passed (and were scanned by) the tool-call pipeline; see `storedCall`.
      const stored = calls.map((call) => storedCall(call, 'tool.not_run', registry));
      const results: ChatMessage[] = [];
      try {
        for (const [index, call] of calls.entries()) {
          if (abort.signal.aborted) break;
          // The model's call id is unscanned model output: `call.id` is already one of ours (history, store); events
          // name the call by its place in the turn.
          const ref: ToolCallRef = { id: `call_${step}_${index}`, name: shownName(call.name, registry) };
          yield { type: 'tool_started', id: ref.id, name: ref.name, arguments: shownToClient(call.arguments) };
          const outcome: ToolOutcome =
            index >= MAX_TOOL_CALLS_PER_STEP
              ? {
                  content: `error: more than ${MAX_TOOL_CALLS_PER_STEP} tool calls in one answer; this one did not run`,
                  ok: false,
                  refused: 'tool.too_many_calls',
                }
              : await runToolCall(call, ref);
          stored[index] = outcome.refused === undefined ? call : storedCall(call, outcome.refused, registry);
          const tool = registry.get(call.name);
          const result = await runPipeline(
            pipelines.toolResult,
            { text: outcome.content, ref, external: tool?.external ?? true },
            ctx,
            abort.signal,
          );
          // A tool-result gate that refuses leaves the model only the refusal, never the unfiltered result.
          const resultText = result.ok ? result.value.text : `error: ${result.error.message}`;
          results.push({
            role: 'tool',
            toolCallId: call.id,
            name: ref.name,
            content: resultText,
            ...(outcome.ok && result.ok ? {} : { isError: true }),
          });
          yield {
            type: 'tool_finished',
            id: ref.id,
            name: ref.name,
            ok: outcome.ok,
            result: shownToClient(resultText),
          };
        }
      } finally {
        // Also when the consumer stops mid-step: what ran is stored, calls without a result are repaired on the next turn.
        const assistant: ChatMessage = { role: 'assistant', content, toolCalls: stored };
        for (const m of [assistant, ...results]) {
          messages.push(m);
          record(m);
        }
      }
      const halted2 = stopped();
      if (halted2) {
        yield halted2;
        return;
      }
      if (abort.signal.aborted) {
        yield { type: 'done', finishReason: 'cancelled', text: delivered };
        return;
      }
    }
  } catch (cause) {
    yield {
      type: 'error',
      error: scannedError(
        bulwarkError('agent.internal', `the turn failed: ${describeCause(cause)}`, { status: 500 }),
        pipelines,
        ctx,
      ),
    };
  } finally {
    // A model call the turn never settled (the consumer stopped reading mid-stream) frees what its gates hold.
    try {
      await settleAll(unsettled.splice(0).map((s) => () => s.cancel()));
    } finally {
      abort.dispose();
    }
  }

  /**
   * A tool call's arguments (model output) or its result (what the model was given) as a client may see them: the
   * response pipeline's scan (L02 formats and known values, L17 canary, prompt overlap) redacts, then the cap cuts.
   */
  function shownToClient(text: string): string {
    const filter = openStream(pipelines.response, ctx);
    const out = filter.push(text) + filter.flush();
    return out.length > TOOL_TEXT_SHOWN_CHARS
      ? `${out.slice(0, TOOL_TEXT_SHOWN_CHARS)}… (${out.length} chars in all)`
      : out;
  }

  async function runToolCall(call: ToolCall, ref: ToolCallRef): Promise<ToolOutcome> {
    const signal = abort.signal;
    const gated = await runPipeline(pipelines.toolCall, { call, ref, tool: registry.get(call.name) }, ctx, signal);
    if (!gated.ok) {
      // A gate that refuses audits its own refusal; a gate that crashed could not, so its refusal is audited here.
      if (gated.error.code === 'gate.failed')
        bus.emit('tool:denied', {
          ...auditContext(ctx),
          tool: ref.name,
          layer: gated.error.layer ?? 'L12',
          outcome: 'error',
          reason: gated.error.message,
        });
      return { content: `error: ${gated.error.message}`, ok: false, refused: gated.error.code };
    }
    const { tool, args } = gated.value;
    if (!tool)
      return {
        content: 'error: no tool of that name is available to this agent',
        ok: false,
        refused: 'tool.unavailable',
      };
    const audit = { ...auditContext(ctx), tool: ref.name };
    // A gate may have waited (L13 approval) while the turn was cancelled: a cancelled turn runs nothing more.
    if (signal.aborted) {
      bus.emit('tool:denied', {
        ...audit,
        layer: 'L13',
        outcome: 'cancelled',
        reason: 'the turn was cancelled before the tool ran',
      });
      return {
        content: `error: ${ref.name} did not run: the turn was cancelled`,
        ok: false,
        refused: 'turn.cancelled',
      };
    }
    const run = await runPipeline(pipelines.toolRun, { tool, args, workspace: deps.workspace }, ctx, signal);
    if (!run.ok) {
      const refusedAtRun = run.error.layer !== undefined && REFUSING_LAYERS.has(run.error.layer);
      return {
        content: `error: ${run.error.message}`,
        ok: false,
        ...(refusedAtRun ? { refused: run.error.code } : {}),
      };
    }
    const started = Date.now();
    let outcome: ToolOutcome;
    try {
      const approvals = deps.operator;
      const operator: OperatorChannel | undefined = approvals
        ? { ask: (request) => approvals.ask(ref.name, request, ctx, signal) }
        : undefined;
      const r = await tool.run(run.value.args, {
        ...ctx,
        workspace: run.value.workspace,
        signal,
        ...(operator ? { operator } : {}),
        callId: ref.id,
        ...(deps.memory ? { memory: deps.memory } : {}),
      });
      // A refusal inside the tool by a layer that guards arguments is a refusal like the gates'.
      const refusedAtRun = !r.ok && r.error.layer !== undefined && REFUSING_LAYERS.has(r.error.layer);
      outcome = r.ok
        ? { content: r.value, ok: true }
        : {
            content: `error: ${r.error.message}`,
            ok: false,
            ...(refusedAtRun ? { refused: r.error.code } : {}),
            ...(r.error.layer !== undefined ? { layer: r.error.layer } : {}),
          };
    } catch (cause) {
      outcome = { content: `error: ${ref.name} failed: ${describeCause(cause)}`, ok: false };
    }
    // Provenance travels: once a tool whose output comes from outside has run, the rest of the turn is external.
    if (tool.external) ctx.taint?.mark(tool.spec.name);
    bus.emit('tool:executed', {
      ...audit,
      ...(outcome.layer !== undefined ? { layer: outcome.layer } : {}),
      outcome: outcome.ok ? 'success' : 'error',
      ok: outcome.ok,
      durationMs: Date.now() - started,
    });
    return outcome;
  }
}

/**
 * A tool name is model output. A registered name is ours; any other name is unscanned text (it could carry
 * the canary or a vault value), so events, the audit log and error text say `unknown_tool` instead.
 */
function shownName(name: string, registry: ToolRegistry): string {
  return registry.get(name) ? name : UNKNOWN_TOOL_NAME;
}

/** L03 for a user message that is outside content: the operator's preamble, then the content framed as data. */
function framedExternal(text: string, external: ExternalInput): string {
  const framed = wrapExternal(text, { source: external.source }).text;
  return external.preamble ? `${external.preamble}\n\n${framed}` : framed;
}
