/**
 * L20 receiver: for `POST /v1/hooks/:name`, in order — a configured hook, its rate (verified deliveries per minute:
 * whoever merely knows the URL cannot use it up), the body size, the signature over the raw bytes (src/transport/webhooks/verify.ts) with the secret from the vault
 * and the injectable clock, then the persisted replay cache. Every refusal is audited with its reason
 * (`webhook:rejected`) and answered without it: a sender learns only that the delivery was refused. Refusals have their
 * own allowance (`refusedPerMinute`): past it they are counted, not audited one by one, so a flood of forged
 * deliveries bounds the audit log and never touches the verified budget.
 */
import {
  describeCause,
  type BulwarkError,
  type EventBus,
  type SecurityEvent,
  type GateReport,
  type LayerReporter,
  sha256Hex,
  type Result,
} from '../../core/index.js';
import { durationSeconds, type HookConfig, type HooksConfig } from '../../config/index.js';
import type { ReplayCache } from './replay-cache.js';
import { verifyWebhook, type WebhookDelivery } from './verify.js';

declare module '../../core/events.js' {
  interface EventMap {
    /** A delivery L20 refused: unknown hook, rate, size, signature, window or replay (reason audited, never echoed). */
    'webhook:rejected': SecurityEvent;
    /** A verified delivery, with the hook and the digest of its replay key. */
    'webhook:accepted': SecurityEvent;
  }
}

export interface HookReceiverDeps {
  readonly hooks: HooksConfig;
  /** Reads a hook's signing secret (from the vault, in the hooks' own L07 scope). */
  readonly secret: (name: string) => Result<string, BulwarkError>;
  readonly replay: ReplayCache;
  readonly bus: EventBus;
  /** Milliseconds since the epoch (tests move it). */
  readonly clock?: () => number;
}

export type Reception =
  | { readonly ok: true; readonly name: string; readonly hook: HookConfig; readonly deliveryId: string }
  | {
      readonly ok: false;
      readonly status: 401 | 404 | 413 | 429 | 503;
      readonly message: string;
      readonly reason: string;
    };

const WINDOW_MS = 60_000;

export class HookReceiver implements LayerReporter {
  readonly name = 'webhooks';
  private readonly clock: () => number;
  /** Verified deliveries per hook in the last minute (what `perMinute` limits). */
  private readonly rates = new Map<string, number[]>();
  /** Audited refusals per hook in the last minute, and refusals past that allowance not audited yet. */
  private readonly refusals = new Map<string, { times: number[]; unaudited: number }>();
  /** Refusals past the rate not audited one by one: hook → [window start, count]. */
  private readonly limited = new Map<string, { since: number; count: number }>();

  constructor(private readonly deps: HookReceiverDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  hook(name: string): HookConfig | undefined {
    return Object.hasOwn(this.deps.hooks, name) ? this.deps.hooks[name] : undefined;
  }

  /** Before the body is read: a configured hook (the caller checked) within its rate. */
  admit(name: string, traceId: string): Reception | undefined {
    const hook = this.hook(name);
    if (!hook) return { ok: false, status: 404, reason: 'unknown_hook', message: 'no such hook' };
    const now = this.clock();
    const recent = (this.rates.get(name) ?? []).filter((t) => t > now - WINDOW_MS);
    this.rates.set(name, recent);
    if (recent.length >= hook.perMinute) {
      // One audit line per hook and minute for a flood; the count of the rest goes into the next one.
      const l = this.limited.get(name);
      if (l && l.since > now - WINDOW_MS) {
        l.count += 1;
        return { ok: false, status: 429, reason: 'rate_limited', message: 'too many deliveries; retry later' };
      }
      this.limited.set(name, { since: now, count: 0 });
      return this.refuse(
        name,
        traceId,
        429,
        'rate_limited',
        `more than ${hook.perMinute} verified deliveries in a minute${l && l.count > 0 ? ` (${l.count} more refused in the previous minute)` : ''}`,
        'too many deliveries; retry later',
      );
    }
    return undefined;
  }

  tooLarge(name: string, traceId: string): Reception {
    const hook = this.hook(name);
    return this.refuse(
      name,
      traceId,
      413,
      'body_too_large',
      `the body is larger than ${hook?.maxBodyBytes ?? 0} bytes`,
    );
  }

  async receive(name: string, delivery: WebhookDelivery, traceId: string): Promise<Reception> {
    const hook = this.hook(name);
    if (!hook) return this.refuse(name, traceId, 404, 'unknown_hook', `no hook "${name.slice(0, 64)}" is configured`);
    const secret = this.deps.secret(hook.secret.secret);
    if (!secret.ok)
      return this.refuse(
        name,
        traceId,
        503,
        'secret_unavailable',
        secret.error.message,
        'this hook cannot verify deliveries now',
      );
    const now = this.clock();
    const v = verifyWebhook(hook.provider, delivery, {
      secret: secret.value,
      nowSec: Math.floor(now / 1000),
      toleranceSec: hook.toleranceSec,
    });
    if (!v.valid) return this.refuse(name, traceId, 401, v.reason, v.detail);
    // Only verified deliveries use up the rate: checked again here (admit ran before the body was read) and a slot
    // taken before the replay claim awaits, so concurrent deliveries cannot pass it together; given back if refused.
    const rate = (this.rates.get(name) ?? []).filter((t) => t > now - WINDOW_MS);
    this.rates.set(name, rate);
    if (rate.length >= hook.perMinute)
      return this.refuse(
        name,
        traceId,
        429,
        'rate_limited',
        `more than ${hook.perMinute} verified deliveries in a minute`,
        'too many deliveries; retry later',
      );
    rate.push(now);
    const giveBack = (): void => {
      const current = this.rates.get(name) ?? [];
      const i = current.lastIndexOf(now);
      if (i !== -1) current.splice(i, 1);
    };
    // A signed id is kept past the window; a signature digest (GitHub signs no time) for replayTtl.
    const ttlSec = Math.max(durationSeconds(hook.replayTtl), 2 * hook.toleranceSec + 60);
    let fresh: boolean;
    try {
      fresh = await this.deps.replay.claim(name, v.replayKey, now + ttlSec * 1000, now);
    } catch (cause) {
      giveBack();
      return this.refuse(
        name,
        traceId,
        503,
        'replay_cache_unavailable',
        `the replay cache failed: ${describeCause(cause)}`,
        'deliveries cannot be checked for replay now',
      );
    }
    const deliveryId = sha256Hex(`${name}\n${v.replayKey}`).slice(0, 24);
    if (!fresh) giveBack();
    if (!fresh) return this.refuse(name, traceId, 401, 'replay', `delivery ${deliveryId} was already received`);
    this.deps.bus.emit('webhook:accepted', {
      layer: 'L20',
      outcome: 'accepted',
      traceId,
      sender: `hook:${name}`,
      hook: name,
      provider: hook.provider,
      agentId: hook.agent,
      delivery: deliveryId,
      bytes: delivery.body.length,
    });
    return { ok: true, name, hook, deliveryId };
  }

  /** Forgets expired replay keys (called on a timer). */
  async prune(): Promise<void> {
    await this.deps.replay.prune(this.clock());
  }

  layers(): GateReport[] {
    const names = Object.keys(this.deps.hooks);
    if (names.length === 0) return [{ id: 'L20', state: 'off', reason: 'no hooks configured (hooks: in config.yaml)' }];
    const list = names.map((n) => `${n} (${(this.deps.hooks[n] as HookConfig).provider})`).join(', ');
    return [
      {
        id: 'L20',
        state: 'on',
        reason: `${names.length} hook(s): ${list}; HMAC-SHA256 over the raw body, constant-time compare, signed timestamps within their window, persisted replay cache; deliveries run as external content from a non-owner caller`,
      },
    ];
  }

  private refuse(
    name: string,
    traceId: string,
    status: 401 | 404 | 413 | 429 | 503,
    reason: string,
    detail: string,
    shown = 'the delivery was refused',
  ): Reception {
    const hook = this.hook(name);
    let unaudited = 0;
    if (hook && status !== 429) {
      const now = this.clock();
      const r = this.refusals.get(name) ?? { times: [], unaudited: 0 };
      r.times = r.times.filter((t) => t > now - WINDOW_MS);
      this.refusals.set(name, r);
      if (r.times.length >= hook.refusedPerMinute) {
        r.unaudited += 1;
        return { ok: false, status, reason, message: shown };
      }
      r.times.push(now);
      unaudited = r.unaudited;
      r.unaudited = 0;
    }
    this.deps.bus.emit('webhook:rejected', {
      layer: 'L20',
      outcome: 'rejected',
      traceId,
      sender: `hook:${name.slice(0, 64)}`,
      hook: name.slice(0, 64),
      reason,
      detail,
      status,
      // Refusals past the allowance since the last audited one (counted, not audited one by one).
      ...(unaudited > 0 ? { unaudited } : {}),
    });
    return { ok: false, status, reason, message: shown };
  }
}
