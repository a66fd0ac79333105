/**
 * L13 approval gates: a queue of pending approvals, each bound to the hash of the exact effect.
 * - identical concurrent requests (same effect hash, same caller) join one pending entry;
 * - a request times out after its timeout: timeout = deny;
 * - approval cache 30 s and denial cache 60 s, keyed by caller and effect hash, each invalidating the other;
 * - only the owner's turns run under a grant or a cached approval: a stranger's (webhook, non-owner channel user,
 *   token or certificate) is asked every time, and never joins a request someone else's turn made;
 * - decisions arrive only as HMAC-signed tokens (operator channels); shutdown denies everything pending;
 * - a waiter whose turn is cancelled (AbortSignal) is dropped; the entry goes when no waiter is left;
 * - every request and every decision is recorded in the ApprovalStore (the view redacted first), in order; a
 *   request that cannot be recorded is denied (fail closed), a decision that cannot be recorded is audited.
 */
import type { ActionClass } from '../config/index.js';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  type EventBus,
  type EventContext,
  type SecurityEvent,
  newId,
  type GateId,
  err,
  ok,
  type Result,
} from '../core/index.js';
import { ApprovalSigner, type Decision } from './approval-tokens.js';
import type {
  ApprovalDecisionRecord,
  ApprovalQuery,
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
} from './approval-store.js';
import type { NetworkGrant } from './effect-hash.js';
import type { GrantCheck } from './grants.js';

declare module '../core/events.js' {
  interface EventMap {
    'approval:requested': SecurityEvent;
    'approval:resolved': SecurityEvent;
    'approval:abandoned': SecurityEvent;
  }
}

/** Who asked, as every approval surface shows it: the caller's kind, id, human label and owner flag. */
export interface ApprovalCaller {
  readonly kind: string;
  readonly id: string;
  readonly owner: boolean;
  readonly label?: string;
}

/** The audit context of the turn that asks, and whether its caller is the owner (`Caller.owner`). */
export interface ApprovalContext extends EventContext {
  /** Only `true` lets a grant or a cached approval answer; anything else is a stranger, asked every time. */
  readonly owner: boolean;
  /** The caller, put into the view the operator sees (a view without it reads as a stranger's). */
  readonly caller?: ApprovalCaller;
}

/** What the operator reviews: the full effect, never a summary chosen by the model. */
export interface EffectView {
  /** The gate that asks, when it is not L13 itself (L11.7: a write that plants a host-executed file, held exec effects). */
  readonly layer?: GateId;
  /** Who asked (set by the queue from the asking turn): a grant is made only on the owner's request. */
  readonly caller?: ApprovalCaller;
  readonly tool: string;
  readonly classes: readonly ActionClass[];
  readonly reasons: readonly string[];
  readonly agentId: string;
  readonly sessionId: string;
  readonly cwd: string;
  readonly network: NetworkGrant;
  /** Canonical JSON of the arguments (capped for display; the hash covers all of it). */
  readonly args: string;
  readonly argv?: readonly (readonly string[])[];
  /** The classes each command of `argv` added (same order), so a surface can show first what made it ask. */
  readonly argvClasses?: readonly (readonly ActionClass[])[];
  /** The classes that made this call need approval (the agent's `approvals.require` it hit). */
  readonly asks?: readonly ActionClass[];
  readonly envNames?: readonly string[];
  /** Unified-style diff for writes. */
  readonly diff?: string;
  /**
   * What would change, one entry per path, with a diff for text files: a held exec run's effect set (L11.7), the
   * one file of a write or edit.
   */
  readonly effects?: readonly EffectEntryView[];
  /** How many changes the effect hash covers, when `effects` lists fewer (a long list is cut for display). */
  readonly effectsTotal?: number;
  /** Why it was held, in one line. */
  readonly reason?: string;
}

/** One change of a held effect set as an operator sees it. */
export interface EffectEntryView {
  readonly path: string;
  readonly change: string;
  readonly from?: string;
  readonly bytes: number;
  readonly diff?: string;
  /** sha256 of the new content, for a file the host runs (it is not journaled: this is how it is known later). */
  readonly sha256?: string;
  /** Why the host runs this file (a .pyc, a virtualenv command, an npm shim, an executable in a disposable path). */
  readonly hostRuns?: string;
}

export type ApprovalSource =
  | 'operator'
  | 'grant'
  | 'approval-cache'
  | 'denial-cache'
  | 'timeout'
  | 'shutdown'
  | 'queue-full'
  | 'cancelled'
  | 'unrecorded';

export interface ApprovalOutcome {
  readonly decision: Decision;
  readonly source: ApprovalSource;
  readonly requestId?: string;
  /** For approvals: a grant token bound to the effect hash, checked again at execution. */
  readonly token?: string;
  readonly by?: string;
  readonly reason?: string;
}

export interface PendingApproval {
  readonly id: string;
  readonly effectHash: string;
  readonly view: EffectView;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** How many tool calls wait on this one decision. */
  readonly waiters: number;
}

export interface ResolvedApproval extends PendingApproval {
  readonly status: Exclude<ApprovalStatus, 'pending'>;
  readonly decision: Decision;
  readonly source: ApprovalSource;
  readonly resolvedAt: number;
  readonly by?: string;
  readonly reason?: string;
}

/** A request as the operator API shows it: a pending one from memory (its full view), a decided one from the store. */
export interface ApprovalSnapshot extends PendingApproval {
  readonly status: ApprovalStatus;
  readonly decision?: Decision;
  /** How it was decided: an ApprovalSource, or `restart` for an abandoned request. */
  readonly source?: string;
  readonly resolvedAt?: number;
  readonly by?: string;
  readonly reason?: string;
}

export interface ApprovalQueueOptions {
  readonly bus: EventBus;
  /** Where every request and decision is recorded. */
  readonly store: ApprovalStore;
  /** L09 over the view's JSON before it is stored (the full view stays in memory only while pending). */
  readonly redact: (text: string) => string;
  readonly signer?: ApprovalSigner;
  readonly clock?: () => number;
  readonly approvalCacheMs?: number;
  readonly denialCacheMs?: number;
  readonly defaultTimeoutMs?: number;
  readonly maxPending?: number;
  /** Scoped, expiring grants an approver made (src/policy/grants.ts): an effect they cover needs no prompt. */
  readonly grants?: GrantCheck;
}

interface Entry {
  id: string;
  /** Caller and effect hash: what joins and caches key on. */
  key: string;
  effectHash: string;
  view: EffectView;
  ctx: EventContext;
  createdAt: number;
  expiresAt: number;
  waiters: number;
  /** Set when the store could not record the request: its decision is not recorded either. */
  unrecorded: boolean;
  timer: ReturnType<typeof setTimeout>;
  promise: Promise<ApprovalOutcome>;
  settle: (o: ApprovalOutcome) => void;
}

const CANCELLED = 'the turn was cancelled before a decision';
/** Cache entries kept at most; expired ones go first, then the oldest (a dropped entry only means asking again). */
const MAX_CACHE = 10_000;

/** Joins and caches are per caller: an operator's decision for one caller's turn never answers another's. */
function scopedKey(ctx: EventContext, effectHash: string): string {
  return `${ctx.sender ?? '(unknown)'}\n${effectHash}`;
}

function pruneCache(m: Map<string, { until: number }>, now: number): void {
  if (m.size <= MAX_CACHE) return;
  for (const [k, v] of m) if (v.until <= now) m.delete(k);
  for (const k of m.keys()) {
    if (m.size <= MAX_CACHE) break;
    m.delete(k);
  }
}

function queueError(code: string, message: string, status = 400): BulwarkError {
  return bulwarkError(code, message, { layer: 'L13', status });
}

export class ApprovalQueue {
  private readonly bus: EventBus;
  private readonly signer: ApprovalSigner;
  private readonly clock: () => number;
  private readonly approvalCacheMs: number;
  private readonly denialCacheMs: number;
  private readonly defaultTimeoutMs: number;
  private readonly maxPending: number;
  private readonly pendingByKey = new Map<string, Entry>();
  private readonly pendingById = new Map<string, Entry>();
  private readonly approved = new Map<string, { until: number; token: string; requestId: string }>();
  private readonly denied = new Map<string, { until: number; requestId: string }>();
  private readonly store: ApprovalStore;
  private readonly redact: (text: string) => string;
  /** Store writes, chained so they keep the order of the events whatever the backend. */
  private writes: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(p: PendingApproval) => void>();
  private readonly grants: GrantCheck | undefined;
  private closed = false;

  constructor(opts: ApprovalQueueOptions) {
    this.bus = opts.bus;
    this.store = opts.store;
    this.redact = opts.redact;
    this.signer = opts.signer ?? new ApprovalSigner();
    this.clock = opts.clock ?? Date.now;
    this.approvalCacheMs = opts.approvalCacheMs ?? 30_000;
    this.denialCacheMs = opts.denialCacheMs ?? 60_000;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? 120_000;
    this.maxPending = opts.maxPending ?? 1000;
    this.grants = opts.grants;
  }

  /**
   * Waits for an operator decision on this exact effect (or answers from the caches). Never rejects.
   * When `signal` aborts (the client went away), this caller gets a `cancelled` denial at once, so a
   * later approval can never start its tool; the pending entry is resolved as cancelled once no caller waits on it.
   */
  request(
    effectHash: string,
    view: EffectView,
    asker: ApprovalContext,
    timeoutMs = this.defaultTimeoutMs,
    signal?: AbortSignal,
  ): Promise<ApprovalOutcome> {
    const now = this.clock();
    const { owner: ownerFlag, caller, ...ctx } = asker;
    const owner = ownerFlag === true;
    // The asking turn's caller, never one the gate's view claims: the view says who asked from here on.
    const { caller: _claimed, ...bare } = view;
    view = caller ? { ...bare, caller: { ...caller, owner } } : bare;
    const key = scopedKey(ctx, effectHash);
    if (signal?.aborted) return Promise.resolve({ decision: 'deny', source: 'cancelled', reason: CANCELLED });
    if (this.closed)
      return Promise.resolve({ decision: 'deny', source: 'shutdown', reason: 'the daemon is shutting down' });
    const denial = this.denied.get(key);
    if (denial && denial.until > now) {
      return Promise.resolve({
        decision: 'deny',
        source: 'denial-cache',
        requestId: denial.requestId,
        reason: 'this exact action was denied less than a minute ago',
      });
    }
    if (denial) this.denied.delete(key);
    const covered = owner ? this.grants?.covering(view, now, { owner }) : undefined;
    if (covered) {
      this.grants?.used(covered);
      const grantIds = covered.map((g) => g.id);
      // Its own request id, so the single-use grant token the gate keeps is bound like an operator's.
      const requestId = newId('apr');
      this.bus.emit('approval:resolved', {
        ...ctx,
        layer: 'L13',
        requestId,
        tool: view.tool,
        effectHash,
        outcome: 'approve',
        source: 'grant',
        grants: grantIds.join(','),
        by: [...new Set(covered.map((g) => g.by))].join(','),
      });
      return Promise.resolve({
        decision: 'approve',
        source: 'grant',
        requestId,
        token: this.signer.sign(requestId, effectHash, 'approve', now + this.approvalCacheMs),
        by: covered[0]?.by as string,
      });
    }
    const approval = owner ? this.approved.get(key) : undefined;
    if (approval && approval.until > now) {
      return Promise.resolve({
        decision: 'approve',
        source: 'approval-cache',
        requestId: approval.requestId,
        token: approval.token,
      });
    }
    if (approval) this.approved.delete(key);
    const joined = this.pendingByKey.get(key);
    if (joined) {
      joined.waiters += 1;
      return this.wait(joined, signal);
    }
    if (this.pendingById.size >= this.maxPending) {
      return Promise.resolve({
        decision: 'deny',
        source: 'queue-full',
        reason: `more than ${this.maxPending} approvals are pending`,
      });
    }
    const id = newId('apr');
    let settle!: (o: ApprovalOutcome) => void;
    const promise = new Promise<ApprovalOutcome>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = {
      id,
      key,
      effectHash,
      view,
      ctx,
      createdAt: now,
      expiresAt: now + timeoutMs,
      waiters: 1,
      unrecorded: false,
      promise,
      settle,
      timer: setTimeout(
        () =>
          this.finish(entry, {
            decision: 'deny',
            source: 'timeout',
            requestId: id,
            reason: `no operator decision within ${timeoutMs} ms`,
          }),
        timeoutMs,
      ),
    };
    entry.timer.unref?.();
    this.pendingByKey.set(key, entry);
    this.pendingById.set(id, entry);
    this.journal(() =>
      this.store.recordRequest({
        id,
        effectHash,
        agentId: view.agentId,
        sessionId: view.sessionId,
        view: this.storedView(view),
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
      }),
    ).catch((cause: unknown) => this.unrecorded(entry, cause));
    this.bus.emit('approval:requested', {
      ...ctx,
      layer: 'L13',
      requestId: id,
      tool: view.tool,
      classes: [...view.classes],
      effectHash,
      expiresAt: new Date(entry.expiresAt).toISOString(),
    });
    const snapshot = this.describe(entry);
    for (const l of this.listeners) l(snapshot);
    return this.wait(entry, signal);
  }

  private wait(entry: Entry, signal: AbortSignal | undefined): Promise<ApprovalOutcome> {
    if (!signal) return entry.promise;
    return new Promise<ApprovalOutcome>((resolve) => {
      const onAbort = (): void => {
        resolve({ decision: 'deny', source: 'cancelled', requestId: entry.id, reason: CANCELLED });
        this.dropWaiter(entry);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void entry.promise.then((outcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
    });
  }

  /** One caller stopped waiting; with none left, the request is withdrawn (no operator decision is needed any more). */
  private dropWaiter(entry: Entry): void {
    if (this.pendingById.get(entry.id) !== entry) return;
    entry.waiters -= 1;
    if (entry.waiters <= 0)
      this.finish(entry, { decision: 'deny', source: 'cancelled', requestId: entry.id, reason: CANCELLED });
  }

  /** A decision token for an operator channel (e.g. a chat button). Valid until the request expires. */
  mintToken(requestId: string, decision: Decision): Result<string, BulwarkError> {
    const entry = this.pendingById.get(requestId);
    if (!entry)
      return err(
        queueError(
          'approval.not_pending',
          `approval ${requestId} is not pending (already decided, expired or unknown)`,
          404,
        ),
      );
    return ok(this.signer.sign(entry.id, entry.effectHash, decision, entry.expiresAt));
  }

  /** Applies a signed operator decision. A forged, altered or expired token changes nothing. */
  resolveWithToken(token: string, by: string, reason?: string): Result<ResolvedApproval, BulwarkError> {
    const claims = ApprovalSigner.parse(token);
    if (!claims)
      return err(
        queueError('approval.bad_token', 'not an approval token: use the token issued to the operator channel'),
      );
    const entry = this.pendingById.get(claims.requestId);
    if (!entry)
      return err(
        queueError(
          'approval.not_pending',
          `approval ${claims.requestId} is not pending (already decided, expired or unknown)`,
          404,
        ),
      );
    if (!this.signer.verify(token, entry.effectHash, this.clock())) {
      this.bus.emit('security:blocked', {
        ...entry.ctx,
        layer: 'L13',
        reason: 'approval token failed verification',
        requestId: entry.id,
      });
      return err(queueError('approval.bad_token', 'approval token is invalid or expired for this request', 403));
    }
    const outcome: ApprovalOutcome =
      claims.decision === 'approve'
        ? {
            decision: 'approve',
            source: 'operator',
            requestId: entry.id,
            by,
            token: this.signer.sign(entry.id, entry.effectHash, 'approve', this.clock() + this.approvalCacheMs),
            ...(reason ? { reason } : {}),
          }
        : { decision: 'deny', source: 'operator', requestId: entry.id, by, ...(reason ? { reason } : {}) };
    return ok(this.finish(entry, outcome));
  }

  /**
   * Operator decision by request id (authenticated admin API): mints and applies a token in one step. `shownHash`
   * is the effect hash of the view the operator decided on; a different one (the effect changed, or the operator
   * looked at another request) is refused and changes nothing.
   */
  decide(
    requestId: string,
    decision: Decision,
    by: string,
    reason?: string,
    shownHash?: string,
  ): Result<ResolvedApproval, BulwarkError> {
    const entry = this.pendingById.get(requestId);
    if (entry && shownHash !== undefined && shownHash !== entry.effectHash)
      return err(
        queueError(
          'approval.effect_mismatch',
          `approval ${requestId}: the effectHash sent (${shownHash.slice(0, 12)}…) is not the one of this request (${entry.effectHash.slice(0, 12)}…); look at the request again before deciding`,
          409,
        ),
      );
    const token = this.mintToken(requestId, decision);
    if (!token.ok) return token;
    return this.resolveWithToken(token.value, by, reason);
  }

  /** True when `token` is an approval grant issued by this queue for exactly `effectHash` and still valid. */
  verifyGrant(token: string, effectHash: string): boolean {
    const claims = this.signer.verify(token, effectHash, this.clock());
    return claims?.decision === 'approve';
  }

  list(): PendingApproval[] {
    return [...this.pendingById.values()].map((e) => this.describe(e));
  }

  /** A pending request (from memory) or a recorded one, decided by this daemon or an earlier one (from the store). */
  async get(id: string): Promise<ApprovalSnapshot | undefined> {
    const e = this.pendingById.get(id);
    if (e) return { ...this.describe(e), status: 'pending' };
    // What this queue recorded so far is readable before the answer.
    await this.writes;
    const record = await this.store.get(id);
    return record ? this.fromRecord(record) : undefined;
  }

  /** Recorded requests, newest first (for the operator API's history and a web UI). */
  async history(query: ApprovalQuery): Promise<ApprovalSnapshot[]> {
    await this.writes;
    return (await this.store.list(query)).map((r) => {
      const e = this.pendingById.get(r.id);
      return e ? { ...this.describe(e), status: 'pending' } : this.fromRecord(r);
    });
  }

  /**
   * At start, before the first request: requests an earlier daemon left pending can never be decided (the turns that
   * waited died with it). They are recorded as abandoned, and audited.
   */
  async abandonLeftovers(): Promise<number> {
    const n = await this.journal(() => this.store.abandonPending(this.clock()));
    if (n > 0)
      this.bus.emit('approval:abandoned', {
        layer: 'L13',
        outcome: 'abandoned',
        count: n,
        reason: 'left pending by a daemon that stopped before a decision',
      });
    return n;
  }

  /** Called with every new pending request (SSE stream, chat channels). Returns an unsubscribe function. */
  onRequested(listener: (p: PendingApproval) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Graceful shutdown: denies everything pending and refuses new requests. */
  shutdown(): void {
    this.closed = true;
    for (const e of [...this.pendingById.values()]) {
      this.finish(e, { decision: 'deny', source: 'shutdown', requestId: e.id, reason: 'the daemon is shutting down' });
    }
  }

  /** `shutdown`, then waits until every request and decision is recorded (call before the store closes). */
  async close(): Promise<void> {
    this.shutdown();
    await this.writes;
  }

  /** Runs `write` after every earlier store write has finished (failed ones too). */
  private journal<T>(write: () => Promise<T>): Promise<T> {
    const run = this.writes.then(write);
    this.writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The view as stored: redacted JSON; a view the redaction cut (too large) keeps its header fields only. */
  private storedView(view: EffectView): string {
    const redacted = this.redact(JSON.stringify(view));
    try {
      JSON.parse(redacted);
      return redacted;
    } catch {
      const { tool, classes, reasons, agentId, sessionId, network, caller } = view;
      return this.redact(
        JSON.stringify({
          ...(caller ? { caller } : {}),
          tool,
          classes,
          reasons,
          agentId,
          sessionId,
          cwd: view.cwd,
          network,
          args: '(too large to keep in the approval history)',
        }),
      );
    }
  }

  private fromRecord(r: ApprovalRecord): ApprovalSnapshot {
    return {
      id: r.id,
      effectHash: r.effectHash,
      view: parseStoredView(r),
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      waiters: 0,
      status: r.status,
      ...(r.status === 'pending' ? {} : { decision: r.status === 'approved' ? 'approve' : 'deny' }),
      ...(r.source !== undefined ? { source: r.source } : {}),
      ...(r.decidedAt !== undefined ? { resolvedAt: r.decidedAt } : {}),
      ...(r.decidedBy !== undefined ? { by: r.decidedBy } : {}),
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    };
  }

  /** The store could not record a request: it is denied (no decision without a record), and that is audited. */
  private unrecorded(e: Entry, cause: unknown): void {
    const why = `the approval request could not be recorded: ${describeCause(cause)}`;
    e.unrecorded = true;
    this.bus.emit('security:warning', { ...e.ctx, layer: 'L13', outcome: 'unrecorded', requestId: e.id, reason: why });
    if (this.pendingById.get(e.id) === e)
      this.finish(e, { decision: 'deny', source: 'unrecorded', requestId: e.id, reason: why });
  }

  private recordDecision(e: Entry, d: ApprovalDecisionRecord): void {
    if (e.unrecorded) return;
    const report = (why: string): void =>
      this.bus.emit('security:warning', {
        ...e.ctx,
        layer: 'L13',
        outcome: 'unrecorded',
        requestId: e.id,
        reason: `the decision on approval ${e.id} could not be recorded: ${why}`,
      });
    this.journal(() => this.store.recordDecision(e.id, d)).then(
      (r) => {
        if (!r.ok) report(r.error.message);
      },
      (cause: unknown) => report(describeCause(cause)),
    );
  }

  private describe(e: Entry): PendingApproval {
    return {
      id: e.id,
      effectHash: e.effectHash,
      view: e.view,
      createdAt: e.createdAt,
      expiresAt: e.expiresAt,
      waiters: e.waiters,
    };
  }

  private finish(e: Entry, outcome: ApprovalOutcome): ResolvedApproval {
    clearTimeout(e.timer);
    this.pendingById.delete(e.id);
    if (this.pendingByKey.get(e.key) === e) this.pendingByKey.delete(e.key);
    const now = this.clock();
    if (outcome.decision === 'approve' && outcome.token) {
      // Kept for the same caller; a stranger's turn never reads it (request() skips the cache for non-owners).
      this.approved.delete(e.key);
      this.approved.set(e.key, { until: now + this.approvalCacheMs, token: outcome.token, requestId: e.id });
      this.denied.delete(e.key);
      pruneCache(this.approved, now);
    } else if (outcome.source !== 'shutdown' && outcome.source !== 'cancelled') {
      this.denied.delete(e.key);
      this.denied.set(e.key, { until: now + this.denialCacheMs, requestId: e.id });
      this.approved.delete(e.key);
      pruneCache(this.denied, now);
    }
    const status: ResolvedApproval['status'] =
      outcome.decision === 'approve'
        ? 'approved'
        : outcome.source === 'timeout'
          ? 'expired'
          : outcome.source === 'cancelled'
            ? 'cancelled'
            : 'denied';
    const resolved: ResolvedApproval = {
      ...this.describe(e),
      status,
      decision: outcome.decision,
      source: outcome.source,
      resolvedAt: now,
      ...(outcome.by ? { by: outcome.by } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    };
    this.recordDecision(e, {
      status,
      decidedAt: now,
      source: outcome.source,
      ...(outcome.by ? { decidedBy: outcome.by } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
    this.bus.emit('approval:resolved', {
      ...e.ctx,
      layer: 'L13',
      requestId: e.id,
      tool: e.view.tool,
      effectHash: e.effectHash,
      outcome: outcome.source === 'cancelled' ? 'cancelled' : outcome.decision,
      source: outcome.source,
      waiters: e.waiters,
      ...(outcome.by ? { by: outcome.by } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
    e.settle(outcome);
    return resolved;
  }

  /** For `bulwark layers`/`status`. */
  status(): { pending: number; cachedApprovals: number; cachedDenials: number; closed: boolean } {
    const now = this.clock();
    let a = 0;
    let d = 0;
    for (const v of this.approved.values()) if (v.until > now) a++;
    for (const v of this.denied.values()) if (v.until > now) d++;
    return { pending: this.pendingById.size, cachedApprovals: a, cachedDenials: d, closed: this.closed };
  }
}

const STRING_FIELDS = ['tool', 'agentId', 'sessionId', 'cwd', 'args'] as const;

/** The stored view, or (when the row was changed outside bulwark) a view that says it cannot be read. */
function parseStoredView(r: ApprovalRecord): EffectView {
  let v: unknown;
  try {
    v = JSON.parse(r.view);
  } catch {
    v = undefined;
  }
  const o = v as Record<string, unknown> | undefined;
  const readable =
    typeof o === 'object' &&
    o !== null &&
    STRING_FIELDS.every((k) => typeof o[k] === 'string') &&
    Array.isArray(o['classes']) &&
    Array.isArray(o['reasons']) &&
    typeof o['network'] === 'object' &&
    o['network'] !== null;
  if (readable) return o as unknown as EffectView;
  return {
    tool: '(unreadable)',
    classes: [],
    reasons: ['the stored view of this request cannot be read'],
    agentId: r.agentId,
    sessionId: r.sessionId,
    cwd: '',
    network: { mode: 'none', grants: [] },
    args: '',
  };
}
