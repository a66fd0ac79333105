/**
 * Drive single boundaries of the real pipelines from a test, the way the turn loop does, without a whole turn:
 * a model call through the model-call gates and their settlements, a tool call through the tool-call gates, a
 * tool run through the tool-run gates.
 */
import type { ModelCallItem, ModelCallSettlement, ToolCallItem, ToolRunItem } from '../../src/agent/boundaries.js';
import type { Tool, ToolRunContext } from '../../src/agent/tools/tool.js';
import type { ModelCallAdvice, ModelCallOutcome, ModelRequest, ToolCall } from '../../src/agent/types.js';
import type { Caller } from '../../src/core/caller.js';
import type { CallContext } from '../../src/core/context.js';
import type { BulwarkError } from '../../src/core/errors.js';
import { runPipeline, type Pipeline } from '../../src/core/pipeline.js';
import { err, ok, type Result } from '../../src/core/result.js';
import { inboundGates, toolResultGates } from '../../src/agent/gates/perimeter-gates.js';
import type { Perimeter } from '../../src/guards/perimeter.js';

export function testCaller(id = 'tester', owner = false): Caller {
  return { kind: 'token', id, scopes: ['chat'], owner };
}

export function callContext(agentId = 'a', extra: Partial<CallContext> = {}): CallContext {
  return { agentId, sessionId: 's', traceId: 't', caller: testCaller(), ...extra };
}

/** The context a tool run gets, for a session of a test caller in a workspace that does not exist. */
export function toolRunContext(sessionId: string, extra: Partial<ToolRunContext> = {}): ToolRunContext {
  return {
    agentId: 'a',
    sessionId,
    traceId: 't',
    caller: testCaller('u'),
    workspace: '/nonexistent',
    signal: AbortSignal.timeout(10_000),
    ...extra,
  };
}

export interface ModelCallDriver {
  /** Runs the gates; the model the call goes to when a gate changed it (the L22 fallback). */
  before(request: ModelRequest, ctx: CallContext): Promise<Result<{ model?: string } | undefined, BulwarkError>>;
  /** Settles the last admitted call, as the turn loop does once it is over. */
  after(outcome: ModelCallOutcome, signal?: AbortSignal): Promise<ModelCallAdvice | undefined>;
}

export function modelCallDriver(gates: Pipeline<ModelCallItem>): ModelCallDriver {
  let pending: ModelCallSettlement[] = [];
  return {
    async before(request, ctx) {
      const item: ModelCallItem = { request, settlements: [] };
      const r = await runPipeline(gates, item, ctx, request.signal);
      if (!r.ok) {
        for (const s of item.settlements) await s.cancel();
        return r;
      }
      pending = item.settlements;
      return ok(r.value.request.model === request.model ? undefined : { model: r.value.request.model });
    },
    async after(outcome, signal = new AbortController().signal) {
      let advice: ModelCallAdvice | undefined;
      for (const s of pending.splice(0).reverse())
        if ((await s.after(outcome, signal))?.retry) advice = { retry: true };
      return advice;
    },
  };
}

/** Runs a tool call through tool-call gates (e.g. L27 → L13), as the loop does after L12. */
export async function gateToolCall(
  gates: Pipeline<ToolCallItem>,
  call: ToolCall,
  ctx: CallContext,
  signal: AbortSignal = new AbortController().signal,
  tool?: Tool,
): Promise<Result<void, BulwarkError>> {
  const r = await runPipeline(gates, { call, ref: { id: 'call_0_0', name: call.name }, tool }, ctx, signal);
  return r.ok ? ok(undefined) : r;
}

/** A tool whose run passes the tool-run gates first (the L13 re-check), as the loop runs it. */
export function gatedTool(gates: Pipeline<ToolRunItem>, tool: Tool): Tool {
  return {
    ...tool,
    async run(args: unknown, ctx: ToolRunContext) {
      const r = await runPipeline(gates, { tool, args, workspace: ctx.workspace }, ctx, ctx.signal);
      if (!r.ok) return err(r.error);
      return tool.run(r.value.args, { ...ctx, workspace: r.value.workspace });
    },
  };
}

/** A user message through the perimeter's inbound gates, in the daemon's order (src/pipelines.ts). */
export async function inbound(
  p: Perimeter,
  text: string,
  ctx: CallContext,
): Promise<Result<{ text: string; reminder?: string }, BulwarkError>> {
  const g = inboundGates(p);
  const r = await runPipeline(
    [g.admit, g.canonicalise, g.score, g.count, g.act],
    { text, reminders: [] },
    ctx,
    new AbortController().signal,
  );
  if (!r.ok) return r;
  const reminder = r.value.reminders[0];
  return ok({ text: r.value.text, ...(reminder !== undefined ? { reminder } : {}) });
}

/** A tool result through the tool-result gates (L23 → L03 → cap). */
export async function toolResult(
  p: Perimeter,
  text: string,
  ref: { id: string; name: string },
  ctx: CallContext,
  external = true,
): Promise<string> {
  const g = toolResultGates(p);
  const r = await runPipeline([g.sanitize, g.wrap, g.cap], { text, ref, external }, ctx, new AbortController().signal);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.text;
}
