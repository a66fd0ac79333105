/**
 * The embedded backend against the shared store contracts: SQLite (bulwark.db) for sessions, usage and approvals,
 * audit.jsonl for audit lines (and the in-memory audit store the gateway tests read). Each opens a real file in a
 * fresh temp dir; `reopen` is a second handle on the same file, as after a daemon restart.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteUsageStore } from '../../src/agent/budget/sqlite-usage-store.js';
import { SqliteSessionStore } from '../../src/agent/sqlite-session-store.js';
import { JsonlAuditStore } from '../../src/core/jsonl-audit-store.js';
import { unwrap } from '../../src/core/result.js';
import { openDatabase, type Db } from '../../src/core/sqlite.js';
import { SqliteApprovalStore } from '../../src/policy/sqlite-approval-store.js';
import { MemoryAuditStore } from '../support/stores.js';
import { approvalStoreContract } from './approval-store.contract.js';
import { auditStoreContract } from './audit-store.contract.js';
import { sessionStoreContract } from './session-store.contract.js';
import type { StoreSubject } from './subject.js';
import { usageStoreContract } from './usage-store.contract.js';

function sqlite<S>(make: (db: Db, file: string) => S): () => Promise<StoreSubject<S>> {
  return () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-contract-'));
    const file = path.join(dir, 'bulwark.db');
    const handles: Db[] = [openDatabase(file)];
    return Promise.resolve({
      store: make(handles[0] as Db, file),
      reopen: () => {
        const db = openDatabase(file);
        handles.push(db);
        return Promise.resolve(make(db, file));
      },
      close: () => {
        for (const h of handles) h.close();
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  };
}

sessionStoreContract(
  'SQLite',
  sqlite((db, file) => new SqliteSessionStore(db, file)),
);
usageStoreContract(
  'SQLite',
  sqlite((db, file) => new SqliteUsageStore(db, file)),
);
approvalStoreContract(
  'SQLite',
  sqlite((db, file) => new SqliteApprovalStore(db, file)),
);

auditStoreContract('audit.jsonl', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-contract-'));
  const file = path.join(dir, 'audit.jsonl');
  const store = unwrap(JsonlAuditStore.open(file));
  return Promise.resolve({
    store,
    readBack: () => Promise.resolve(readFileSync(file, 'utf8').split('\n').filter(Boolean)),
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

auditStoreContract('in memory (test harnesses)', () => {
  const store = new MemoryAuditStore();
  return Promise.resolve({ store, readBack: () => Promise.resolve([...store.lines]), close: () => store.close() });
});
