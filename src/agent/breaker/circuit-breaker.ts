/**
 * L22 circuit breaker per provider + model.
 *   closed   → open      after N consecutive failures (errors, or calls slower than latencyMs —
 *                        a call still hanging past latencyMs counts as soon as anyone asks)
 *   open     → half-open after the cooldown; until then calls go to fallbackModel (when configured and
 *                        its own breaker lets them) or fail at once with the fallback message
 *   half-open → closed   after enough successful probes (one probe at a time); a failed probe re-opens
 */
import {
  bulwarkError,
  type BulwarkError,
  type EventBus,
  type EventContext,
  err,
  ok,
  type Result,
} from '../../core/index.js';
import type { BreakerConfig } from '../../config/index.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerTicket {
  readonly id: number;
  readonly key: string;
  readonly startedAt: number;
  readonly probe: boolean;
}

export interface BreakerStatus {
  readonly key: string;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  readonly openedAt?: string;
  readonly retryAt?: string;
  readonly timesOpened: number;
  readonly inflight: number;
}

interface Circuit {
  readonly key: string;
  readonly provider: string;
  readonly model: string;
  state: BreakerState;
  failures: number;
  probeSuccesses: number;
  openedAt: number;
  probeInFlight: boolean;
  timesOpened: number;
  readonly inflight: Map<number, { startedAt: number; counted: boolean }>;
}

export interface CircuitBreakersOptions {
  readonly bus: EventBus;
  readonly config: (provider: string, model: string) => BreakerConfig;
  readonly clock?: () => number;
}

export function breakerKey(provider: string, model: string): string {
  return `${provider}/${model}`;
}

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly clock: () => number;
  private nextId = 1;

  constructor(private readonly opts: CircuitBreakersOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  acquire(provider: string, model: string, ctx: EventContext = {}): Result<BreakerTicket, BulwarkError> {
    const c = this.circuit(provider, model);
    const cfg = this.opts.config(provider, model);
    const now = this.clock();
    for (const call of c.inflight.values()) {
      if (!call.counted && now - call.startedAt > cfg.latencyMs) {
        call.counted = true;
        this.failure(c, cfg, now, ctx, `a call has been waiting more than ${cfg.latencyMs} ms`);
      }
    }
    if (c.state === 'open') {
      if (now - c.openedAt < cfg.cooldownMs) return this.refuse(c, cfg, now);
      this.transition(c, 'half-open', ctx, 'cooldown over: letting one probe through');
    }
    let probe = false;
    if (c.state === 'half-open') {
      if (c.probeInFlight) return this.refuse(c, cfg, now);
      c.probeInFlight = true;
      probe = true;
    }
    const ticket: BreakerTicket = { id: this.nextId++, key: c.key, startedAt: now, probe };
    c.inflight.set(ticket.id, { startedAt: now, counted: false });
    return ok(ticket);
  }

  report(ticket: BreakerTicket, outcome: { ok: boolean; latencyMs: number }, ctx: EventContext = {}): void {
    const c = this.circuits.get(ticket.key);
    if (!c) return;
    const call = c.inflight.get(ticket.id);
    if (!call) return;
    c.inflight.delete(ticket.id);
    if (ticket.probe) c.probeInFlight = false;
    if (call.counted) return;
    const cfg = this.opts.config(c.provider, c.model);
    const now = this.clock();
    const latency = Math.max(Number.isFinite(outcome.latencyMs) ? outcome.latencyMs : 0, now - call.startedAt);
    if (!outcome.ok || latency > cfg.latencyMs) {
      this.failure(
        c,
        cfg,
        now,
        ctx,
        outcome.ok ? `call took ${Math.round(latency)} ms (limit ${cfg.latencyMs} ms)` : 'provider call failed',
      );
      return;
    }
    if (c.state === 'half-open') {
      c.probeSuccesses += 1;
      if (c.probeSuccesses >= cfg.halfOpenSuccesses) {
        c.failures = 0;
        this.transition(c, 'closed', ctx, 'probe succeeded');
      }
      return;
    }
    c.failures = 0;
  }

  /** The caller cancelled (user abort, turn timeout): the call says nothing about the provider's health. */
  release(ticket: BreakerTicket): void {
    const c = this.circuits.get(ticket.key);
    if (!c || !c.inflight.delete(ticket.id)) return;
    if (ticket.probe) c.probeInFlight = false;
  }

  status(): BreakerStatus[] {
    return [...this.circuits.values()].map((c) => {
      const cfg = this.opts.config(c.provider, c.model);
      return {
        key: c.key,
        state: c.state,
        consecutiveFailures: c.failures,
        timesOpened: c.timesOpened,
        inflight: c.inflight.size,
        ...(c.state !== 'closed'
          ? {
              openedAt: new Date(c.openedAt).toISOString(),
              retryAt: new Date(c.openedAt + cfg.cooldownMs).toISOString(),
            }
          : {}),
      };
    });
  }

  /** The configured fallback for this provider + model, unless it is the model itself. */
  fallbackFor(provider: string, model: string): string | undefined {
    const fallback = this.opts.config(provider, model).fallbackModel;
    return fallback !== undefined && fallback !== model ? fallback : undefined;
  }

  state(provider: string, model: string): BreakerState {
    return this.circuits.get(breakerKey(provider, model))?.state ?? 'closed';
  }

  private circuit(provider: string, model: string): Circuit {
    const key = breakerKey(provider, model);
    let c = this.circuits.get(key);
    if (!c) {
      c = {
        key,
        provider,
        model,
        state: 'closed',
        failures: 0,
        probeSuccesses: 0,
        openedAt: 0,
        probeInFlight: false,
        timesOpened: 0,
        inflight: new Map(),
      };
      this.circuits.set(key, c);
    }
    return c;
  }

  private failure(c: Circuit, cfg: BreakerConfig, now: number, ctx: EventContext, why: string): void {
    c.failures += 1;
    if (c.state === 'half-open' || (c.state === 'closed' && c.failures >= cfg.failureThreshold)) {
      c.openedAt = now;
      c.timesOpened += 1;
      this.transition(c, 'open', ctx, `${why}; ${c.failures} consecutive failure(s)`);
    }
  }

  private transition(c: Circuit, to: BreakerState, ctx: EventContext, reason: string): void {
    c.state = to;
    c.probeSuccesses = 0;
    if (to !== 'half-open') c.probeInFlight = false;
    this.opts.bus.emit('security:warning', { ...ctx, layer: 'L22', outcome: `breaker-${to}`, reason, breaker: c.key });
  }

  private refuse(c: Circuit, cfg: BreakerConfig, now: number): Result<never, BulwarkError> {
    const retryMs = Math.max(0, c.openedAt + cfg.cooldownMs - now);
    const message =
      cfg.fallbackMessage ??
      `The model ${c.model} (provider ${c.provider}) is unavailable right now: ${c.failures} consecutive failures opened the circuit breaker (L22). Try again in ${Math.ceil(retryMs / 1000)} s.`;
    return err(
      bulwarkError('breaker.open', message, {
        layer: 'L22',
        status: 503,
        details: {
          breaker: c.key,
          state: c.state,
          retryAfterMs: retryMs,
          ...(cfg.fallbackModel ? { fallbackModel: cfg.fallbackModel } : {}),
        },
      }),
    );
  }
}
