/**
 * Who is asking, in which agent, session and trace: the one context every layer of a turn receives, and the
 * fields of it that go into audit lines.
 */
import { callerKey, type Caller } from './caller.js';
import type { EventContext } from './events.js';
import type { TurnTaint } from './taint.js';

export interface CallContext {
  readonly agentId: string;
  readonly sessionId: string;
  readonly traceId: string;
  readonly caller: Caller;
  /** This turn's taint (set by the agent runtime); absent means tainted to whoever reads it (fail closed). */
  readonly taint?: TurnTaint;
}

/** The audit fields of a call context: agent, session, trace, and the caller as `kind:id` (never a secret). */
export function auditContext(ctx: CallContext): Required<EventContext> {
  return { agentId: ctx.agentId, sessionId: ctx.sessionId, traceId: ctx.traceId, sender: callerKey(ctx.caller) };
}
