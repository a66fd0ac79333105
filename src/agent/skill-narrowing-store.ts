/**
 * Where a session's skill narrowing lives (allowed-tools of the skills it activated). Kept in the store, not in
 * memory, so neither a restart nor many sessions can drop it: a dropped narrowing would widen the session again.
 * Methods reject with a store failure when the backend fails; the callers refuse then (fail closed).
 */
export interface SkillNarrowingStore {
  /** The tools the session's activated skills still allow; undefined: no skill narrowed it. */
  allowed(sessionId: string): Promise<readonly string[] | undefined>;
  /**
   * Narrows the session to `tools` ∩ what it had (all of `tools` the first time), in one step — two skills
   * activated at once cannot undo each other's narrowing. Returns the set now in force.
   */
  narrow(sessionId: string, tools: readonly string[]): Promise<readonly string[]>;
}
