/**
 * L02 output guard + L17 canary tokens, wired for the turn loop (TurnHooks: systemPrompt,
 * outputFilter, beforeToolCall) and for callers that hold a whole response (scanText).
 *
 * Every response passes one scan (output-guard-scan.ts): secret formats, known secret values from the
 * leak index, this session's canary and system-prompt overlap. Critical findings are replaced by
 * `[REDACTED]` before delivery; every finding is audited with its pattern id, never its value.
 */
import {
  bulwarkError,
  type BulwarkError,
  auditContext,
  type CallContext,
  type EventBus,
  type SecurityEvent,
  type LayerReporter,
  type LeakScanner,
  err,
  ok,
  type Result,
} from '../core/index.js';
import { BoundedLru, type PatternDef } from '../text/index.js';
import { canaryFor, canaryForms, canaryInstruction, MIN_CANARY_SECRET_BYTES, type CanaryForm } from './canary.js';
import { redact, scanOutput, type OutputFinding, type OutputScan } from './output-guard-scan.js';
import { PromptFingerprint } from './prompt-extraction.js';
import { createStreamGuard, type StreamFilter, type StreamGuardOptions } from './stream-guard.js';
import { checkToolArgs, type ToolCallLike } from './tool-args-guard.js';

declare module '../core/events.js' {
  interface EventMap {
    /** One per finding in a response or tool call: pattern id, kind, severity, action; never the value. */
    'security:output_finding': SecurityEvent;
    /** A canary (this session's or another's) seen in a response or a tool call. */
    'security:canary_leak': SecurityEvent;
  }
}

export interface OutputGuardOptions {
  readonly leakScanner: LeakScanner;
  /** Canary secret from the vault (>= 16 bytes). */
  readonly canarySecret: Buffer;
  /** The agent's system prompt (before the canary is appended); when absent the prompt seen by `systemPrompt` is used. */
  readonly systemPromptFor?: (agentId: string) => string | undefined;
  readonly bus: EventBus;
  /** Secret name → tools allowed to receive that secret's value in their arguments. */
  readonly allowedSecretTools?: Readonly<Record<string, readonly string[]>>;
  readonly stream?: StreamGuardOptions;
  readonly formats?: readonly PatternDef[];
  /** Whole responses longer than this are refused rather than delivered (default 8 MiB). */
  readonly maxResponseChars?: number;
}

export interface OutputGuard extends LayerReporter {
  /** L17 at the prompt boundary: appends this session's canary instruction. */
  systemPrompt(base: string, ctx: CallContext): string;
  /** L02/L17 at the response boundary: stream-safe redaction of one response text stream. */
  outputFilter(ctx: CallContext): StreamFilter;
  /** L02/L17 at the tool-call boundary: refuses calls that carry the canary or a secret the tool is not allowed. */
  checkToolCall(call: ToolCallLike, ctx: CallContext): Result<void, BulwarkError>;
  /** A whole response: redacted text and findings (audited). */
  scanText(text: string, ctx: CallContext): Result<{ text: string; findings: readonly OutputFinding[] }, BulwarkError>;
  /** This session's canary (for tests and the attack drill). */
  canary(sessionId: string): string;
  /** How many entries each per-session cache holds now (for tests and diagnostics). */
  cached(): { readonly canaries: number; readonly prompts: number; readonly fingerprints: number };
}

/**
 * Sessions whose canary matchers stay built. Each holds compiled patterns and a prefilter, about 1 MB of heap
 * and machine code once they have run, and costs tens of milliseconds of CPU to rebuild: enough for the sessions
 * in use, few enough that a daemon serving thousands of sessions does not hold one per session it ever saw.
 */
export const CANARY_SESSIONS = 64;
/** Sessions whose system prompt is remembered (a string the sessions of one agent share). */
const PROMPT_SESSIONS = 1024;
/** Distinct system prompts with a fingerprint; the sessions of an agent share one. */
const FINGERPRINTS = 32;
const SPAN_BASE = 0x4000000;
const one = () => 1;

export function createOutputGuard(options: OutputGuardOptions): OutputGuard {
  if (options.canarySecret.length < MIN_CANARY_SECRET_BYTES) {
    // Wiring error of the composition root, not a runtime input: fail at start.
    throw new RangeError(
      `output guard: the canary secret must be at least ${MIN_CANARY_SECRET_BYTES} bytes (read it from the vault)`,
    );
  }
  const secret = Buffer.from(options.canarySecret);
  const maxResponse = options.maxResponseChars ?? 8 * 1024 * 1024;
  // Least recently used first out: a session's matchers are rebuilt (same HMAC, same forms) when it comes back.
  const canaries = new BoundedLru<{ token: string; forms: CanaryForm[] }>(CANARY_SESSIONS, Infinity);
  const seenPrompts = new BoundedLru<string>(PROMPT_SESSIONS, Infinity);
  // Keyed by the prompt itself: the fingerprint depends on nothing else.
  const fingerprints = new BoundedLru<PromptFingerprint>(FINGERPRINTS, Infinity);

  const canaryOf = (sessionId: string) => {
    const known = canaries.get(sessionId);
    if (known) return known;
    const token = canaryFor(secret, sessionId);
    const made = { token, forms: canaryForms(token) };
    canaries.set(sessionId, made, one);
    return made;
  };

  const fingerprintOf = (ctx: CallContext): PromptFingerprint | undefined => {
    const prompt = options.systemPromptFor?.(ctx.agentId) ?? seenPrompts.get(ctx.sessionId);
    if (!prompt) return undefined;
    const cached = fingerprints.get(prompt);
    if (cached) return cached;
    const fp = new PromptFingerprint(prompt);
    fingerprints.set(prompt, fp, one);
    return fp;
  };

  const scannerFor = (ctx: CallContext): ((text: string, open?: boolean) => OutputScan) => {
    const deps = {
      leakScanner: options.leakScanner,
      canaryForms: canaryOf(ctx.sessionId).forms,
      prompt: fingerprintOf(ctx),
      ...(options.formats ? { formats: options.formats } : {}),
    };
    return (text, open = false) => scanOutput(text, deps, { open });
  };

  /**
   * One event per distinct finding kind in one response or call (layer, pattern, severity, encoding, secret
   * name), with `count` when it was found more than once: a hostile answer with 20,000 matches of one format
   * is one audit line, not 20,000 (the audit log is no place to flood).
   */
  const audit = (
    findings: readonly OutputFinding[],
    ctx: CallContext,
    where: 'response' | 'tool_call',
    tool?: string,
    refused = false,
  ) => {
    if (findings.length === 0) return;
    // A finding is counted once per pattern, encoding and span; a group is a pattern, kind, severity, encoding and
    // secret name. Both are looked up without a string key per finding (a hostile answer brings tens of thousands).
    const seen = new Map<string, Map<string, Set<number | string>>>();
    const groups = new Map<string, Array<{ finding: OutputFinding; count: number }>>();
    const order: Array<{ finding: OutputFinding; count: number }> = [];
    for (const f of findings) {
      const encoding = f.encoding ?? '';
      let byEncoding = seen.get(f.patternId);
      if (!byEncoding) seen.set(f.patternId, (byEncoding = new Map()));
      let spans = byEncoding.get(encoding);
      if (!spans) byEncoding.set(encoding, (spans = new Set()));
      // start * 2^26 + end names one span exactly while both are below 2^26 in magnitude (the default response
      // limit is 2^23); beyond, a string does.
      const span =
        Math.abs(f.start) < SPAN_BASE && Math.abs(f.end) < SPAN_BASE
          ? f.start * SPAN_BASE + f.end
          : `${f.start}:${f.end}`;
      if (spans.has(span)) continue;
      spans.add(span);
      let list = groups.get(f.patternId);
      if (!list) groups.set(f.patternId, (list = []));
      const known = list.find(
        (g) =>
          g.finding.kind === f.kind &&
          g.finding.severity === f.severity &&
          (g.finding.encoding ?? '') === encoding &&
          g.finding.secretName === f.secretName,
      );
      if (known) known.count++;
      else {
        const group = { finding: f, count: 1 };
        list.push(group);
        order.push(group);
      }
    }
    const context = auditContext(ctx);
    for (const { finding: f, count } of order) {
      const layer = f.kind === 'canary' ? 'L17' : 'L02';
      const action =
        where === 'tool_call' ? (refused ? 'refused' : 'audited') : f.severity === 'critical' ? 'redacted' : 'audited';
      // Written field by field: a literal that spreads `context` and then adds fields cost V8 about 10 µs per
      // event (a dictionary-mode object), most of a 10 KB response's audit.
      const payload: Record<string, unknown> = {
        agentId: context.agentId,
        sessionId: context.sessionId,
        traceId: context.traceId,
        sender: context.sender,
        layer,
        outcome: action,
        where,
        patternId: f.patternId,
        kind: f.kind,
        severity: f.severity,
      };
      if (f.encoding) payload['encoding'] = f.encoding;
      if (f.secretName) payload['secretName'] = f.secretName;
      if (tool) payload['tool'] = tool;
      if (count > 1) payload['count'] = count;
      options.bus.emit('security:output_finding', payload);
      if (f.kind === 'canary') {
        const leak = Object.assign({}, payload);
        leak['reason'] =
          `canary token (${f.encoding ?? 'raw'}) in ${where === 'tool_call' ? 'tool call arguments' : 'a response'}`;
        options.bus.emit('security:canary_leak', leak);
      }
    }
  };

  const allowed = (secretName: string, tool: string) =>
    options.allowedSecretTools?.[secretName]?.includes(tool) ?? false;

  return {
    systemPrompt(base, ctx) {
      seenPrompts.set(ctx.sessionId, base, one);
      return base + canaryInstruction(canaryOf(ctx.sessionId).token);
    },

    outputFilter(ctx) {
      return createStreamGuard(scannerFor(ctx), (f) => audit(f, ctx, 'response'), options.stream);
    },

    name: 'output-guard',

    layers: () => [
      {
        id: 'L02',
        state: 'on',
        reason:
          'every response (streamed too), error text and tool-call argument scanned for secret formats, known values and prompt extraction; critical findings redacted',
      },
      {
        id: 'L17',
        state: 'on',
        reason:
          'per-session HMAC canary (key kept in the vault) in the system prompt; a leak is redacted and audited, a tool call carrying it refused',
      },
    ],

    checkToolCall(call, ctx) {
      const r = checkToolArgs(call, scannerFor(ctx), allowed);
      if (r.ok) {
        audit(r.value.findings, ctx, 'tool_call', call.name);
        return ok(undefined);
      }
      audit(r.error.findings, ctx, 'tool_call', call.name, true);
      options.bus.emit('tool:denied', {
        ...auditContext(ctx),
        layer: r.error.layer ?? 'L02',
        outcome: 'refused',
        reason: r.error.code,
        tool: call.name,
      });
      const { findings: _f, ...error } = r.error;
      return err(error);
    },

    scanText(text, ctx) {
      if (text.length > maxResponse) {
        return err(
          bulwarkError(
            'output.too_large',
            `response of ${text.length} characters exceeds the output guard's limit of ${maxResponse}; it is not delivered (raise output.maxResponseChars if this is expected)`,
            { layer: 'L02', status: 502 },
          ),
        );
      }
      const r = scannerFor(ctx)(text);
      audit(r.findings, ctx, 'response');
      return ok({ text: redact(text, r.findings), findings: r.findings });
    },

    canary(sessionId) {
      return canaryOf(sessionId).token;
    },

    cached: () => ({ canaries: canaries.size, prompts: seenPrompts.size, fingerprints: fingerprints.size }),
  };
}

export { canaryFor } from './canary.js';
