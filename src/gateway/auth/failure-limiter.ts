/**
 * L18 throttle on refused unauthenticated requests. Each refusal is an fsync'd audit line, so without a
 * bound a token-less client could turn the audit log into a disk-load lever. Per client address (IPv6
 * per /64), a fixed window: the first `maxFailures` refusals are audited one by one, reaching the limit
 * is audited once (`auth:throttled`), and until the window ends requests without a valid token get 429
 * and no audit line of their own; the window's count of those is audited once when it ends. Across
 * all addresses at most `maxAuditedPerWindow` lines are written per window (a client with many
 * addresses); the rest are counted in one global summary line when that window ends.
 */
import type { SecurityEvent } from '../../core/events.js';
import type { EventBus } from '../../core/events.js';
import type { AuthFailureLimitConfig } from '../../config/sections/gateway.js';
import { parseIp } from '../../net/ip.js';

declare module '../../core/events.js' {
  interface EventMap {
    /** A client address reached the refused-request limit, or (reason `summary`) its throttled window ended. */
    'auth:throttled': SecurityEvent;
  }
}

interface Entry {
  readonly windowStart: number;
  failures: number;
  /** Requests refused with 429 (or not audited) in this window. */
  refused: number;
}

export type FailureVerdict = 'audit' | 'suppress';

/** The key a client is counted under: the IPv4 address (also when IPv4-mapped), or the /64 prefix of an IPv6 address. */
export function clientKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const ip = parseIp(remoteAddress);
  if (!ip) return remoteAddress.toLowerCase();
  const b = ip.bytes;
  if (ip.family === 4) return [...b].join('.');
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return [...b.subarray(12)].join('.');
  if (b.subarray(0, 15).every((x) => x === 0) && b[15] === 1) return '::1';
  const groups = [0, 2, 4, 6].map((i) => (((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return `${groups.join(':')}::/64`;
}

export function isLoopbackKey(key: string): boolean {
  return key === '::1' || /^127\.\d+\.\d+\.\d+$/.test(key);
}

interface GlobalWindow {
  windowStart: number;
  audited: number;
  suppressed: number;
}

export class AuthFailureLimiter {
  private readonly clients = new Map<string, Entry>();
  private readonly clock: () => number;
  private global: GlobalWindow | undefined;

  constructor(
    private readonly config: AuthFailureLimitConfig,
    private readonly bus: EventBus,
    clock?: () => number,
  ) {
    this.clock = clock ?? Date.now;
  }

  private exempt(key: string): boolean {
    return this.config.exemptLoopback && isLoopbackKey(key);
  }

  /** The live entry of a key, closing (and auditing) an expired one. */
  private current(key: string, now: number): Entry | undefined {
    const e = this.clients.get(key);
    if (e && this.ended(e.windowStart, now)) {
      this.clients.delete(key);
      this.close(key, e);
      return undefined;
    }
    return e;
  }

  /** Ends the global window, auditing how many lines it held back. */
  private closeGlobal(g: GlobalWindow): void {
    this.global = undefined;
    if (g.suppressed === 0) return;
    this.bus.emit('auth:throttled', {
      layer: 'L18',
      outcome: 'throttled',
      reason: 'global_summary',
      audited: g.audited,
      suppressed: g.suppressed,
      windowStartedAt: new Date(g.windowStart).toISOString(),
      windowMs: this.config.windowMs,
    });
  }

  /** One audit line spent from the window's global allowance; false when it is used up (counted instead). */
  private spend(now: number): boolean {
    let g = this.global;
    if (g && this.ended(g.windowStart, now)) {
      this.closeGlobal(g);
      g = undefined;
    }
    g ??= { windowStart: now, audited: 0, suppressed: 0 };
    this.global = g;
    if (g.audited >= this.config.maxAuditedPerWindow) {
      g.suppressed += 1;
      return false;
    }
    g.audited += 1;
    return true;
  }

  /** A window is over once windowMs passed, or when it starts in the future (the wall clock stepped back). */
  private ended(windowStart: number, now: number): boolean {
    return now - windowStart >= this.config.windowMs || now < windowStart;
  }

  private close(key: string, e: Entry): void {
    if (e.refused === 0 || !this.spend(this.clock())) return;
    this.bus.emit('auth:throttled', {
      layer: 'L18',
      outcome: 'throttled',
      reason: 'summary',
      client: key,
      failures: e.failures,
      refused: e.refused,
      windowStartedAt: new Date(e.windowStart).toISOString(),
      windowMs: this.config.windowMs,
    });
  }

  /** Room for one more client: the oldest windows go first (a window is inserted when it starts, so expired ones sit at the front). */
  private makeRoom(): void {
    for (const [key, e] of this.clients) {
      if (this.clients.size < this.config.maxTrackedClients) return;
      this.clients.delete(key);
      this.close(key, e);
    }
  }

  /** Milliseconds until the client may try again without a valid token, or undefined when it is not throttled. */
  retryAfterMs(remoteAddress: string | undefined): number | undefined {
    const key = clientKey(remoteAddress);
    if (this.exempt(key)) return undefined;
    const now = this.clock();
    const e = this.current(key, now);
    if (!e || e.failures < this.config.maxFailures) return undefined;
    return Math.max(0, e.windowStart + this.config.windowMs - now);
  }

  /** Counts one refused unauthenticated request; `audit` while the client is within its limit. */
  fail(remoteAddress: string | undefined): FailureVerdict {
    const key = clientKey(remoteAddress);
    if (this.exempt(key)) return 'audit';
    const now = this.clock();
    let e = this.current(key, now);
    if (!e) {
      this.makeRoom();
      e = { windowStart: now, failures: 0, refused: 0 };
      this.clients.set(key, e);
    }
    if (e.failures >= this.config.maxFailures) {
      e.refused += 1;
      return 'suppress';
    }
    e.failures += 1;
    if (!this.spend(now)) return 'suppress';
    if (e.failures === this.config.maxFailures && this.spend(now)) {
      this.bus.emit('auth:throttled', {
        layer: 'L18',
        outcome: 'throttled',
        reason: 'too_many_failures',
        client: key,
        failures: e.failures,
        windowMs: this.config.windowMs,
        retryAfterMs: Math.max(0, e.windowStart + this.config.windowMs - now),
      });
    }
    return 'audit';
  }

  /** Counts one request answered 429 (audited later, in the window's summary). */
  throttled(remoteAddress: string | undefined): void {
    const e = this.clients.get(clientKey(remoteAddress));
    if (e) e.refused += 1;
  }

  /**
   * Audits the summaries of windows that have ended (run on a timer): without it a client that stops
   * after being throttled would have its refusals summarised only when it came back.
   */
  sweep(): void {
    const now = this.clock();
    // Every entry is looked at (at most maxTrackedClients, once a window): insertion order is start order
    // only while the wall clock never steps back.
    for (const [key, e] of this.clients) {
      if (!this.ended(e.windowStart, now)) continue;
      this.clients.delete(key);
      this.close(key, e);
    }
    if (this.global && this.ended(this.global.windowStart, now)) this.closeGlobal(this.global);
  }

  /** Audits every open window's summary now (the gateway is closing). */
  flush(): void {
    for (const [key, e] of this.clients) {
      this.clients.delete(key);
      this.close(key, e);
    }
    if (this.global) this.closeGlobal(this.global);
  }

  /** Number of client addresses tracked (for tests and status). */
  get size(): number {
    return this.clients.size;
  }
}
