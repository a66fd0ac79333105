/** The embedded UsageStore: one row per agent, model and minute in SQLite (bulwark.db, room 'usage'). */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, type Db, storeClosed, storeFailure, wellFormed } from '../../core/index.js';
import { USAGE_KEEP_DAYS, USAGE_MINUTE_MS, type UsageEntry, type UsageRow, type UsageStore } from './usage-store.js';

const MIGRATIONS = [
  `CREATE TABLE usage_minutes (
     agent TEXT NOT NULL, model TEXT NOT NULL, minute INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost REAL NOT NULL, calls INTEGER NOT NULL,
     PRIMARY KEY (agent, model, minute));
   CREATE INDEX usage_minutes_minute ON usage_minutes (minute);`,
  // L21 per caller: tokens per caller and minute, over all agents.
  `CREATE TABLE usage_caller_minutes (
     caller TEXT NOT NULL, minute INTEGER NOT NULL, tokens INTEGER NOT NULL,
     PRIMARY KEY (caller, minute));
   CREATE INDEX usage_caller_minutes_minute ON usage_caller_minutes (minute);`,
  // L21 strangers' share: tokens per agent and minute of callers that are not the owner.
  `CREATE TABLE usage_stranger_minutes (
     agent TEXT NOT NULL, minute INTEGER NOT NULL, tokens INTEGER NOT NULL,
     PRIMARY KEY (agent, minute));
   CREATE INDEX usage_stranger_minutes_minute ON usage_stranger_minutes (minute);`,
];

const minuteOf = (ms: number): number => Math.floor(ms / USAGE_MINUTE_MS);

function count(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

export class SqliteUsageStore implements UsageStore {
  // Compiled once: record and tokensSince run on every model call.
  private readonly insertMinute: Statement;
  private readonly tokensSinceAll: Statement;
  private readonly tokensSinceAgent: Statement;
  private readonly summarySince: Statement;
  private readonly deleteBefore: Statement;
  private readonly insertCallerMinute: Statement;
  private readonly tokensSinceCallerStmt: Statement;
  private readonly deleteCallerBefore: Statement;
  private readonly insertStrangerMinute: Statement;
  private readonly tokensSinceStrangersStmt: Statement;
  private readonly tokensSinceAllStrangersStmt: Statement;
  private readonly deleteStrangerBefore: Statement;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
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
    this.summarySince = db.prepare(
      `SELECT agent, model, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens, SUM(cost) AS cost, SUM(calls) AS calls
         FROM usage_minutes WHERE minute >= ? GROUP BY agent, model ORDER BY agent, model`,
    );
    this.deleteBefore = db.prepare('DELETE FROM usage_minutes WHERE minute < ?');
    this.insertCallerMinute = db.prepare(
      `INSERT INTO usage_caller_minutes (caller, minute, tokens) VALUES (?, ?, ?)
       ON CONFLICT(caller, minute) DO UPDATE SET tokens = tokens + excluded.tokens`,
    );
    this.tokensSinceCallerStmt = db.prepare(
      'SELECT COALESCE(SUM(tokens), 0) AS n FROM usage_caller_minutes WHERE minute >= ? AND caller = ?',
    );
    this.deleteCallerBefore = db.prepare('DELETE FROM usage_caller_minutes WHERE minute < ?');
    this.insertStrangerMinute = db.prepare(
      `INSERT INTO usage_stranger_minutes (agent, minute, tokens) VALUES (?, ?, ?)
       ON CONFLICT(agent, minute) DO UPDATE SET tokens = tokens + excluded.tokens`,
    );
    this.tokensSinceStrangersStmt = db.prepare(
      'SELECT COALESCE(SUM(tokens), 0) AS n FROM usage_stranger_minutes WHERE minute >= ? AND agent = ?',
    );
    this.tokensSinceAllStrangersStmt = db.prepare(
      'SELECT COALESCE(SUM(tokens), 0) AS n FROM usage_stranger_minutes WHERE minute >= ?',
    );
    this.deleteStrangerBefore = db.prepare('DELETE FROM usage_stranger_minutes WHERE minute < ?');
  }

  record(e: UsageEntry): Promise<void> {
    if (![e.inputTokens, e.outputTokens, e.cost].every(count) || !Number.isFinite(e.at))
      return Promise.reject(
        storeFailure(
          'store.bad_input',
          `usage of agent ${JSON.stringify(e.agent)} was not recorded: token counts and cost must be finite and not negative`,
        ),
      );
    return this.call(() =>
      this.db.transaction(() => {
        this.insertMinute.run(
          wellFormed(e.agent),
          wellFormed(e.model),
          minuteOf(e.at),
          Math.floor(e.inputTokens),
          Math.floor(e.outputTokens),
          e.cost,
        );
        if (e.caller !== undefined)
          this.insertCallerMinute.run(
            wellFormed(e.caller),
            minuteOf(e.at),
            Math.floor(e.inputTokens) + Math.floor(e.outputTokens),
          );
        if (e.stranger === true)
          this.insertStrangerMinute.run(
            wellFormed(e.agent),
            minuteOf(e.at),
            Math.floor(e.inputTokens) + Math.floor(e.outputTokens),
          );
      })(),
    );
  }

  tokensSinceCaller(since: number, caller: string): Promise<number> {
    return this.call(() => (this.tokensSinceCallerStmt.get(minuteOf(since), wellFormed(caller)) as { n: number }).n);
  }

  tokensSinceStrangers(since: number, agent?: string): Promise<number> {
    return this.call(
      () =>
        (
          (agent === undefined
            ? this.tokensSinceAllStrangersStmt.get(minuteOf(since))
            : this.tokensSinceStrangersStmt.get(minuteOf(since), wellFormed(agent))) as { n: number }
        ).n,
    );
  }

  tokensSince(since: number, agent?: string): Promise<number> {
    return this.call(() => {
      const row = (
        agent === undefined
          ? this.tokensSinceAll.get(minuteOf(since))
          : this.tokensSinceAgent.get(minuteOf(since), wellFormed(agent))
      ) as { n: number };
      return row.n;
    });
  }

  summary(since: number): Promise<UsageRow[]> {
    return this.call(() => this.summarySince.all(minuteOf(since)) as UsageRow[]);
  }

  prune(now: number): Promise<void> {
    return this.call(() => {
      this.deleteBefore.run(minuteOf(now - USAGE_KEEP_DAYS * 86_400_000));
      this.deleteCallerBefore.run(minuteOf(now - USAGE_KEEP_DAYS * 86_400_000));
      this.deleteStrangerBefore.run(minuteOf(now - USAGE_KEEP_DAYS * 86_400_000));
    });
  }

  private call<T>(run: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(storeClosed('usage'));
    return sqliteCall(this.file, run);
  }
}
