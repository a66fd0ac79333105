/**
 * L21 persistent usage counters (room 'agent'): the store's contract. Counters survive a restart, so a restart does
 * not reset the hour or the day. Hour = the last 60 minutes; day = since 00:00 UTC. The embedded implementation is
 * SQLite (sqlite-usage-store.ts); the composition root picks one (src/stores.ts).
 */

export interface UsageRow {
  readonly agent: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number;
  readonly calls: number;
}

/** One model call's usage, as the provider reported it. */
export interface UsageEntry {
  readonly agent: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number;
  /** When the call ended (ms since the epoch). */
  readonly at: number;
  /** Who the call was for (`kind:id`, callerKey): L21's per-caller budget counts it. */
  readonly caller?: string;
  /** The caller is not the owner: counted against the agent's share for strangers too. */
  readonly stranger?: boolean;
}

/** Counters are kept per minute: a `since` is rounded down to its minute. */
export const USAGE_MINUTE_MS = 60_000;
/** How long counters are kept; `prune` removes older ones. */
export const USAGE_KEEP_DAYS = 35;

/**
 * The contract every implementation keeps (test/stores/usage-store.contract.ts checks it):
 * - `record` adds one call to the counters of its agent, model and minute; records made without waiting for each
 *   other all count;
 * - `tokensSince` sums input + output tokens from the minute of `since` on, for one agent or all;
 * - `tokensSinceCaller` sums them for the entries recorded with that caller;
 * - `tokensSinceStrangers` sums them for entries recorded as a stranger's (not the owner's), of one agent or all;
 * - `summary` gives per agent and model totals from the minute of `since` on, ordered by agent then model;
 * - `prune` drops counters older than `USAGE_KEEP_DAYS` before `now`;
 * - a storage failure rejects with a `store.*` error naming the store and the fix.
 */
export interface UsageStore {
  record(entry: UsageEntry): Promise<void>;
  /** Tokens (in + out) since `since` (ms), for one agent or all agents. */
  tokensSince(since: number, agent?: string): Promise<number>;
  /** Tokens (in + out) since `since` (ms) of calls recorded for this caller, over all agents. */
  tokensSinceCaller(since: number, caller: string): Promise<number>;
  /** Tokens (in + out) since `since` (ms) of calls for callers that are not the owner, of one agent or all. */
  tokensSinceStrangers(since: number, agent?: string): Promise<number>;
  /** Per agent and model totals since `since`. */
  summary(since: number): Promise<UsageRow[]>;
  prune(now: number): Promise<void>;
}

export function startOfUtcDay(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
