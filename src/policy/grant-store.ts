/**
 * Where L13 keeps scoped grants, so a grant outlives a daemon restart (and still lapses at its expiry). The store
 * is written through: the live set is in ScopedGrants, every change is journalled here.
 */
import type { Grant } from './grants.js';

export interface GrantStore {
  /** Grants that have not lapsed at `now`, oldest first. */
  live(now: number): Promise<Grant[]>;
  save(grant: Grant): Promise<void>;
  remove(id: string): Promise<void>;
  setUses(id: string, uses: number): Promise<void>;
  /** Deletes grants that lapsed before `now`; returns how many. */
  prune(now: number): Promise<number>;
}
