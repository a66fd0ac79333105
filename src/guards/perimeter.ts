/**
 * The perimeter's steps, each one layer, for the inbound and tool-result boundaries (the composition root puts
 * them in order, src/pipelines.ts): L05 admission → L04 canonicalise → L01 score → L05 count → L01 act on user
 * text; L23 sanitise → L03 wrap on tool results. Every decision is audited on the event bus with its layer id,
 * score and finding ids — never the text.
 */
import {
  callerKey,
  auditContext,
  type Caller,
  type CallContext,
  bulwarkError,
  type BulwarkError,
  type EventBus,
  type SecurityEvent,
  type GateReport,
  type LayerReporter,
  err,
  ok,
  type Result,
} from '../core/index.js';
import { canonicalise } from '../text/index.js';
import {
  PerimeterConfigSchema,
  type AgentInputPolicy,
  type InputAction,
  type InputActions,
  type PerimeterConfig,
} from '../config/index.js';
import { createInputGuard, type InputVerdict } from './input-guard.js';
import { reminderFor, roleRisk, type InboundRole } from './inbound-role.js';
import { InjectionRateLimiter } from './rate-limiter.js';
import { sanitizeOnly, wrapSanitized } from './tool-output.js';

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

/** Which tool result: bulwark's call id and the shown tool name (never the model's id or an unknown name). */
export interface ToolResultRef {
  readonly id: string;
  readonly name: string;
}

export interface SanitizedResult {
  readonly text: string;
  /** Set when the content looks like instructions: L03 shows it in its header. */
  readonly warning?: string;
}

export interface Perimeter extends LayerReporter {
  /**
   * L05: a sender past the detection limit is throttled before anything else looks at the text — unless it is the
   * owner and the owner's policy never blocks: then the reminder and an audit line, as L01 does for the owner.
   */
  admit(ctx: CallContext): Result<{ reminder?: string }, BulwarkError>;
  /** L04: NFKC and invisible characters out; what the model and every later layer see. */
  canonicalise(text: string, ctx: CallContext): string;
  /** L01: the verdict on canonical text, its risk judged for the message's role; undefined when the guard is off. */
  score(text: string, role?: InboundRole): InputVerdict | undefined;
  /**
   * L05: a medium or high verdict counts against its sender — once per `message` key (role, position, content)
   * inside the window, so a resent history is not counted again.
   */
  count(verdict: InputVerdict, ctx: CallContext, message?: string): void;
  /** L01: the verdict's action — pass, warn, reinforce (a reminder for the system prompt) or block. */
  act(verdict: InputVerdict, ctx: CallContext, role?: InboundRole): Result<{ reminder?: string }, BulwarkError>;
  /** L23: canonicalise, flag instruction-like text, neutralise spoofed frames, truncate at a newline. */
  sanitizeToolResult(text: string, ref: ToolResultRef, ctx: CallContext): SanitizedResult;
  /** L03: frame external content (or every result with `wrap: always`) in a random boundary with a header. */
  wrapToolResult(result: SanitizedResult, ref: ToolResultRef, external: boolean): string;
  /** The L01 verdict on raw text, for the CLI and the scorecard. */
  assess(text: string): InputVerdict;
}

const ids = (v: { findings: ReadonlyArray<{ id: string }> }) => [...new Set(v.findings.map((f) => f.id))].slice(0, 20);

/**
 * `config` is the parsed `guards` section (other guards' keys are ignored) or any part of it;
 * missing parts take their defaults.
 */
export function createPerimeter(
  config: Partial<PerimeterConfig> | undefined,
  bus: EventBus,
  /** Per-agent input policy (agents[].input): overrides guards.input's actions for that agent. */
  agentPolicy: (agentId: string) => AgentInputPolicy | undefined = () => undefined,
  /** Per-source input policy (channels.*.input, hooks.*.input): overrides the agent's and guards.input's. */
  sourcePolicy: (caller: Caller) => AgentInputPolicy | undefined = () => undefined,
): Perimeter {
  const cfg = PerimeterConfigSchema.parse({
    input: config?.input,
    rateLimit: config?.rateLimit,
    toolOutput: config?.toolOutput,
  });
  const guard = createInputGuard(cfg.input);
  const limiter = new InjectionRateLimiter(cfg.rateLimit);

  /** The action table for this caller: its source's, else its agent's, else guards.input's. */
  function tableFor(ctx: CallContext): InputActions {
    const src = sourcePolicy(ctx.caller);
    const own = agentPolicy(ctx.agentId);
    return ctx.caller.owner
      ? (src?.ownerActions ?? own?.ownerActions ?? cfg.input.ownerActions)
      : (src?.actions ?? own?.actions ?? cfg.input.actions);
  }

  function admit(ctx: CallContext): Result<{ reminder?: string }, BulwarkError> {
    if (!cfg.rateLimit.enabled) return ok({});
    const admission = limiter.admit(callerKey(ctx.caller));
    if (admission.allowed) return ok({});
    if (ctx.caller.owner && tableFor(ctx).high !== 'block') {
      bus.emit('security:injection_rate', {
        ...auditContext(ctx),
        layer: 'L05',
        outcome: 'reinforced',
        reason: `${admission.count} injection detections in the window; the owner is not locked out (ownerActions)`,
        owner: true,
      });
      return ok({ reminder: reminderFor('user', true) });
    }
    bus.emit('security:blocked', {
      ...auditContext(ctx),
      layer: 'L05',
      outcome: 'rate_limited',
      reason: `${admission.count} injection detections in the window`,
      retryAfterMs: admission.retryAfterMs,
    });
    return err(
      bulwarkError(
        'input.rate_limited',
        `Too many suspected prompt injections from this sender; retry in ${Math.ceil(admission.retryAfterMs / 1000)} s.`,
        { layer: 'L05', status: 429, details: { retryAfterMs: admission.retryAfterMs, detections: admission.count } },
      ),
    );
  }

  function canonicaliseInbound(text: string, ctx: CallContext): string {
    const c = canonicalise(text);
    if (c.stripped.total > 0)
      bus.emit('security:stripped', { ...auditContext(ctx), layer: 'L04', outcome: 'stripped', ...c.stripped });
    return c.text;
  }

  function count(v: InputVerdict, ctx: CallContext, message?: string): void {
    if (v.risk === 'low' || !cfg.rateLimit.enabled) return;
    const state = limiter.record(callerKey(ctx.caller), message);
    if (!state.crossed) return;
    const type = state.level === 'warn' ? 'security:warning' : 'security:injection_rate';
    bus.emit(type, {
      ...auditContext(ctx),
      layer: 'L05',
      outcome: state.level,
      reason: `${state.count} injection detections in the window`,
    });
  }

  /**
   * Owner or stranger: the owner's own messages follow `ownerActions` (by default never refused: high risk gets the
   * reminder and an audit line); everyone else's follow `actions`. Too long is refused for everyone (a size limit).
   */
  function actionFor(v: InputVerdict, ctx: CallContext): InputAction {
    if (v.oversize) return 'block';
    return tableFor(ctx)[v.risk];
  }

  function act(
    v: InputVerdict,
    ctx: CallContext,
    role: InboundRole = 'user',
  ): Result<{ reminder?: string }, BulwarkError> {
    const event = {
      ...auditContext(ctx),
      layer: 'L01' as const,
      risk: v.risk,
      score: Number(v.score.toFixed(3)),
      findings: ids(v),
      owner: ctx.caller.owner,
      role,
    };
    switch (actionFor(v, ctx)) {
      case 'pass':
        return ok({});
      case 'warn':
        bus.emit('security:warning', { ...event, outcome: 'warned' });
        return ok({});
      case 'reinforce':
        bus.emit('security:warning', { ...event, outcome: 'reinforced' });
        return ok({ reminder: reminderFor(role, ctx.caller.owner) });
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
              : role === 'instructions'
                ? "The client's system/developer instructions were refused: they aim at the operator's instructions, prompt or secrets. Remove that part; the client's own instructions (format, persona, tone) are accepted."
                : 'Message refused: it looks like a prompt-injection or jailbreak attempt. Rephrase the request without instructions aimed at the assistant itself.',
            { layer: 'L01', status: 400, details: { risk: v.risk, score: event.score, findings: event.findings } },
          ),
        );
    }
  }

  function sanitizeToolResult(text: string, ref: ToolResultRef, ctx: CallContext): SanitizedResult {
    if (!cfg.toolOutput.enabled) return { text };
    const r = sanitizeOnly(text, cfg.toolOutput);
    if (r.flagged || r.truncated || r.neutralised.length > 0) {
      bus.emit('security:tool_output', {
        ...auditContext(ctx),
        layer: 'L23',
        outcome: r.flagged ? 'flagged' : r.truncated ? 'truncated' : 'neutralised',
        tool: ref.name,
        toolCallId: ref.id,
        score: Number(r.score.toFixed(3)),
        findings: ids(r),
        neutralised: r.neutralised.slice(0, 20),
        originalChars: r.originalChars,
      });
    }
    return { text: r.text, ...(r.warning !== undefined ? { warning: r.warning } : {}) };
  }

  function wrapToolResult(result: SanitizedResult, ref: ToolResultRef, external: boolean): string {
    return wrapSanitized(result, `tool:${ref.name}`, external || cfg.toolOutput.wrap === 'always');
  }

  function layers(): GateReport[] {
    const input = cfg.input.enabled;
    const rate = cfg.rateLimit.enabled;
    const out = cfg.toolOutput.enabled;
    return [
      input
        ? {
            id: 'L01',
            state: 'on',
            reason: `inbound text scored for injection and jailbreaks; actions low ${cfg.input.actions.low}, medium ${cfg.input.actions.medium}, high ${cfg.input.actions.high}`,
          }
        : { id: 'L01', state: 'off', reason: 'guards.input.enabled is false' },
      {
        id: 'L03',
        state: 'on',
        reason:
          cfg.toolOutput.wrap === 'always'
            ? 'every tool result wrapped in a per-call random boundary (wrap: always)'
            : 'results of tools whose output comes from outside wrapped in a per-call random boundary with a warning header',
      },
      { id: 'L04', state: 'on', reason: 'invisible and bidi characters stripped, NFKC, before any detector' },
      rate
        ? {
            id: 'L05',
            state: 'on',
            reason: `per-caller sliding window of injection detections: warn ${cfg.rateLimit.warnAt}, audit ${cfg.rateLimit.auditAt}, ${cfg.rateLimit.action} at ${cfg.rateLimit.limitAt}`,
          }
        : { id: 'L05', state: 'off', reason: 'guards.rateLimit.enabled is false' },
      out
        ? {
            id: 'L23',
            state: 'on',
            reason: `tool results canonicalised, scanned for instructions and truncated at ${cfg.toolOutput.maxChars} characters before the model sees them`,
          }
        : { id: 'L23', state: 'off', reason: 'guards.toolOutput.enabled is false' },
    ];
  }

  return {
    name: 'perimeter',
    layers,
    admit,
    canonicalise: canonicaliseInbound,
    score: (text, role = 'user') => {
      if (!cfg.input.enabled) return undefined;
      const v = guard.assess(text);
      const risk = v.oversize ? v.risk : roleRisk(role, v.risk, v.findings);
      return risk === v.risk ? v : { ...v, risk };
    },
    count,
    act,
    sanitizeToolResult,
    wrapToolResult,
    assess: (t) => guard.assess(t),
  };
}
