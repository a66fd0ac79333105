/**
 * The memory service: writes through the memory-write pipeline it is handed (src/pipelines.ts declares it),
 * hybrid search (FTS5 coverage, plus vectors when an embedder is configured), trust-filtered recall, re-indexing,
 * and the live report of L14–L16.
 */
import './events.js';
import {
  auditContext,
  type CallContext,
  bulwarkError,
  type BulwarkError,
  type EventBus,
  type SecurityEvent,
  type GateReport,
  type LayerReporter,
  runPipeline,
  type Pipeline,
  err,
  ok,
  type Result,
} from '../core/index.js';
import type { MemoryConfig } from '../config/index.js';
import type { Embedder } from './embeddings.js';
import type { MemoryStore } from './store.js';
import { recallOrigins, selectForRecall } from './recall.js';
import type { MemoryEntry, MemoryWriteItem, ScoredEntry, SearchFilter } from './types.js';

export interface MemoryServiceDeps {
  readonly store: MemoryStore;
  readonly bus: EventBus;
  readonly config: MemoryConfig;
  readonly embedder?: Embedder;
}

export class MemoryService implements LayerReporter {
  readonly name = 'memory';
  readonly store: MemoryStore;
  private readonly bus: EventBus;
  readonly config: MemoryConfig;
  private readonly embedder: Embedder | undefined;
  private embedFailure: string | undefined;

  constructor(deps: MemoryServiceDeps) {
    this.store = deps.store;
    this.bus = deps.bus;
    this.config = deps.config;
    this.embedder = deps.embedder;
  }

  /** One write, through the memory-write pipeline (L15 → L14), then the store; refusals are audited. */
  async write(
    pipeline: Pipeline<MemoryWriteItem>,
    item: MemoryWriteItem,
    ctx: CallContext,
    signal: AbortSignal,
  ): Promise<Result<MemoryEntry, BulwarkError>> {
    const audit = { ...auditContext(ctx), path: item.path, kind: item.kind };
    const gated = await runPipeline(pipeline, item, ctx, signal);
    if (!gated.ok) {
      this.bus.emit('memory:refused', {
        ...audit,
        layer: gated.error.layer ?? 'L15',
        outcome: 'refused',
        reason: gated.error.code,
      });
      return gated;
    }
    const { origin, scan } = gated.value;
    if (origin === undefined || scan === undefined) {
      // Fail closed: a pipeline without L15 and L14 does not store anything.
      const e = bulwarkError(
        'memory.unprovenanced',
        'the memory-write pipeline set no scan verdict or origin; nothing was stored',
        {
          layer: 'L14',
          status: 500,
        },
      );
      this.bus.emit('memory:refused', { ...audit, layer: 'L14', outcome: 'refused', reason: e.code });
      return err(e);
    }
    const v = gated.value;
    const stored = await this.store.insert({
      agentId: v.agentId,
      text: v.text,
      kind: v.kind,
      origin,
      source: { path: v.path, ...v.source },
      sessionKind: v.sessionKind,
      observedAt: v.observedAt,
      ...(v.supersedes !== undefined ? { supersedes: v.supersedes } : {}),
      tags: scan.tags,
      quarantined: scan.verdict === 'quarantined',
    });
    if (!stored.ok) {
      this.bus.emit('memory:refused', { ...audit, layer: 'L14', outcome: 'error', reason: stored.error.code });
      return stored;
    }
    this.bus.emit('memory:written', {
      ...audit,
      layer: scan.verdict === 'clean' ? 'L14' : 'L15',
      outcome: scan.verdict,
      id: stored.value.id,
      origin,
      ...(v.supersedes !== undefined ? { supersedes: v.supersedes } : {}),
    });
    if (this.embedder && !stored.value.quarantined) await this.embed(stored.value, signal);
    return stored;
  }

  private async embed(entry: MemoryEntry, signal?: AbortSignal): Promise<void> {
    const embedder = this.embedder;
    if (!embedder) return;
    const r = await embedder.embed([entry.text], signal);
    if (!r.ok) {
      // The entry stays searchable lexically; re-indexing picks it up once the endpoint answers.
      this.embedFailure = r.error.message;
      return;
    }
    const v = r.value[0];
    if (v) {
      const set = await this.store.setVector(entry.id, embedder.id, v);
      this.embedFailure = set.ok ? undefined : set.error.message;
    }
  }

  /** An operator action (forget, promote), audited. */
  emitOperator(payload: SecurityEvent): void {
    this.bus.emit('memory:operator', { layer: 'L14', ...payload });
  }

  /** Hybrid search: lexical coverage and, with an embedder, cosine similarity; an entry's score is the larger. */
  async search(query: string, filter: SearchFilter, signal?: AbortSignal): Promise<ScoredEntry[]> {
    const lexical = await this.store.searchLexical(query, { ...filter, minScore: 0 });
    const byId = new Map<string, ScoredEntry>(lexical.map((s) => [s.entry.id, s]));
    if (this.embedder && query.trim() !== '') {
      const q = await this.embedder.embed([query], signal);
      if (!q.ok) this.embedFailure = q.error.message;
      const vector = q.ok ? q.value[0] : undefined;
      if (vector) {
        this.embedFailure = undefined;
        const hits = await this.store.searchVectors(vector, this.embedder.id, filter);
        const min = this.config.embeddings?.minSimilarity ?? 1;
        for (const h of hits) {
          if (h.similarity < min) continue;
          const known = byId.get(h.id);
          if (known) byId.set(h.id, { ...known, vector: h.similarity, score: Math.max(known.lexical, h.similarity) });
          else {
            const entry = await this.store.get(h.id);
            if (entry) byId.set(h.id, { entry, lexical: 0, vector: h.similarity, score: h.similarity });
          }
        }
      }
    }
    const min = filter.minScore ?? 0;
    return [...byId.values()]
      .filter((s) => s.score >= min)
      .sort((a, b) => b.score - a.score || b.entry.createdAt - a.entry.createdAt)
      .slice(0, filter.limit);
  }

  /** L16: the trusted entries automatic recall may inject for this query. */
  async recall(query: string, agentId: string, signal?: AbortSignal): Promise<MemoryEntry[]> {
    const r = this.config.recall;
    const origins = recallOrigins(r.origins);
    const hits = await this.search(query, { agentId, origins, limit: r.maxEntries * 4, minScore: r.minScore }, signal);
    return selectForRecall(hits, { origins, minScore: r.minScore, max: r.maxEntries, maxChars: r.maxChars });
  }

  /** Embeds live entries that have no vector of the configured embedder, a batch at a time. */
  async reindex(signal?: AbortSignal, batch = 64): Promise<Result<number, BulwarkError>> {
    const embedder = this.embedder;
    if (!embedder) return ok(0);
    let done = 0;
    for (;;) {
      if (signal?.aborted) return ok(done);
      const missing = await this.store.missingVectors(embedder.id, batch);
      if (missing.length === 0) return ok(done);
      const r = await embedder.embed(
        missing.map((m) => m.text),
        signal,
      );
      if (!r.ok) {
        this.embedFailure = r.error.message;
        return r;
      }
      for (const [i, m] of missing.entries()) {
        const v = r.value[i];
        if (!v) continue;
        const set = await this.store.setVector(m.id, embedder.id, v);
        if (!set.ok) return set;
        done++;
      }
    }
  }

  layers(): GateReport[] {
    const recall = this.config.recall;
    const vectors = this.embedder
      ? this.embedFailure
        ? `vectors degraded (${this.embedFailure}); lexical search still works`
        : `vectors through ${this.embedder.id}`
      : 'lexical FTS5 search (no embeddings endpoint configured)';
    return [
      {
        id: 'L14',
        state: 'on',
        reason:
          'origin owner/agent/system/external set by the memory-write pipeline from caller and turn taint; columns the model cannot write; trust only lowered (store trigger)',
      },
      {
        id: 'L15',
        state: 'on',
        reason: `every write path scanned: vault values and credentials refused; injections quarantined at ${this.config.scan.quarantineAt}, downgraded to external at ${this.config.scan.downgradeAt}`,
      },
      {
        id: 'L16',
        state: 'on',
        reason: recall.enabled
          ? `recall injects ${recallOrigins(recall.origins).join('/')} entries scoring >= ${recall.minScore}, at most ${recall.maxEntries} a turn; memory_search results framed as external content; ${vectors}`
          : `automatic recall off (memory.recall.enabled); memory_search results framed as external content; ${vectors}`,
      },
    ];
  }
}

/** L14–L16 when memory is off or its store could not open. */
export function memoryLayersUnavailable(state: 'off' | 'degraded', reason: string): LayerReporter {
  return {
    name: 'memory',
    layers: () => (['L14', 'L15', 'L16'] as const).map((id) => ({ id, state, reason })),
  };
}
