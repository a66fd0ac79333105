/**
 * What a memory is (L14): text and kind, chosen by whoever writes, and provenance — origin, source, session kind,
 * times, the supersedes link — set by the memory-write pipeline from the caller and the turn, never by the model.
 */
import type { MemoryOrigin } from '../config/index.js';

export { MEMORY_ORIGINS, RECALLABLE_ORIGINS, type MemoryOrigin } from '../config/index.js';

export const MEMORY_KINDS = ['fact', 'preference', 'note', 'summary', 'episode'] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];

/** The write paths; each one passes the memory-write pipeline (L15 → L14). */
export const WRITE_PATHS = ['tool', 'capture', 'compaction', 'import', 'promote'] as const;
export type WritePath = (typeof WRITE_PATHS)[number];

/** Where an entry came from. Set by bulwark, never by the model. */
export interface MemorySource {
  readonly path: WritePath;
  readonly session?: string;
  /** bulwark's id of the tool call (`call_<step>_<index>`) that wrote it. */
  readonly toolCall?: string;
  /** A URL the turn fetched before the write (the reason it is external). */
  readonly url?: string;
  /** The caller as `kind:id`. */
  readonly sender?: string;
  /** What tainted the turn (tool names), when something did. */
  readonly taint?: readonly string[];
}

export interface MemoryEntry {
  readonly id: string;
  readonly agentId: string;
  readonly text: string;
  readonly kind: MemoryKind;
  readonly origin: MemoryOrigin;
  readonly source: MemorySource;
  /** `api`, `channel`, `hook`, `operator`… (the caller kind of the session that wrote it). */
  readonly sessionKind: string;
  /** When it was stored (ms since epoch). */
  readonly createdAt: number;
  /** When what it says was observed (the turn, the imported record's own time). */
  readonly observedAt: number;
  readonly supersedes: string | null;
  readonly supersededBy: string | null;
  /** L15 tags: `scan:<finding id>`, `downgraded`, `quarantined`. */
  readonly tags: readonly string[];
  /** Stored for the operator only: never recalled, never returned by memory_search. */
  readonly quarantined: boolean;
}

export interface ScoredEntry {
  readonly entry: MemoryEntry;
  /** 0–1: max(lexical coverage, vector similarity). */
  readonly score: number;
  readonly lexical: number;
  readonly vector?: number;
}

/**
 * One write on its way through the memory-write pipeline. The writer sets text, kind and what the write derives
 * from; L15 sets the scan outcome; L14 sets `origin`. Only an item that left L14 with an origin is stored.
 */
export interface MemoryWriteItem {
  readonly agentId: string;
  readonly text: string;
  readonly kind: MemoryKind;
  readonly path: WritePath;
  /**
   * The most this path can vouch for: `owner` for the owner's own words (captured user text, an operator import
   * as owner), `agent` for what the model wrote, the operator's `--origin` for imports.
   */
  readonly ceiling: MemoryOrigin;
  /** The text is the model's (or a summary's), not the caller's own words: turn taint applies. */
  readonly derived: boolean;
  /** Origins of what the text derives from (a compaction's messages, a replaced entry). */
  readonly inputs: readonly MemoryOrigin[];
  readonly sessionKind: string;
  readonly observedAt: number;
  readonly supersedes?: string;
  readonly source: Omit<MemorySource, 'path'>;
  /** Set by L15. */
  readonly scan?: ScanOutcome;
  /** Set by L14. */
  readonly origin?: MemoryOrigin;
}

export interface ScanOutcome {
  /** clean: stored as is; downgraded: stored as external, tagged; quarantined: stored external and hidden. */
  readonly verdict: 'clean' | 'downgraded' | 'quarantined';
  readonly score: number;
  readonly tags: readonly string[];
}

/** What the store is given to insert: an item that passed the pipeline. */
export interface NewEntry {
  readonly agentId: string;
  readonly text: string;
  readonly kind: MemoryKind;
  readonly origin: MemoryOrigin;
  readonly source: MemorySource;
  readonly sessionKind: string;
  readonly observedAt: number;
  readonly supersedes?: string;
  readonly tags: readonly string[];
  readonly quarantined: boolean;
}

export interface ListFilter {
  readonly agentId?: string;
  readonly origins?: readonly MemoryOrigin[];
  readonly kinds?: readonly MemoryKind[];
  /** Superseded and quarantined entries are left out unless asked for. */
  readonly includeSuperseded?: boolean;
  readonly includeQuarantined?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

export interface SearchFilter {
  readonly agentId: string;
  readonly origins: readonly MemoryOrigin[];
  readonly limit: number;
  readonly minScore?: number;
  readonly includeQuarantined?: boolean;
  readonly includeSuperseded?: boolean;
}
