/**
 * Plays the scenarios' model turns for the hostile provider: for each drilled agent, the exchange that is running,
 * which of its turns comes next, and every request the daemon sent (what the judge later searches for decoys).
 * Placeholders in a turn are filled from that request — the canary and system prompt the daemon sent, the last
 * tool result, the request headers — and from what an attacker on the host could know (paths, addresses).
 */
import { textOf, type ProviderReply, type ProviderRequest } from './hostile-provider.js';
import type { ModelTurn } from './scenario.js';
import { fillTemplate, type Lookup } from './transforms.js';

const CANARY = /CTKN[_-]?[0-9a-f]{16}/i;
const CANARY_SENTENCE = /\s*\[Security marker: [^\]]*\]/g;
const DONE: ModelTurn = { say: 'Done.', repeat: false };

export interface SeenRequest {
  readonly agent: string;
  /** The exchange it belongs to, or `probe`. */
  readonly exchange: number | 'probe' | 'none';
  readonly at: number;
  /** Every text the daemon sent in it (message contents, tool results, tool-call arguments), joined. */
  readonly text: string;
  readonly canary?: string;
  readonly billed: number;
}

interface Running {
  readonly exchange: number | 'probe';
  readonly turns: readonly ModelTurn[];
  served: number;
  readonly world: Lookup;
}

function headerValue(request: ProviderRequest, name: string): string {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/** Every text of the request body as the daemon sent it, in order (contents and tool-call arguments). */
function requestText(request: ProviderRequest): string {
  const parts: string[] = [];
  for (const m of request.messages) {
    parts.push(textOf(m.content));
    if (Array.isArray(m.tool_calls))
      for (const c of m.tool_calls as Array<{ function?: { arguments?: unknown } }>)
        if (typeof c.function?.arguments === 'string') parts.push(c.function.arguments);
  }
  return parts.join('\n');
}

function lastOf(request: ProviderRequest, role: string): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i];
    if (m?.role === role) return textOf(m.content);
  }
  return '';
}

/** What a placeholder means in this request. */
function requestLookup(request: ProviderRequest, world: Lookup): Lookup {
  return (name) => {
    switch (name) {
      case 'canary':
        return CANARY.exec(request.system)?.[0] ?? '';
      case 'system':
        return request.system;
      case 'prompt':
        return request.system.replace(CANARY_SENTENCE, '');
      case 'lastToolResult':
        return lastOf(request, 'tool');
      case 'lastUser':
        return lastOf(request, 'user');
      case 'apiKey':
        return headerValue(request, 'authorization').replace(/^Bearer\s+/i, '');
      default:
        if (name.startsWith('header:')) return headerValue(request, name.slice('header:'.length));
        return world(name);
    }
  };
}

function fillDeep(value: unknown, lookup: Lookup): unknown {
  if (typeof value === 'string') {
    const r = fillTemplate(value, lookup);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, lookup));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, lookup)]));
  return value;
}

function argumentsText(args: unknown, lookup: Lookup): string {
  if (typeof args === 'string') return fillDeep(args, lookup) as string;
  return JSON.stringify(fillDeep(args ?? {}, lookup));
}

const estimate = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export class Director {
  private readonly running = new Map<string, Running>();
  private readonly seen: SeenRequest[] = [];
  /** A failure to play a turn (a transform that could not apply): the scenario errs, it does not pass. */
  private readonly failures = new Map<string, string>();

  begin(agent: string, exchange: number | 'probe', turns: readonly ModelTurn[], world: Lookup): void {
    this.running.set(agent, { exchange, turns, served: 0, world });
  }

  end(agent: string): void {
    this.running.delete(agent);
  }

  /** Requests of one agent since `since` (ms). */
  requests(agent: string, since = 0): SeenRequest[] {
    return this.seen.filter((r) => r.agent === agent && r.at >= since);
  }

  failure(agent: string): string | undefined {
    return this.failures.get(agent);
  }

  readonly direct = (request: ProviderRequest): ProviderReply => {
    const run = this.running.get(request.agent);
    const canary = CANARY.exec(request.system)?.[0];
    const record = (billed: number) =>
      this.seen.push({
        agent: request.agent,
        exchange: run?.exchange ?? 'none',
        at: Date.now(),
        text: requestText(request),
        ...(canary ? { canary } : {}),
        billed,
      });
    if (!run) {
      const usage = { input: estimate(request.raw), output: 1 };
      record(usage.input + usage.output);
      return { text: 'Done.', usage };
    }
    const last = run.turns[run.turns.length - 1];
    const turn = run.turns[run.served] ?? (last?.repeat === true ? last : DONE);
    run.served += 1;
    try {
      const lookup = requestLookup(request, run.world);
      const text = turn.say !== undefined ? (fillDeep(turn.say, lookup) as string) : undefined;
      const calls = [
        ...(turn.call !== undefined ? [{ tool: turn.call, args: turn.args ?? {} }] : []),
        ...(turn.calls ?? []),
      ].map((c) => ({ name: c.tool, arguments: argumentsText(c.args, lookup) }));
      const usage = turn.usage ?? {
        input: estimate(request.raw),
        output: estimate((text ?? '') + calls.map((c) => c.arguments).join('')),
      };
      record(usage.input + usage.output);
      return { ...(text !== undefined ? { text } : {}), ...(calls.length ? { toolCalls: calls } : {}), usage };
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : 'unknown error';
      this.failures.set(request.agent, `model turn ${run.served - 1} of exchange ${run.exchange}: ${message}`);
      record(0);
      return { usage: { input: 0, output: 0 }, error: { status: 500, message: `drill: ${message}` } };
    }
  };
}
