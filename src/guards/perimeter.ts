/**
 * The perimeter pipeline for TurnHooks: inbound text goes L05 admission → L04 canonicalise → L01
 * input guard → L05 detection count; tool results go through L23 (which wraps with L03). Every
 * decision is audited on the event bus with its layer id, score and finding ids — never the text.
 */
import { bulwarkError, type BulwarkError } from '../core/errors.js';
import type { EventBus, SecurityEvent } from '../core/events.js';
import { err, ok, type Result } from '../core/result.js';
import { createInputGuard, SECURITY_REMINDER, type InputVerdict } from './input-guard.js';
import { InjectionRateLimiter } from './rate-limiter.js';
import { sanitizeWithConfig } from './tool-output.js';
import { canonicalise } from '../text/canonical.js';
import { PerimeterConfigSchema, type PerimeterConfig } from './perimeter-config.js';

declare module '../core/events.js' {
  interface EventMap {
    /** L04 removed invisible characters from inbound text. */
    'security:stripped': SecurityEvent;
    /** L05: a sender crossed the warn/audit/limit threshold of detections in the window. */
    'security:injection_rate': SecurityEvent;
    /** L23: a tool result was flagged or truncated. */
    'security:tool_output': SecurityEvent;
  }
}

/** The subset of TurnContext the perimeter needs (structurally compatible with agent/types TurnContext). */
export interface PerimeterContext {
  readonly agentId: string;
  readonly sessionId: string;
  readonly traceId: string;
  readonly sender: string;
}

export interface PerimeterToolCall {
  readonly id: string;
  readonly name: string;
}

export interface Perimeter {
  inbound(text: string, ctx: PerimeterContext): Result<{ text: string; reminder?: string }, BulwarkError>;
  toolResult(text: string, call: PerimeterToolCall, ctx: PerimeterContext): string;
  /** The last verdict is not kept; `assess` exposes the L01 verdict for CLI/eval use. */
  assess(text: string): InputVerdict;
}

const base = (ctx: PerimeterContext) => ({
  agentId: ctx.agentId,
  sessionId: ctx.sessionId,
  traceId: ctx.traceId,
  sender: ctx.sender,
});
const ids = (v: { findings: ReadonlyArray<{ id: string }> }) => [...new Set(v.findings.map((f) => f.id))].slice(0, 20);

/**
 * `config` is the parsed `guards` section (other guards' keys are ignored) or any part of it;
 * missing parts take their defaults.
 */
export function createPerimeter(config: Partial<PerimeterConfig> | undefined, bus: EventBus): Perimeter {
  const cfg = PerimeterConfigSchema.parse({
    input: config?.input,
    rateLimit: config?.rateLimit,
    toolOutput: config?.toolOutput,
  });
  const guard = createInputGuard(cfg.input);
  const limiter = new InjectionRateLimiter(cfg.rateLimit);

  function inbound(text: string, ctx: PerimeterContext): Result<{ text: string; reminder?: string }, BulwarkError> {
    if (cfg.rateLimit.enabled) {
      const admission = limiter.admit(ctx.sender);
      if (!admission.allowed) {
        bus.emit('security:blocked', {
          ...base(ctx),
          layer: 'L05',
          outcome: 'rate_limited',
          reason: `${admission.count} injection detections in the window`,
          retryAfterMs: admission.retryAfterMs,
        });
        return err(
          bulwarkError(
            'input.rate_limited',
            `Too many suspected prompt injections from this sender; retry in ${Math.ceil(admission.retryAfterMs / 1000)} s.`,
            {
              layer: 'L05',
              status: 429,
              details: { retryAfterMs: admission.retryAfterMs, detections: admission.count },
            },
          ),
        );
      }
    }
    if (!cfg.input.enabled) return ok({ text: canonicalise(text).text }); // L04 stays on without L01
    const v = guard.assess(text);
    if (v.canonical.stripped.total > 0) {
      bus.emit('security:stripped', { ...base(ctx), layer: 'L04', outcome: 'stripped', ...v.canonical.stripped });
    }
    if (v.risk !== 'low' && cfg.rateLimit.enabled) {
      const state = limiter.record(ctx.sender);
      if (state.crossed) {
        const type = state.level === 'warn' ? 'security:warning' : 'security:injection_rate';
        bus.emit(type, {
          ...base(ctx),
          layer: 'L05',
          outcome: state.level,
          reason: `${state.count} injection detections in the window`,
        });
      }
    }
    const event = {
      ...base(ctx),
      layer: 'L01' as const,
      risk: v.risk,
      score: Number(v.score.toFixed(3)),
      findings: ids(v),
    };
    switch (v.action) {
      case 'pass':
        return ok({ text: v.canonical.text });
      case 'warn':
        bus.emit('security:warning', { ...event, outcome: 'warned' });
        return ok({ text: v.canonical.text });
      case 'reinforce':
        bus.emit('security:warning', { ...event, outcome: 'reinforced' });
        return ok({ text: v.canonical.text, reminder: SECURITY_REMINDER });
      case 'block':
        bus.emit('security:blocked', {
          ...event,
          outcome: 'blocked',
          reason: v.oversize ? 'input too long' : 'prompt injection',
        });
        return err(
          bulwarkError(
            'input.blocked',
            v.oversize
              ? `Message refused: it is longer than ${cfg.input.maxChars} characters (guards.input.maxChars).`
              : 'Message refused: it looks like a prompt-injection or jailbreak attempt. Rephrase the request without instructions aimed at the assistant itself.',
            {
              layer: 'L01',
              status: 400,
              details: { risk: v.risk, score: event.score, findings: event.findings },
            },
          ),
        );
    }
  }

  function toolResult(text: string, call: PerimeterToolCall, ctx: PerimeterContext): string {
    if (!cfg.toolOutput.enabled) return text;
    const r = sanitizeWithConfig(text, `tool:${call.name}`, cfg.toolOutput);
    if (r.flagged || r.truncated || r.neutralised.length > 0) {
      bus.emit('security:tool_output', {
        ...base(ctx),
        layer: 'L23',
        outcome: r.flagged ? 'flagged' : r.truncated ? 'truncated' : 'neutralised',
        tool: call.name,
        toolCallId: call.id,
        score: Number(r.score.toFixed(3)),
        findings: ids(r),
        neutralised: r.neutralised.slice(0, 20),
        originalChars: r.originalChars,
      });
    }
    return r.text;
  }

  return { inbound, toolResult, assess: (t) => guard.assess(t) };
}
