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

function expandIpv6(addr: string): string[] | undefined {
  const parts = addr.split('::');
  if (parts.length > 2) return undefined;
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const width = (gs: string[]): number => gs.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const head = groups(parts[0]);
  if (parts.length === 1) return width(head) === 8 ? head : undefined;
  const tail = groups(parts[1]);
  const fill = 8 - width(head) - width(tail);
  return fill < 0 ? undefined : [...head, ...Array<string>(fill).fill('0'), ...tail];
}

/** The key a client is counted under: the IPv4 address, or the /64 prefix of an IPv6 address. */
export function clientKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  let a = remoteAddress.split('%')[0] as string;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1] as string;
  if (!a.includes(':') || a === '::1') return a;
  const groups = expandIpv6(a.toLowerCase());
  const head = groups?.slice(0, 4);
  if (!head || head.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return a.toLowerCase();
  return `${head.map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
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
    if (e && (now - e.windowStart >= this.config.windowMs || now < e.windowStart)) {
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
      layer: 'L18', outcome: 'throttled', reason: 'global_summary', audited: g.audited, suppressed: g.suppressed,
      windowStartedAt: new Date(g.windowStart).toISOString(), windowMs: this.config.windowMs,
    });
  }

  /** One audit line spent from the window's global allowance; false when it is used up (counted instead). */
  private spend(now: number): boolean {
    let g = this.global;
    if (g && (now - g.windowStart >= this.config.windowMs || now < g.windowStart)) {
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

  private close(key: string, e: Entry): void {
    if (e.refused === 0 || !this.spend(this.clock())) return;
    this.bus.emit('auth:throttled', {
      layer: 'L18', outcome: 'throttled', reason: 'summary', client: key, failures: e.failures, refused: e.refused,
      windowStartedAt: new Date(e.windowStart).toISOString(), windowMs: this.config.windowMs,
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
        layer: 'L18', outcome: 'throttled', reason: 'too_many_failures', client: key, failures: e.failures,
        windowMs: this.config.windowMs, retryAfterMs: Math.max(0, e.windowStart + this.config.windowMs - now),
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
      if (now - e.windowStart < this.config.windowMs && now >= e.windowStart) continue;
      this.clients.delete(key);
      this.close(key, e);
    }
    if (this.global && (now - this.global.windowStart >= this.config.windowMs || now < this.global.windowStart)) this.closeGlobal(this.global);
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
