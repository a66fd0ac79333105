/**
 * L20 replay cache: every verified delivery's key (the signed id, or the signature digest for schemes that sign
 * none) is claimed once per hook until it expires; a second claim is a replay. Persisted, so a restart does not
 * reopen the window. The embedded implementation keeps it in bulwark.db.
 */
import { type Db, migrate } from '../../core/index.js';

export interface ReplayCache {
  /** True when `key` was not seen for `hook` (it is now recorded until `expiresAt`); false for a replay. */
  claim(hook: string, key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Forgets expired keys; returns how many. */
  prune(now: number): Promise<number>;
}

const MIGRATIONS = [
  `CREATE TABLE webhook_replay (
     hook TEXT NOT NULL,
     key TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (hook, key)
   ) WITHOUT ROWID;
   CREATE INDEX webhook_replay_expiry ON webhook_replay (expires_at);`,
];

const MAX_KEY = 600;

export class SqliteReplayCache implements ReplayCache {
  private readonly claimTx: (hook: string, key: string, expiresAt: number, now: number) => boolean;
  private readonly pruneStmt;

  constructor(db: Db) {
    migrate(db, 'webhook_replay', MIGRATIONS);
    const drop = db.prepare('DELETE FROM webhook_replay WHERE hook = ? AND key = ? AND expires_at <= ?');
    const insert = db.prepare('INSERT OR IGNORE INTO webhook_replay (hook, key, expires_at) VALUES (?, ?, ?)');
    this.claimTx = db.transaction((hook: string, key: string, expiresAt: number, now: number) => {
      drop.run(hook, key, now);
      return insert.run(hook, key, expiresAt).changes === 1;
    });
    this.pruneStmt = db.prepare('DELETE FROM webhook_replay WHERE expires_at <= ?');
  }

  claim(hook: string, key: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      return Promise.resolve(this.claimTx(hook, key.slice(0, MAX_KEY), expiresAt, now));
    } catch (cause) {
      return Promise.reject(cause instanceof Error ? cause : new Error(String(cause)));
    }
  }

  prune(now: number): Promise<number> {
    try {
      return Promise.resolve(this.pruneStmt.run(now).changes);
    } catch (cause) {
      return Promise.reject(cause instanceof Error ? cause : new Error(String(cause)));
    }
  }
}
