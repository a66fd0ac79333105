/**
 * The storage seam, on the composition root's side. Each room declares the store it needs (Promise-returning
 * methods, outcomes a caller must handle as `Result`s):
 *
 *   sessions   agent/session-store.ts          SessionStore   (conversation history per agent and sender)
 *   usage      agent/budget/usage-store.ts     UsageStore     (L21 token and cost counters)
 *   approvals  policy/approval-store.ts        ApprovalStore  (L13 requests and decisions)
 *   grants     policy/grant-store.ts           GrantStore     (L13 scoped, expiring grants)
 *   audit      core/audit.ts                   AuditStore     (audited events, in order)
 *   mcpPins    supply/mcp/pin-store.ts         McpPinStore    (approved MCP tool definitions, by hash)
 *   channels   channels/channel-state-store.ts ChannelStateStore (chat → session, update cursor per platform)
 *   skillNarrowing agent/skill-narrowing-store.ts SkillNarrowingStore (allowed-tools in force per session)
 *   taint      agent/taint-store.ts            TaintStore     (L08.1: sessions that saw secret material, and why)
 *   writtenFiles agent/written-file-store.ts   WrittenFileStore (L08.1: files tainted sessions' runs wrote)
 *
 * A backend is one factory returning all of them; the rooms never name a backend. The embedded default is below:
 * SQLite in <data dir>/bulwark.db (better-sqlite3, synchronous underneath) and audit.jsonl beside it. Another
 * backend (e.g. PostgreSQL) is a new factory here and an implementation of each interface that passes the shared
 * contract suites in test/stores/.
 */
import {
  type SessionStore,
  SqliteSessionStore,
  SqliteCompactionStore,
  type CompactionStore,
  SqliteUsageStore,
  type UsageStore,
  type SkillNarrowingStore,
  SqliteSkillNarrowingStore,
  type TaintStore,
  SqliteTaintStore,
  type WrittenFileStore,
  SqliteWrittenFileStore,
} from './agent/index.js';
import {
  type AuditStore,
  type BulwarkError,
  JsonlAuditStore,
  type RotationPolicy,
  err,
  ok,
  type Result,
  childPath,
  closeDatabase,
  openDatabase,
  openSqliteStore,
  sqliteError,
  type Db,
} from './core/index.js';
import { existsSync } from 'node:fs';
import { type ApprovalStore, type GrantStore, SqliteApprovalStore, SqliteGrantStore } from './policy/index.js';
import { type McpPinStore, SqliteMcpPinStore } from './supply/index.js';
import { type ChannelStateStore, SqliteChannelStateStore } from './channels/index.js';

export const DB_FILE = 'bulwark.db';
export const AUDIT_FILE = 'audit.jsonl';

export interface Stores {
  readonly sessions: SessionStore;
  readonly usage: UsageStore;
  readonly approvals: ApprovalStore;
  readonly grants: GrantStore;
  readonly audit: AuditStore;
  /** Session compactions: summaries that stand in for the early part of a long session. */
  readonly compactions: CompactionStore;
  /** Approved MCP tool definitions (L24 pins). */
  readonly mcpPins: McpPinStore;
  /** What chat channels keep across restarts (which session a chat continues, the update cursor). */
  readonly channels: ChannelStateStore;
  /** The tools activated skills still allow, per session (narrowing only). */
  readonly skillNarrowing: SkillNarrowingStore;
  /** L08.1's tainted sessions (kept across restarts). */
  readonly taint: TaintStore;
  /** L08.1's files written by tainted sessions' runs, counted as holding a value while unchanged (across restarts). */
  readonly writtenFiles: WrittenFileStore;
  /** Writes what is pending (audit lines), then releases the backend. Idempotent. */
  close(): Promise<void>;
}

export interface EmbeddedStores extends Stores {
  /** The API tokens (gateway/auth) still use the database directly; they are not behind the seam yet. */
  readonly db: Db;
}

/** The SQLite stores over an open database (`file` names it in errors). */
function sqliteStores(db: Db, file: string): Result<Omit<Stores, 'audit' | 'close'>, BulwarkError> {
  try {
    return ok({
      sessions: new SqliteSessionStore(db, file),
      usage: new SqliteUsageStore(db, file),
      approvals: new SqliteApprovalStore(db, file),
      grants: new SqliteGrantStore(db, file),
      compactions: new SqliteCompactionStore(db),
      mcpPins: new SqliteMcpPinStore(db, file),
      channels: new SqliteChannelStateStore(db, file),
      skillNarrowing: new SqliteSkillNarrowingStore(db, file),
      taint: new SqliteTaintStore(db, file),
      writtenFiles: new SqliteWrittenFileStore(db, file),
    });
  } catch (cause) {
    // A migration that fails leaves the file as it was (each runs in a transaction).
    return err(sqliteError(file, cause));
  }
}

/**
 * Opens the embedded stores of a data dir (which must exist): bulwark.db (created on first use, mode 0600) and
 * audit.jsonl (opened for appending). A damaged database is an error naming the file and the fix; nothing is
 * created or changed then.
 */
export function openEmbeddedStores(
  dataDir: string,
  options: { readonly auditRotation?: RotationPolicy } = {},
): Promise<Result<EmbeddedStores, BulwarkError>> {
  const file = childPath(dataDir, DB_FILE);
  const opened = openSqliteStore(file);
  if (!opened.ok) return Promise.resolve(opened);
  const db = opened.value;
  const stores = sqliteStores(db, file);
  if (!stores.ok) {
    db.close();
    return Promise.resolve(stores);
  }
  const audit = JsonlAuditStore.open(childPath(dataDir, AUDIT_FILE), options.auditRotation);
  if (!audit.ok) {
    db.close();
    return Promise.resolve(audit);
  }
  let closing: Promise<void> | undefined;
  return Promise.resolve(
    ok({
      ...stores.value,
      audit: audit.value,
      db,
      close: () =>
        (closing ??= (async () => {
          try {
            await audit.value.close();
          } finally {
            closeDatabase(db);
          }
        })()),
    }),
  );
}

/** True when the data dir already has an embedded database (commands that only read need not create one). */
export function embeddedStoresExist(dataDir: string): boolean {
  return existsSync(childPath(dataDir, DB_FILE));
}

/**
 * Stores that live in memory only, for views that must not touch the data dir (`bulwark layers` offline): the
 * same SQLite implementations over an in-memory database; no audit store.
 */
export function memoryStores(): Result<Omit<Stores, 'audit'>, BulwarkError> {
  const db = openDatabase(':memory:');
  const stores = sqliteStores(db, ':memory:');
  if (!stores.ok) {
    db.close();
    return stores;
  }
  return ok({
    ...stores.value,
    close: () => {
      db.close();
      return Promise.resolve();
    },
  });
}
