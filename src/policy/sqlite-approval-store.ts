/** The embedded ApprovalStore: one row per approval request in SQLite (bulwark.db, room 'approvals'). */
import type { Statement } from 'better-sqlite3';
import {
  bulwarkError,
  type BulwarkError,
  err,
  ok,
  type Result,
  migrate,
  sqliteCall,
  type Db,
  storeClosed,
  storeFailure,
  wellFormed,
} from '../core/index.js';
import {
  APPROVAL_STATUSES,
  MAX_APPROVAL_PAGE,
  type ApprovalDecisionRecord,
  type ApprovalQuery,
  type ApprovalRecord,
  type ApprovalRequestRecord,
  type ApprovalStatus,
  type ApprovalStore,
} from './approval-store.js';

const MIGRATIONS = [
  `CREATE TABLE approval_requests (
     id TEXT PRIMARY KEY,
     effect_hash TEXT NOT NULL,
     agent_id TEXT NOT NULL,
     session_id TEXT NOT NULL,
     view TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'cancelled', 'abandoned')),
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     decided_by TEXT,
     decided_at INTEGER,
     source TEXT,
     reason TEXT
   );
   CREATE INDEX approval_requests_created ON approval_requests (created_at DESC, id DESC);
   CREATE INDEX approval_requests_pending ON approval_requests (status) WHERE status = 'pending';`,
];

interface Row {
  id: string;
  effect_hash: string;
  agent_id: string;
  session_id: string;
  view: string;
  status: ApprovalStatus;
  created_at: number;
  expires_at: number;
  decided_by: string | null;
  decided_at: number | null;
  source: string | null;
  reason: string | null;
}

const COLUMNS =
  'id, effect_hash, agent_id, session_id, view, status, created_at, expires_at, decided_by, decided_at, source, reason';

function toRecord(r: Row): ApprovalRecord {
  return {
    id: r.id,
    effectHash: r.effect_hash,
    agentId: r.agent_id,
    sessionId: r.session_id,
    view: r.view,
    status: r.status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    ...(r.decided_at !== null ? { decidedAt: r.decided_at } : {}),
    ...(r.decided_by !== null ? { decidedBy: r.decided_by } : {}),
    ...(r.source !== null ? { source: r.source } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
  };
}

function notPending(id: string): BulwarkError {
  return bulwarkError('approval.not_pending', `approval ${id} is not pending (already decided, or unknown)`, {
    layer: 'L13',
    status: 404,
  });
}

export class SqliteApprovalStore implements ApprovalStore {
  private readonly insert: Statement;
  private readonly decide: Statement;
  private readonly selectOne: Statement;
  private readonly abandon: Statement;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    migrate(db, 'approvals', MIGRATIONS);
    this.insert = db.prepare(
      `INSERT INTO approval_requests (id, effect_hash, agent_id, session_id, view, status, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
    );
    this.decide = db.prepare(
      `UPDATE approval_requests SET status = ?, decided_at = ?, decided_by = ?, source = ?, reason = ?
       WHERE id = ? AND status = 'pending'`,
    );
    this.selectOne = db.prepare(`SELECT ${COLUMNS} FROM approval_requests WHERE id = ?`);
    this.abandon = db.prepare(
      `UPDATE approval_requests SET status = 'abandoned', decided_at = ?, source = 'restart',
         reason = 'the daemon that asked stopped before a decision' WHERE status = 'pending'`,
    );
  }

  recordRequest(r: ApprovalRequestRecord): Promise<void> {
    if (!Number.isFinite(r.createdAt) || !Number.isFinite(r.expiresAt))
      return Promise.reject(storeFailure('store.bad_input', `approval ${r.id}: its times must be finite numbers`));
    return this.call(() => {
      this.insert.run(
        r.id,
        r.effectHash,
        wellFormed(r.agentId),
        wellFormed(r.sessionId),
        wellFormed(r.view),
        Math.floor(r.createdAt),
        Math.floor(r.expiresAt),
      );
    });
  }

  recordDecision(id: string, d: ApprovalDecisionRecord): Promise<Result<void, BulwarkError>> {
    if (!APPROVAL_STATUSES.includes(d.status) || d.status === ('pending' as string))
      return Promise.reject(storeFailure('store.bad_input', `approval ${id}: "${d.status}" is not a final status`));
    return this.call(() => {
      const changed = this.decide.run(
        d.status,
        Math.floor(d.decidedAt),
        d.decidedBy !== undefined ? wellFormed(d.decidedBy) : null,
        wellFormed(d.source),
        d.reason !== undefined ? wellFormed(d.reason) : null,
        id,
      ).changes;
      return changed === 1 ? ok(undefined) : err(notPending(id));
    });
  }

  get(id: string): Promise<ApprovalRecord | undefined> {
    return this.call(() => {
      const row = this.selectOne.get(id) as Row | undefined;
      return row ? toRecord(row) : undefined;
    });
  }

  list(q: ApprovalQuery): Promise<ApprovalRecord[]> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_APPROVAL_PAGE)
      return Promise.reject(
        storeFailure('store.bad_input', `a page of approvals holds 1 to ${MAX_APPROVAL_PAGE} entries`),
      );
    if (q.status !== undefined && !APPROVAL_STATUSES.includes(q.status))
      return Promise.reject(
        storeFailure(
          'store.bad_input',
          `"${String(q.status)}" is not an approval status (${APPROVAL_STATUSES.join(', ')})`,
        ),
      );
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.status !== undefined) {
      where.push('status = ?');
      args.push(q.status);
    }
    if (q.before !== undefined) {
      where.push('created_at < ?');
      args.push(Math.floor(q.before));
    }
    const sql = `SELECT ${COLUMNS} FROM approval_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return this.call(() => (this.db.prepare(sql).all(...args, q.limit) as Row[]).map(toRecord));
  }

  abandonPending(at: number): Promise<number> {
    return this.call(() => this.abandon.run(Math.floor(at)).changes);
  }

  private call<T>(run: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(storeClosed('approval'));
    return sqliteCall(this.file, run);
  }
}
