/**
 * The memory store seam: every method returns a Promise, so a server database can stand behind it later without
 * touching the rooms above. SQLite (better-sqlite3, WAL, FTS5) is the embedded default (sqlite-store.ts).
 *
 * The store keeps L14's invariants itself, whoever calls it: origin and trust columns agree, trust is only ever
 * lowered, the text of an entry never changes (a change is a new entry that supersedes the old one).
 */
import type { BulwarkError, Result } from '../core/index.js';
import type { ListFilter, MemoryEntry, MemoryOrigin, NewEntry, ScoredEntry, SearchFilter } from './types.js';

export interface VectorHit {
  readonly id: string;
  /** Cosine similarity, -1…1. */
  readonly similarity: number;
}

export interface MemoryStoreStats {
  readonly entries: number;
  readonly byOrigin: Readonly<Record<MemoryOrigin, number>>;
  readonly quarantined: number;
  readonly vectors: number;
  /** `sqlite-vec` when its extension loaded, else `in-process` cosine. */
  readonly vectorIndex: 'sqlite-vec' | 'in-process';
  readonly file: string;
}

export interface MemoryStore {
  insert(entry: NewEntry): Promise<Result<MemoryEntry, BulwarkError>>;
  get(id: string): Promise<MemoryEntry | undefined>;
  list(filter: ListFilter): Promise<MemoryEntry[]>;
  /** Lexical (FTS5) candidates with their coverage score; filtered by agent, origins, quarantine, supersession. */
  searchLexical(query: string, filter: SearchFilter): Promise<ScoredEntry[]>;
  /** Nearest vectors of one embedder (empty when none are stored for it). */
  searchVectors(vector: Float32Array, embedder: string, filter: SearchFilter): Promise<VectorHit[]>;
  setVector(id: string, embedder: string, vector: Float32Array): Promise<Result<void, BulwarkError>>;
  /** Ids of live entries without a vector of this embedder (for re-indexing), oldest first. */
  missingVectors(embedder: string, limit: number): Promise<Array<{ id: string; text: string }>>;
  /** Lowers an entry's trust (L14: never raises it). */
  lower(id: string, to: MemoryOrigin): Promise<Result<MemoryEntry, BulwarkError>>;
  /** Deletes an entry (operator); what it superseded becomes current again. */
  forget(id: string): Promise<Result<MemoryEntry, BulwarkError>>;
  stats(): Promise<MemoryStoreStats>;
  close(): Promise<void>;
}
