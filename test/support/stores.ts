import { SqliteCompactionStore } from '../../src/agent/compaction-store.js';
/** The embedded SQLite stores for tests that build parts by hand (the daemon opens them through src/stores.ts). */
import { join } from 'node:path';
import { SqliteUsageStore } from '../../src/agent/budget/sqlite-usage-store.js';
import { SqliteSessionStore } from '../../src/agent/sqlite-session-store.js';
import { MAX_RECENT_AUDIT_LINES, type AuditStore } from '../../src/core/audit.js';
import { openDatabase, type Db } from '../../src/core/sqlite.js';
import { storeClosed, storeFailure } from '../../src/core/store.js';
import { SqliteApprovalStore } from '../../src/policy/sqlite-approval-store.js';

export interface TestStores {
  readonly sessions: SqliteSessionStore;
  readonly usage: SqliteUsageStore;
  readonly approvals: SqliteApprovalStore;
  readonly compactions: SqliteCompactionStore;
}

/** Session, usage and approval stores over one open database (`file` names it in errors). */
export function sqliteStoresOn(db: Db, file = ':memory:'): TestStores {
  return {
    sessions: new SqliteSessionStore(db, file),
    usage: new SqliteUsageStore(db, file),
    approvals: new SqliteApprovalStore(db, file),
    compactions: new SqliteCompactionStore(db),
  };
}

/** An approval store over its own in-memory database. */
export function memoryApprovalStore(): SqliteApprovalStore {
  return new SqliteApprovalStore(openDatabase(':memory:'), ':memory:');
}

/** Usage counters in <dir>/bulwark.db, with a close for the database. */
export function usageStoreIn(dir: string): SqliteUsageStore & { close(): void } {
  const file = join(dir, 'bulwark.db');
  const db = openDatabase(file);
  return Object.assign(new SqliteUsageStore(db, file), { close: () => db.close() });
}

/** What the approval queue needs besides its bus, for tests: an in-memory store and no redaction. */
export function queueStore(): { store: SqliteApprovalStore; redact: (text: string) => string } {
  return { store: memoryApprovalStore(), redact: (text) => text };
}

/**
 * An AuditStore that keeps its lines in memory, for harnesses that read the audit trail synchronously (the gateway
 * tests). It keeps the AuditStore contract (test/stores/contract.test.ts runs the suite against it too).
 */
export class MemoryAuditStore implements AuditStore {
  readonly lines: string[] = [];
  private closed = false;

  append(line: string): Promise<void> {
    if (this.closed) return Promise.reject(storeClosed('audit'));
    if (/[\r\n]/.test(line))
      return Promise.reject(storeFailure('store.bad_input', 'an audit line must be one JSON object on one line'));
    this.lines.push(line);
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  recent(limit: number): Promise<string[]> {
    const n = Math.max(0, Math.min(MAX_RECENT_AUDIT_LINES, Math.floor(limit)));
    return Promise.resolve(n === 0 ? [] : this.lines.slice(-n));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
