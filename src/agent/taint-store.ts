/**
 * Where L08.1 keeps which sessions have seen secret material, and why. Kept in the store, not only in memory, so
 * neither a restart nor many sessions (an authenticated client churning sessions to push one out of a bounded
 * map) can untaint a session. Methods reject with a store failure when the backend fails; L08.1 then treats the
 * session as tainted (fail closed).
 */
export interface TaintStore {
  /** Why the session is tainted (at most a few reasons), or undefined when it is not. */
  reasons(sessionId: string): Promise<readonly string[] | undefined>;
  /** Adds `reason` to the session's reasons; resolves true when the session was not tainted before. */
  mark(sessionId: string, reason: string): Promise<boolean>;
}

/** Reasons kept per session: the first few say enough, and a session cannot grow its row without bound. */
export const MAX_TAINT_REASONS = 8;
