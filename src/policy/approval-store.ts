/**
 * L13 approval history (room 'policy'): the store's contract. The queue (approvals.ts) keeps its waiting logic in
 * memory (waiters, timers, caches) and records every request and every decision here, so a decided request can be
 * shown after the fact, after a restart too. The embedded implementation is SQLite (sqlite-approval-store.ts); the
 * composition root picks one (src/stores.ts).
 */
import type { BulwarkError, Result } from '../core/index.js';

/**
 * pending: waiting for an operator; approved / denied: decided (by an operator, or denied at shutdown);
 * expired: nobody decided in time; cancelled: every waiting turn went away; abandoned: the daemon that asked
 * stopped without deciding (found pending at the next start).
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'abandoned';

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = [
  'pending',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'abandoned',
];

export interface ApprovalRequestRecord {
  readonly id: string;
  readonly effectHash: string;
  readonly agentId: string;
  readonly sessionId: string;
  /** The operator's view of the effect as JSON text, already redacted (L09) by the queue. */
  readonly view: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface ApprovalDecisionRecord {
  readonly status: Exclude<ApprovalStatus, 'pending'>;
  readonly decidedAt: number;
  /** Who decided: the operator's caller key, or the queue itself (`timeout`, `shutdown`, …) through `source`. */
  readonly decidedBy?: string;
  /** How it was decided (operator, timeout, shutdown, cancelled, restart). */
  readonly source: string;
  readonly reason?: string;
}

export interface ApprovalRecord extends ApprovalRequestRecord {
  readonly status: ApprovalStatus;
  readonly decidedAt?: number;
  readonly decidedBy?: string;
  readonly source?: string;
  readonly reason?: string;
}

export interface ApprovalQuery {
  readonly status?: ApprovalStatus;
  /** Only requests created before this time (ms): the cursor for the next page. */
  readonly before?: number;
  /** At most this many, newest first (1 to 500). */
  readonly limit: number;
}

/**
 * The contract every implementation keeps (test/stores/approval-store.contract.ts checks it):
 * - `recordRequest` stores a new request as pending; an id that is already stored rejects and changes nothing;
 * - `recordDecision` moves a pending request to its final status once: for an unknown id or a request that is no
 *   longer pending it answers `approval.not_pending` and changes nothing;
 * - `get` returns the request with its decision, `list` the newest first (created at, then id), filtered by status;
 * - `abandonPending` marks every request still pending as abandoned (a new daemon starts) and says how many;
 * - text that is not valid Unicode comes back with U+FFFD in place of each lone surrogate;
 * - a storage failure rejects with a `store.*` error naming the store and the fix.
 */
export interface ApprovalStore {
  recordRequest(request: ApprovalRequestRecord): Promise<void>;
  recordDecision(id: string, decision: ApprovalDecisionRecord): Promise<Result<void, BulwarkError>>;
  get(id: string): Promise<ApprovalRecord | undefined>;
  list(query: ApprovalQuery): Promise<ApprovalRecord[]>;
  abandonPending(at: number): Promise<number>;
}

export const MAX_APPROVAL_PAGE = 500;
