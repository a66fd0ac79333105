/**
 * L21 persistent usage counters: one row per agent, model and minute in SQLite, so a restart does
 * not reset the hour or the day. Hour = the last 60 minutes; day = since 00:00 UTC.
 */
import type { Statement } from 'better-sqlite3';
import { openDatabase, migrate, type Db } from '../../core/sqlite.js';
import { childPath } from '../../core/safe-path.js';

export const USAGE_DB_FILE = 'bulwark.db';
const MINUTE = 60_000;
const KEEP_DAYS = 35;

const MIGRATIONS = [
  `CREATE TABLE usage_minutes (
     agent TEXT NOT NULL, model TEXT NOT NULL, minute INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost REAL NOT NULL, calls INTEGER NOT NULL,
     PRIMARY KEY (agent, model, minute));
   CREATE INDEX usage_minutes_minute ON usage_minutes (minute);`,
];

export interface UsageRow {
  readonly agent: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number;
  readonly calls: number;
}

export function startOfUtcDay(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

export class UsageStore {
  private readonly db: Db;
  private readonly ownDb: boolean;
  // Compiled once: record and tokensSince run on every model call.
  private readonly insertMinute: Statement;
  private readonly tokensSinceAll: Statement;
  private readonly tokensSinceAgent: Statement;

  constructor(db: Db, ownDb = false) {
    this.db = db;
    this.ownDb = ownDb;
    migrate(db, 'usage', MIGRATIONS);
    this.insertMinute = db.prepare(
      `INSERT INTO usage_minutes (agent, model, minute, input_tokens, output_tokens, cost, calls) VALUES (?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT(agent, model, minute) DO UPDATE SET input_tokens = input_tokens + excluded.input_tokens,
         output_tokens = output_tokens + excluded.output_tokens, cost = cost + excluded.cost, calls = calls + 1`,
    );
    this.tokensSinceAll = db.prepare(
      'SELECT COALESCE(SUM(input_tokens + output_tokens), 0) AS n FROM usage_minutes WHERE minute >= ?',
    );
    this.tokensSinceAgent = db.prepare(
      'SELECT COALESCE(SUM(input_tokens + output_tokens), 0) AS n FROM usage_minutes WHERE minute >= ? AND agent = ?',
    );
  }

  static open(dataDir: string): UsageStore {
    return new UsageStore(openDatabase(childPath(dataDir, USAGE_DB_FILE)), true);
  }

  record(agent: string, model: string, inputTokens: number, outputTokens: number, cost: number, now: number): void {
    const minute = Math.floor(now / MINUTE);
    this.insertMinute.run(agent, model, minute, inputTokens, outputTokens, cost);
  }

  /** Tokens (in + out) since `since` (ms), for one agent or all agents. */
  tokensSince(since: number, agent?: string): number {
    const minute = Math.floor(since / MINUTE);
    const row = (agent === undefined ? this.tokensSinceAll.get(minute) : this.tokensSinceAgent.get(minute, agent)) as {
      n: number;
    };
    return row.n;
  }

  /** Per agent and model totals since `since`. */
  summary(since: number): UsageRow[] {
    return this.db
      .prepare(
        `SELECT agent, model, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens, SUM(cost) AS cost, SUM(calls) AS calls
           FROM usage_minutes WHERE minute >= ? GROUP BY agent, model ORDER BY agent, model`,
      )
      .all(Math.floor(since / MINUTE)) as UsageRow[];
  }

  prune(now: number): void {
    this.db
      .prepare('DELETE FROM usage_minutes WHERE minute < ?')
      .run(Math.floor((now - KEEP_DAYS * 86_400_000) / MINUTE));
  }

  close(): void {
    if (this.ownDb) this.db.close();
  }
}
