/**
 * L05 injection rate limiter: per sender, a sliding window of detections. Warn at `warnAt`, audit at
 * `auditAt`, and from `limitAt` throttle or block the sender until the window clears. Memory is bounded:
 * senders whose window is empty are evicted (TTL) and at most `maxSenders` are tracked, the least
 * recently active evicted first, so a flood of fresh identities cannot grow the table.
 *
 * A detection may carry the key of the message it was made on (role, position and content): a key already counted
 * for the sender inside the window is not counted again. Stateless clients (the openai SDK, LangChain, Open WebUI)
 * resend the whole conversation with every request; one quoted injection early in it is one detection, not one
 * per later turn.
 */
import { RateLimitConfigSchema, type RateLimitConfig } from '../config/index.js';

export type RateLevel = 'ok' | 'warn' | 'audit' | 'limited';

export interface RateState {
  /** Detections of this sender inside the window (after recording, for `record`). */
  readonly count: number;
  readonly level: RateLevel;
  /** True exactly when this detection crossed a threshold (warnAt, auditAt or limitAt). */
  readonly crossed: boolean;
}

export interface Admission {
  readonly allowed: boolean;
  readonly count: number;
  readonly retryAfterMs: number;
}

interface Entry {
  times: number[];
  lastAdmitted: number;
  /** Message keys counted inside the window, with the time they were counted (insertion order is time order). */
  seen: Map<string, number>;
}

const MAX_TIMES_PER_SENDER = 1000;

export class InjectionRateLimiter {
  private readonly cfg: RateLimitConfig;
  private readonly senders = new Map<string, Entry>();

  constructor(
    config: Partial<RateLimitConfig> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.cfg = RateLimitConfigSchema.parse(config);
  }

  get size(): number {
    return this.senders.size;
  }

  /** Records one detection for `sender`; a `message` key already counted inside the window adds nothing. */
  record(sender: string, message?: string): RateState {
    const t = this.now();
    this.sweep(t);
    const e = this.touch(sender, t);
    if (message !== undefined) {
      if (e.seen.has(message)) return { ...this.state(e.times.length), crossed: false };
      e.seen.set(message, t);
      if (e.seen.size > MAX_TIMES_PER_SENDER) e.seen.delete(e.seen.keys().next().value as string);
    }
    e.times.push(t);
    if (e.times.length > MAX_TIMES_PER_SENDER) e.times.splice(0, e.times.length - MAX_TIMES_PER_SENDER);
    const count = e.times.length;
    const { warnAt, auditAt, limitAt } = this.cfg;
    return { ...this.state(count), crossed: count === warnAt || count === auditAt || count === limitAt };
  }

  private state(count: number): { count: number; level: RateLevel } {
    const { warnAt, auditAt, limitAt, action } = this.cfg;
    const level: RateLevel =
      action !== 'none' && count >= limitAt ? 'limited' : count >= auditAt ? 'audit' : count >= warnAt ? 'warn' : 'ok';
    return { count, level };
  }

  /** Whether a new message from `sender` may be processed now (checked before scanning it). */
  admit(sender: string): Admission {
    const t = this.now();
    this.sweep(t);
    const e = this.senders.get(sender);
    if (!e) return { allowed: true, count: 0, retryAfterMs: 0 };
    prune(e, t - this.cfg.windowMs);
    const count = e.times.length;
    if (this.cfg.action === 'none' || count < this.cfg.limitAt) {
      e.lastAdmitted = t;
      return { allowed: true, count, retryAfterMs: 0 };
    }
    const clears = (e.times[count - this.cfg.limitAt] ?? t) + this.cfg.windowMs - t;
    if (this.cfg.action === 'block') return { allowed: false, count, retryAfterMs: Math.max(1, clears) };
    const next = e.lastAdmitted + this.cfg.throttleMs;
    if (t >= next) {
      e.lastAdmitted = t;
      return { allowed: true, count, retryAfterMs: 0 };
    }
    return { allowed: false, count, retryAfterMs: Math.max(1, Math.min(next - t, clears)) };
  }

  private touch(sender: string, t: number): Entry {
    let e = this.senders.get(sender);
    if (e) {
      this.senders.delete(sender); // re-insert: Map order is recency order
      prune(e, t - this.cfg.windowMs);
    } else {
      e = { times: [], lastAdmitted: 0, seen: new Map() };
      while (this.senders.size >= this.cfg.maxSenders) {
        const oldest = this.senders.keys().next();
        if (oldest.done) break;
        this.senders.delete(oldest.value);
      }
    }
    this.senders.set(sender, e);
    return e;
  }

  /** TTL eviction from the least recently active end; stops at the first sender still in its window. */
  private sweep(t: number): void {
    const cutoff = t - this.cfg.windowMs;
    for (const [sender, e] of this.senders) {
      const last = e.times[e.times.length - 1] ?? 0;
      if (last > cutoff) break;
      this.senders.delete(sender);
    }
  }
}

function prune(e: Entry, cutoff: number): void {
  let i = 0;
  while (i < e.times.length && (e.times[i] ?? 0) <= cutoff) i++;
  if (i > 0) e.times.splice(0, i);
  for (const [key, at] of e.seen) {
    if (at > cutoff) break;
    e.seen.delete(key);
  }
}
