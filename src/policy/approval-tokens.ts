/**
 * L13 decision tokens: HMAC-SHA256 over the request id, the effect hash, the decision and an expiry.
 * The key is random per daemon start and lives only in the daemon; tokens go to operator channels
 * (CLI, API, chat buttons), never into a prompt, so the model can neither see nor forge one.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { digestEqual } from '../core/index.js';

export type Decision = 'approve' | 'deny';

export interface TokenClaims {
  readonly requestId: string;
  readonly decision: Decision;
  readonly expiresAt: number;
}

const PREFIX = 'bwa1';
const MAX_TOKEN_CHARS = 512;

export class ApprovalSigner {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    if (key.length < 32) throw new RangeError('approval signing key must be at least 32 bytes');
    this.key = Buffer.from(key);
  }

  private mac(requestId: string, effectHash: string, decision: Decision, expiresAt: number): Buffer {
    return createHmac('sha256', this.key)
      .update(`${PREFIX}|${requestId}|${effectHash}|${decision}|${expiresAt}`)
      .digest();
  }

  sign(requestId: string, effectHash: string, decision: Decision, expiresAt: number): string {
    return `${PREFIX}.${requestId}.${decision}.${expiresAt}.${this.mac(requestId, effectHash, decision, expiresAt).toString('base64url')}`;
  }

  /** Reads the claims without trusting them; `verify` is what decides. */
  static parse(token: string): TokenClaims | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return undefined;
    const parts = token.split('.');
    if (parts.length !== 5 || parts[0] !== PREFIX) return undefined;
    const [, requestId, decision, exp] = parts as [string, string, string, string, string];
    if (!/^apr_[0-9a-f]{24}$/.test(requestId)) return undefined;
    if (decision !== 'approve' && decision !== 'deny') return undefined;
    if (!/^\d{1,15}$/.test(exp)) return undefined;
    return { requestId, decision, expiresAt: Number(exp) };
  }

  /** True only for a token this signer issued for exactly this effect hash, not yet expired. */
  verify(token: string, effectHash: string, now: number): TokenClaims | undefined {
    const claims = ApprovalSigner.parse(token);
    if (!claims || claims.expiresAt < now) return undefined;
    const given = Buffer.from(token.split('.')[4] ?? '', 'base64url');
    const expected = this.mac(claims.requestId, effectHash, claims.decision, claims.expiresAt);
    return digestEqual(given, expected) ? claims : undefined;
  }
}
