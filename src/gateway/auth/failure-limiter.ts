/**
 * L18 throttle on refused unauthenticated requests. Each refusal is an fsync'd audit line, so without a
 * bound a token-less client could turn the audit log into a disk-load lever. Per client address (IPv6
 * per /64, all of loopback as one: a local process can use any 127.x source), a fixed window: the first
 * `maxFailures` refusals are audited one by one, reaching the limit is audited once (`auth:throttled`), and
 * until the window ends requests without a valid token get 429 and no audit line of their own; the window's
 * count of those is audited once when it ends. Across all addresses at most `maxAuditedPerWindow` lines are
 * written per window (a client with many addresses); the rest are counted in one global summary line when that
 * window ends.
 *
 * Refusals that carry a token have allowances of their own, so a flood without tokens cannot silence them: a
 * token bulwark knows (revoked, lacking a scope) is counted per token id — its first `maxFailures` refusals in a
 * window are always audited, whatever else is going on — and a well-formed token bulwark does not know draws on a
 * second global allowance of `maxAuditedPerWindow`.
 */
import type { SecurityEvent, EventBus } from '../../core/index.js';
import type { AuthFailureLimitConfig } from '../../config/index.js';
import { parseIp } from '../../net/index.js';

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

/** What a refused request carried, for the allowance it draws on. */
export interface RefusalKind {
  /** A token bulwark knows (revoked, or lacking the route's scope): counted per token id. */
  readonly tokenId?: string;
  /** A well-formed token bulwark does not know: the second global allowance. */
  readonly wellFormedToken?: boolean;
}

/** The key every loopback client (127.0.0.0/8, ::1, IPv4-mapped loopback) is counted under. */
export const LOOPBACK_KEY = 'loopback';

/**
 * The key a client is counted under: the IPv4 address (also when IPv4-mapped), the /64 prefix of an IPv6 address,
 * or `loopback` for any loopback address.
 */
export function clientKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const ip = parseIp(remoteAddress);
  if (!ip) return remoteAddress.toLowerCase();
  const b = ip.bytes;
  if (ip.family === 4) return b[0] === 127 ? LOOPBACK_KEY : [...b].join('.');
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return b[12] === 127 ? LOOPBACK_KEY : [...b.subarray(12)].join('.');
  if (b.subarray(0, 15).every((x) => x === 0) && b[15] === 1) return LOOPBACK_KEY;
  const groups = [0, 2, 4, 6].map((i) => (((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return `${groups.join(':')}::/64`;
}

export function isLoopbackKey(key: string): boolean {
  return key === LOOPBACK_KEY;
}

interface GlobalWindow {
  windowStart: number;
  audited: number;
  suppressed: number;
}

/** The two global allowances: refusals without a token, and refusals with a well-formed unknown token. */
type Pool = 'anonymous' | 'token';

export class AuthFailureLimiter {
  private readonly clients = new Map<string, Entry>();
  /** Refusals of tokens bulwark knows, per token id. */
  private readonly tokens = new Map<string, Entry>();
  private readonly clock: () => number;
  private readonly globals: Record<Pool, GlobalWindow | undefined> = { anonymous: undefined, token: undefined };

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

  /** Ends a global window, auditing how many lines it held back. */
  private closeGlobal(pool: Pool, g: GlobalWindow): void {
    this.globals[pool] = undefined;
    if (g.suppressed === 0) return;
    this.bus.emit('auth:throttled', {
      layer: 'L18',
      outcome: 'throttled',
      reason: 'global_summary',
      pool,
      audited: g.audited,
      suppressed: g.suppressed,
      windowStartedAt: new Date(g.windowStart).toISOString(),
      windowMs: this.config.windowMs,
    });
  }

  /** One audit line spent from a pool's global allowance this window; false when it is used up (counted instead). */
  private spend(now: number, pool: Pool = 'anonymous'): boolean {
    let g = this.globals[pool];
    if (g && this.ended(g.windowStart, now)) {
      this.closeGlobal(pool, g);
      g = undefined;
    }
    g ??= { windowStart: now, audited: 0, suppressed: 0 };
    this.globals[pool] = g;
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

  /** Ends a known token's window, auditing how many of its refusals had no line of their own. */
  private closeToken(tokenId: string, e: Entry): void {
    if (e.refused === 0) return;
    this.bus.emit('auth:throttled', {
      layer: 'L18',
      outcome: 'throttled',
      reason: 'token_summary',
      sender: tokenId,
      failures: e.failures,
      refused: e.refused,
      windowStartedAt: new Date(e.windowStart).toISOString(),
      windowMs: this.config.windowMs,
    });
  }

  /** A known token's refusal: audited while the token is within its own allowance this window. */
  private failToken(tokenId: string, now: number): FailureVerdict {
    let e = this.tokens.get(tokenId);
    if (e && this.ended(e.windowStart, now)) {
      this.tokens.delete(tokenId);
      this.closeToken(tokenId, e);
      e = undefined;
    }
    if (!e) {
      for (const [id, old] of this.tokens) {
        if (this.tokens.size < this.config.maxTrackedClients) break;
        this.tokens.delete(id);
        this.closeToken(id, old);
      }
      e = { windowStart: now, failures: 0, refused: 0 };
      this.tokens.set(tokenId, e);
    }
    if (e.failures >= this.config.maxFailures) {
      e.refused += 1;
      return 'suppress';
    }
    e.failures += 1;
    return 'audit';
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

  /** Counts one refused request without a valid token; `audit` while it is within its allowance (see the module comment). */
  fail(remoteAddress: string | undefined, kind: RefusalKind = {}): FailureVerdict {
    const now = this.clock();
    if (kind.tokenId !== undefined) return this.failToken(kind.tokenId, now);
    const key = clientKey(remoteAddress);
    if (this.exempt(key)) return 'audit';
    const pool: Pool = kind.wellFormedToken ? 'token' : 'anonymous';
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
    if (!this.spend(now, pool)) return 'suppress';
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
    for (const [id, e] of this.tokens) {
      if (!this.ended(e.windowStart, now)) continue;
      this.tokens.delete(id);
      this.closeToken(id, e);
    }
    for (const pool of ['anonymous', 'token'] as const) {
      const g = this.globals[pool];
      if (g && this.ended(g.windowStart, now)) this.closeGlobal(pool, g);
    }
  }

  /** Audits every open window's summary now (the gateway is closing). */
  flush(): void {
    for (const [key, e] of this.clients) {
      this.clients.delete(key);
      this.close(key, e);
    }
    for (const [id, e] of this.tokens) {
      this.tokens.delete(id);
      this.closeToken(id, e);
    }
    for (const pool of ['anonymous', 'token'] as const) {
      const g = this.globals[pool];
      if (g) this.closeGlobal(pool, g);
    }
  }

  /** Number of client addresses tracked (for tests and status). */
  get size(): number {
    return this.clients.size;
  }
}
