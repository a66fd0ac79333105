/**
 * Logins of the web UI. A login trades an API token, once, for a random session id that lives only in an HttpOnly
 * cookie; the daemon keeps the session in memory (a restart logs everyone out) under the SHA-256 of that id, bound to
 * the token's id and scopes, with a CSRF token the page must echo on every state-changing call. A session ends at
 * logout, after `sessionHours`, after `idleMinutes` unused, and as soon as its token is revoked (checked on every use
 * against the token store, so a CLI revocation counts too). The token itself is never kept.
 */
import { randomBytes } from 'node:crypto';
import { digestEqual, sha256, sha256Hex, type Caller } from '../../core/index.js';
import type { UiConfig } from '../../config/index.js';
import type { TokenInfo } from '../auth/token-store.js';

export interface UiSession {
  readonly tokenId: string;
  readonly scopes: readonly string[];
  readonly owner: boolean;
  readonly label: string;
  /** The value the page sends in `x-bulwark-csrf`. */
  readonly csrf: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  lastUsedAt: number;
}

/** Why a cookie did not lead to a session (audited as the L18 refusal reason). */
export type UiSessionMiss = 'session_unknown' | 'session_expired' | 'session_idle' | 'token_revoked';

export type UiLookup = { ok: true; session: UiSession } | { ok: false; reason: UiSessionMiss };

/** What the store needs from the token store: a token's current state by id. */
export interface TokenStates {
  info(id: string): TokenInfo | undefined;
}

function randomValue(): string {
  return randomBytes(32).toString('base64url');
}

const SESSION_VALUE = /^[A-Za-z0-9_-]{43}$/;
/** Logins one token may hold at once; a further login ends that token's oldest. */
export const PER_TOKEN_SESSIONS = 8;

export class UiSessions {
  private readonly byHash = new Map<string, UiSession>();

  constructor(
    private readonly config: Pick<UiConfig, 'sessionHours' | 'idleMinutes' | 'maxSessions'>,
    private readonly tokens: TokenStates,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new session for a verified token; returns the cookie value (shown to nobody but the browser). */
  create(token: TokenInfo): { value: string; session: UiSession } {
    this.sweep();
    // Room is made from the logging-in token's own sessions first, so one token (even a chat token logging in
    // again and again) can never push anyone else out; at the global cap the token holding the most goes first.
    while (this.sessionsOf(token.id).length >= PER_TOKEN_SESSIONS) this.byHash.delete(this.sessionsOf(token.id)[0]!);
    while (this.byHash.size >= this.config.maxSessions) this.byHash.delete(this.oldestOfBusiest(token.id));
    const now = this.clock();
    const value = randomValue();
    const session: UiSession = {
      tokenId: token.id,
      scopes: [...token.scopes],
      owner: token.owner,
      label: token.name,
      csrf: randomValue(),
      createdAt: now,
      expiresAt: now + Math.round(this.config.sessionHours * 3_600_000),
      lastUsedAt: now,
    };
    this.byHash.set(sha256Hex(value), session);
    return { value, session };
  }

  /** Keys of a token's sessions, oldest first. */
  private sessionsOf(tokenId: string): string[] {
    return [...this.byHash].filter(([, v]) => v.tokenId === tokenId).map(([k]) => k);
  }

  /** The oldest session of `preferred` if it has one, else of the token holding the most sessions. */
  private oldestOfBusiest(preferred: string): string {
    const own = this.sessionsOf(preferred);
    if (own.length > 0) return own[0]!;
    const counts = new Map<string, number>();
    for (const v of this.byHash.values()) counts.set(v.tokenId, (counts.get(v.tokenId) ?? 0) + 1);
    const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    return this.sessionsOf(busiest)[0]!;
  }

  /** The session a cookie names, if it is still good; every use counts against the idle limit. */
  lookup(value: string): UiLookup {
    if (!SESSION_VALUE.test(value)) return { ok: false, reason: 'session_unknown' };
    const key = sha256Hex(value);
    const session = this.byHash.get(key);
    if (!session) return { ok: false, reason: 'session_unknown' };
    const now = this.clock();
    if (now >= session.expiresAt) {
      this.byHash.delete(key);
      return { ok: false, reason: 'session_expired' };
    }
    if (now - session.lastUsedAt >= this.config.idleMinutes * 60_000) {
      this.byHash.delete(key);
      return { ok: false, reason: 'session_idle' };
    }
    const token = this.tokens.info(session.tokenId);
    if (!token || token.revokedAt !== null) {
      this.endForToken(session.tokenId);
      return { ok: false, reason: 'token_revoked' };
    }
    session.lastUsedAt = now;
    return { ok: true, session };
  }

  /** Constant-time check of the CSRF value a request carried. */
  csrfMatches(session: UiSession, presented: string | undefined): boolean {
    if (presented === undefined || presented.length === 0 || presented.length > 256) return false;
    return digestEqual(sha256(presented), sha256(session.csrf));
  }

  /** Logout: the cookie's session ends now. */
  end(value: string): boolean {
    return SESSION_VALUE.test(value) && this.byHash.delete(sha256Hex(value));
  }

  /** A revoked token takes every session made with it along. Returns how many ended. */
  endForToken(tokenId: string): number {
    let n = 0;
    for (const [key, s] of this.byHash) {
      if (s.tokenId === tokenId) {
        this.byHash.delete(key);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The caller a session acts as: its token's identity, with the scopes both the login and the token still hold. */
  callerOf(session: UiSession): Caller {
    const now = this.tokens.info(session.tokenId);
    const scopes = session.scopes.filter((s) => now?.scopes.includes(s as TokenInfo['scopes'][number]) ?? false);
    return { kind: 'token', id: session.tokenId, scopes, owner: session.owner, label: session.label };
  }

  private sweep(): void {
    const now = this.clock();
    const idleMs = this.config.idleMinutes * 60_000;
    for (const [key, s] of this.byHash) {
      if (now >= s.expiresAt || now - s.lastUsedAt >= idleMs) this.byHash.delete(key);
    }
  }
}
