/**
 * The embedded memory store: one SQLite file (`<data dir>/memory.db`, WAL, 0600) of its own, so a damaged memory
 * never stops the daemon's other state. FTS5 (BM25 order) over the lexical view (terms.ts); vectors in a plain
 * table, searched with sqlite-vec's `vec0` when its extension loads, else by in-process cosine.
 *
 * L14 is enforced here too, below any caller: CHECK keeps `origin` and `trust` in step, a trigger refuses any
 * update that raises trust, another refuses any change of text, kind, agent, source or times.
 */
import { existsSync } from 'node:fs';
import * as sqliteVec from 'sqlite-vec';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  newId,
  err,
  ok,
  type Result,
  migrate,
  openDatabase,
  type Db,
  closeDatabase,
  checkpointTruncate,
} from '../core/index.js';
import { cosine } from './embeddings.js';
import type { MemoryStore, MemoryStoreStats, VectorHit } from './store.js';
import { coverage, distinctTerms, indexView, matchExpression, MAX_QUERY_TERMS } from './terms.js';
import { trustRank, canChangeTrust } from './trust.js';
import {
  MEMORY_KINDS,
  MEMORY_ORIGINS,
  type ListFilter,
  type MemoryEntry,
  type MemoryKind,
  type MemoryOrigin,
  type MemorySource,
  type NewEntry,
  type ScoredEntry,
  type SearchFilter,
} from './types.js';

export const MEMORY_DB_FILE = 'memory.db';

const list = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE memory_entries (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     agent_id TEXT NOT NULL,
     text TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN (${list(MEMORY_KINDS)})),
     origin TEXT NOT NULL CHECK (origin IN (${list(MEMORY_ORIGINS)})),
     trust INTEGER NOT NULL,
     source TEXT NOT NULL,
     session_kind TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     observed_at INTEGER NOT NULL,
     supersedes TEXT,
     superseded_by TEXT,
     tags TEXT NOT NULL DEFAULT '[]',
     quarantined INTEGER NOT NULL DEFAULT 0 CHECK (quarantined IN (0, 1)),
     CHECK ((origin = 'external' AND trust = 0) OR (origin = 'agent' AND trust = 1)
         OR (origin = 'system' AND trust = 2) OR (origin = 'owner' AND trust = 3)),
     CHECK (quarantined = 0 OR origin = 'external')
   );
   CREATE INDEX memory_entries_agent ON memory_entries (agent_id, trust, created_at);
   CREATE INDEX memory_entries_created ON memory_entries (created_at);
   CREATE VIRTUAL TABLE memory_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 2');
   CREATE TRIGGER memory_trust_monotone BEFORE UPDATE OF origin, trust ON memory_entries
     WHEN NEW.trust > OLD.trust
     BEGIN SELECT RAISE(ABORT, 'memory trust is monotone: an entry''s trust can be lowered, never raised'); END;
   CREATE TRIGGER memory_provenance_fixed BEFORE UPDATE OF id, agent_id, text, kind, source, session_kind, created_at, observed_at, supersedes ON memory_entries
     BEGIN SELECT RAISE(ABORT, 'memory entries are immutable: write a new entry that supersedes this one'); END;
   CREATE TABLE memory_vectors (
     seq INTEGER PRIMARY KEY REFERENCES memory_entries (seq) ON DELETE CASCADE,
     embedder TEXT NOT NULL,
     dim INTEGER NOT NULL,
     vector BLOB NOT NULL
   );
   CREATE INDEX memory_vectors_embedder ON memory_vectors (embedder);
   CREATE TABLE memory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // FTS5 keeps a deleted row's terms in its index (a delete only adds a marker): secure-delete removes them at once,
  // and an optimize rewrites what earlier deletes left behind.
  `INSERT INTO memory_fts (memory_fts, rank) VALUES ('secure-delete', 1);
   INSERT INTO memory_fts (memory_fts) VALUES ('optimize');`,
];

interface Row {
  seq: number;
  id: string;
  agent_id: string;
  text: string;
  kind: string;
  origin: string;
  trust: number;
  source: string;
  session_kind: string;
  created_at: number;
  observed_at: number;
  supersedes: string | null;
  superseded_by: string | null;
  tags: string;
  quarantined: number;
}

function toEntry(r: Row): MemoryEntry {
  return {
    id: r.id,
    agentId: r.agent_id,
    text: r.text,
    kind: r.kind as MemoryKind,
    origin: r.origin as MemoryOrigin,
    source: JSON.parse(r.source) as MemorySource,
    sessionKind: r.session_kind,
    createdAt: r.created_at,
    observedAt: r.observed_at,
    supersedes: r.supersedes,
    supersededBy: r.superseded_by,
    tags: JSON.parse(r.tags) as string[],
    quarantined: r.quarantined === 1,
  };
}

function corrupt(file: string, cause: unknown): BulwarkError {
  return bulwarkError(
    'memory.db_unreadable',
    `the memory database ${file} cannot be read (${describeCause(cause)}). bulwark left the file as it is and runs without memory (L14–L16 off). ` +
      `To start over, move it aside (e.g. rename it to memory.db.damaged) and restart; to keep what can be kept, recover it with the sqlite3 shell (".recover") and import an export with "bulwark memory import".`,
    { layer: 'L14', status: 503 },
  );
}

export interface SqliteMemoryStoreOptions {
  readonly file: string;
  /** Try to load sqlite-vec (default true); false forces in-process cosine. */
  readonly sqliteVec?: boolean;
  readonly clock?: () => number;
}

export class SqliteMemoryStore implements MemoryStore {
  private readonly clock: () => number;
  private readonly vec: boolean;
  readonly vecReason: string;
  /** In-process vector cache of one embedder (fallback path): seq → vector, with the agent of each. */
  private cache: { embedder: string; rows: Map<number, { agent: string; v: Float32Array }> } | undefined;

  private constructor(
    private readonly db: Db,
    readonly file: string,
    vec: { loaded: boolean; reason: string },
    clock: () => number,
  ) {
    this.vec = vec.loaded;
    this.vecReason = vec.reason;
    this.clock = clock;
  }

  /** Opens (creating) the store; a damaged file is an error that says what to do, and is never changed. */
  static open(options: SqliteMemoryStoreOptions): Result<SqliteMemoryStore, BulwarkError> {
    const { file } = options;
    let db: Db | undefined;
    try {
      db = openDatabase(file);
      if (file !== ':memory:' && existsSync(file)) {
        const check = db.pragma('quick_check', { simple: true }) as string;
        if (check !== 'ok') throw new Error(`integrity check: ${check}`);
      }
      migrate(db, 'memory', MIGRATIONS);
    } catch (cause) {
      try {
        db?.close();
      } catch (closeCause) {
        return err(corrupt(file, `${describeCause(cause)}; closing it also failed: ${describeCause(closeCause)}`));
      }
      return err(corrupt(file, cause));
    }
    let vec = { loaded: false, reason: 'sqlite-vec disabled by the caller: in-process cosine' };
    if (options.sqliteVec !== false) {
      try {
        sqliteVec.load(db);
        vec = { loaded: true, reason: 'sqlite-vec extension loaded' };
      } catch (cause) {
        vec = { loaded: false, reason: `sqlite-vec did not load (${describeCause(cause)}): in-process cosine` };
      }
    }
    return ok(new SqliteMemoryStore(db, file, vec, options.clock ?? Date.now));
  }

  private row(id: string): Row | undefined {
    return this.db.prepare('SELECT * FROM memory_entries WHERE id = ?').get(id) as Row | undefined;
  }

  async insert(entry: NewEntry): Promise<Result<MemoryEntry, BulwarkError>> {
    const id = newId('mem');
    const now = this.clock();
    try {
      const run = this.db.transaction(() => {
        if (entry.supersedes !== undefined) {
          const old = this.row(entry.supersedes);
          if (!old || old.agent_id !== entry.agentId)
            throw new StoreRefusal(
              'memory.not_found',
              `no memory ${entry.supersedes} of agent "${entry.agentId}" to replace`,
            );
        }
        const info = this.db
          .prepare(
            `INSERT INTO memory_entries (id, agent_id, text, kind, origin, trust, source, session_kind, created_at, observed_at, supersedes, tags, quarantined)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            entry.agentId,
            entry.text,
            entry.kind,
            entry.origin,
            trustRank(entry.origin),
            JSON.stringify(entry.source),
            entry.sessionKind,
            now,
            entry.observedAt,
            entry.supersedes ?? null,
            JSON.stringify(entry.tags),
            entry.quarantined ? 1 : 0,
          );
        this.db
          .prepare('INSERT INTO memory_fts (rowid, terms) VALUES (?, ?)')
          .run(info.lastInsertRowid, indexView(entry.text));
        if (entry.supersedes !== undefined)
          this.db.prepare('UPDATE memory_entries SET superseded_by = ? WHERE id = ?').run(id, entry.supersedes);
      });
      run.immediate();
    } catch (cause) {
      if (cause instanceof StoreRefusal)
        return err(bulwarkError(cause.code, cause.message, { status: 404, layer: 'L14' }));
      return err(
        bulwarkError('memory.write_failed', `the memory was not stored: ${describeCause(cause)}`, { status: 500 }),
      );
    }
    const stored = this.row(id);
    return stored
      ? ok(toEntry(stored))
      : err(bulwarkError('memory.write_failed', `memory ${id} vanished after it was stored`));
  }

  async get(id: string): Promise<MemoryEntry | undefined> {
    const r = this.row(id);
    return r ? toEntry(r) : undefined;
  }

  private where(filter: {
    agentId?: string | undefined;
    origins?: readonly MemoryOrigin[] | undefined;
    kinds?: readonly MemoryKind[] | undefined;
    includeSuperseded?: boolean | undefined;
    includeQuarantined?: boolean | undefined;
  }): { sql: string; params: unknown[] } {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (filter.agentId !== undefined) {
      parts.push('e.agent_id = ?');
      params.push(filter.agentId);
    }
    if (filter.origins !== undefined) {
      parts.push(`e.trust IN (${filter.origins.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...filter.origins.map(trustRank));
    }
    if (filter.kinds !== undefined) {
      parts.push(`e.kind IN (${filter.kinds.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...filter.kinds);
    }
    if (!filter.includeSuperseded) parts.push('e.superseded_by IS NULL');
    if (!filter.includeQuarantined) parts.push('e.quarantined = 0');
    return { sql: parts.length ? parts.join(' AND ') : '1', params };
  }

  async list(filter: ListFilter): Promise<MemoryEntry[]> {
    const w = this.where(filter);
    const rows = this.db
      .prepare(`SELECT e.* FROM memory_entries e WHERE ${w.sql} ORDER BY e.seq DESC LIMIT ? OFFSET ?`)
      .all(...w.params, filter.limit ?? 100, filter.offset ?? 0) as Row[];
    return rows.map(toEntry);
  }

  async searchLexical(query: string, filter: SearchFilter): Promise<ScoredEntry[]> {
    const terms = distinctTerms(query, MAX_QUERY_TERMS);
    const expr = matchExpression(terms);
    if (!expr || filter.origins.length === 0) return [];
    const w = this.where(filter);
    const pool = Math.min(Math.max(filter.limit * 8, 50), 1000);
    const rows = this.db
      .prepare(
        `SELECT e.* FROM memory_fts f JOIN memory_entries e ON e.seq = f.rowid
         WHERE memory_fts MATCH ? AND ${w.sql} ORDER BY bm25(memory_fts) LIMIT ?`,
      )
      .all(expr, ...w.params, pool) as Row[];
    const min = filter.minScore ?? 0;
    const scored: ScoredEntry[] = [];
    for (const r of rows) {
      const lexical = coverage(terms, r.text);
      if (lexical >= min) scored.push({ entry: toEntry(r), score: lexical, lexical });
    }
    // Stable: equal scores keep BM25 order.
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, filter.limit);
  }

  private ensureVecTable(embedder: string, dim: number): void {
    const meta = (key: string) =>
      (this.db.prepare('SELECT value FROM memory_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    if (meta('vec_embedder') === embedder && meta('vec_dim') === String(dim)) return;
    // Another embedder or dimension: its vectors are not comparable; the index is rebuilt for this one.
    this.db.transaction(() => {
      this.db.exec('DROP TABLE IF EXISTS memory_vec');
      this.db.exec(
        `CREATE VIRTUAL TABLE memory_vec USING vec0 (agent_id TEXT PARTITION KEY, embedding float[${dim}] distance_metric=cosine)`,
      );
      const rows = this.db
        .prepare(
          'SELECT v.seq, v.vector, e.agent_id FROM memory_vectors v JOIN memory_entries e ON e.seq = v.seq WHERE v.embedder = ? AND v.dim = ?',
        )
        .all(embedder, dim) as Array<{ seq: number; vector: Buffer; agent_id: string }>;
      const put = this.db.prepare('INSERT INTO memory_vec (rowid, agent_id, embedding) VALUES (?, ?, ?)');
      for (const r of rows) put.run(BigInt(r.seq), r.agent_id, r.vector);
      const set = this.db.prepare(
        'INSERT INTO memory_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      );
      set.run('vec_embedder', embedder);
      set.run('vec_dim', String(dim));
    })();
  }

  async setVector(id: string, embedder: string, vector: Float32Array): Promise<Result<void, BulwarkError>> {
    const r = this.row(id);
    if (!r) return err(bulwarkError('memory.not_found', `no memory ${id}`, { status: 404 }));
    const blob = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    try {
      this.db.transaction(() => {
        // The index first (a new embedder rebuilds it from the vectors already stored), then this vector.
        if (this.vec) this.ensureVecTable(embedder, vector.length);
        const prev = this.db.prepare('SELECT embedder, dim FROM memory_vectors WHERE seq = ?').get(r.seq) as
          { embedder: string; dim: number } | undefined;
        this.db
          .prepare(
            'INSERT INTO memory_vectors (seq, embedder, dim, vector) VALUES (?, ?, ?, ?) ON CONFLICT(seq) DO UPDATE SET embedder = excluded.embedder, dim = excluded.dim, vector = excluded.vector',
          )
          .run(r.seq, embedder, vector.length, blob);
        if (this.vec) {
          // Only a vector of this embedder is in the index (a vec0 delete scans its chunks: only when needed).
          if (prev?.embedder === embedder && prev.dim === vector.length)
            this.db.prepare('DELETE FROM memory_vec WHERE rowid = ?').run(BigInt(r.seq));
          this.db
            .prepare('INSERT INTO memory_vec (rowid, agent_id, embedding) VALUES (?, ?, ?)')
            .run(BigInt(r.seq), r.agent_id, blob);
        }
      })();
    } catch (cause) {
      return err(bulwarkError('memory.vector_failed', `the vector of ${id} was not stored: ${describeCause(cause)}`));
    }
    if (this.cache?.embedder === embedder) this.cache.rows.set(r.seq, { agent: r.agent_id, v: vector });
    return ok(undefined);
  }

  async searchVectors(vector: Float32Array, embedder: string, filter: SearchFilter): Promise<VectorHit[]> {
    if (filter.origins.length === 0) return [];
    const pool = Math.min(Math.max(filter.limit * 8, 50), 4096);
    let candidates: Array<{ seq: number; similarity: number }>;
    if (this.vec) {
      const meta = this.db.prepare("SELECT value FROM memory_meta WHERE key = 'vec_embedder'").get() as
        { value: string } | undefined;
      if (meta?.value !== embedder) return [];
      const blob = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
      candidates = (
        this.db
          .prepare('SELECT rowid, distance FROM memory_vec WHERE embedding MATCH ? AND k = ? AND agent_id = ?')
          .all(blob, pool, filter.agentId) as Array<{ rowid: number; distance: number }>
      ).map((r) => ({ seq: Number(r.rowid), similarity: 1 - r.distance }));
    } else {
      const cache = this.vectorCache(embedder);
      candidates = [];
      for (const [seq, { agent, v }] of cache.rows) {
        if (agent !== filter.agentId || v.length !== vector.length) continue;
        candidates.push({ seq, similarity: cosine(vector, v) });
      }
      candidates.sort((a, b) => b.similarity - a.similarity);
      candidates = candidates.slice(0, pool);
    }
    if (candidates.length === 0) return [];
    const w = this.where(filter);
    const allowed = this.db
      .prepare(
        `SELECT e.seq, e.id FROM memory_entries e WHERE e.seq IN (${candidates.map(() => '?').join(', ')}) AND ${w.sql}`,
      )
      .all(...candidates.map((c) => c.seq), ...w.params) as Array<{ seq: number; id: string }>;
    const ids = new Map(allowed.map((a) => [a.seq, a.id]));
    const out: VectorHit[] = [];
    for (const c of candidates) {
      const id = ids.get(c.seq);
      if (id !== undefined) out.push({ id, similarity: c.similarity });
      if (out.length >= filter.limit) break;
    }
    return out;
  }

  private vectorCache(embedder: string): NonNullable<SqliteMemoryStore['cache']> {
    if (this.cache?.embedder === embedder) return this.cache;
    const rows = new Map<number, { agent: string; v: Float32Array }>();
    const all = this.db
      .prepare(
        'SELECT v.seq, v.vector, e.agent_id FROM memory_vectors v JOIN memory_entries e ON e.seq = v.seq WHERE v.embedder = ?',
      )
      .all(embedder) as Array<{ seq: number; vector: Buffer; agent_id: string }>;
    for (const r of all) {
      const copy = new Uint8Array(r.vector);
      rows.set(r.seq, { agent: r.agent_id, v: new Float32Array(copy.buffer, 0, copy.byteLength / 4) });
    }
    this.cache = { embedder, rows };
    return this.cache;
  }

  async missingVectors(embedder: string, limit: number): Promise<Array<{ id: string; text: string }>> {
    return this.db
      .prepare(
        `SELECT e.id, e.text FROM memory_entries e LEFT JOIN memory_vectors v ON v.seq = e.seq AND v.embedder = ?
         WHERE v.seq IS NULL AND e.quarantined = 0 AND e.superseded_by IS NULL ORDER BY e.seq LIMIT ?`,
      )
      .all(embedder, limit) as Array<{ id: string; text: string }>;
  }

  async lower(id: string, to: MemoryOrigin): Promise<Result<MemoryEntry, BulwarkError>> {
    const r = this.row(id);
    if (!r) return err(bulwarkError('memory.not_found', `no memory ${id}`, { status: 404 }));
    if (!canChangeTrust(r.origin as MemoryOrigin, to))
      return err(
        bulwarkError(
          'memory.trust_monotone',
          `memory ${id} is ${r.origin}; trust can be lowered, never raised (the operator promotes with "bulwark memory promote ${id}")`,
          { layer: 'L14', status: 409 },
        ),
      );
    this.db.prepare('UPDATE memory_entries SET origin = ?, trust = ? WHERE id = ?').run(to, trustRank(to), id);
    return ok(toEntry(this.row(id) as Row));
  }

  async forget(id: string): Promise<Result<MemoryEntry, BulwarkError>> {
    const r = this.row(id);
    if (!r) return err(bulwarkError('memory.not_found', `no memory ${id}`, { status: 404 }));
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM memory_fts WHERE rowid = ?').run(r.seq);
      if (this.vec && this.hasVecTable()) this.db.prepare('DELETE FROM memory_vec WHERE rowid = ?').run(BigInt(r.seq));
      this.db.prepare('DELETE FROM memory_entries WHERE seq = ?').run(r.seq);
      this.db.prepare('UPDATE memory_entries SET superseded_by = NULL WHERE superseded_by = ?').run(id);
    })();
    this.cache?.rows.delete(r.seq);
    // A forgotten entry must not stay readable in the WAL (secure_delete zeroes the database's own free pages).
    checkpointTruncate(this.db);
    return ok(toEntry(r));
  }

  private hasVecTable(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'memory_vec'").get() !== undefined;
  }

  async stats(): Promise<MemoryStoreStats> {
    const byOrigin = { external: 0, agent: 0, system: 0, owner: 0 } as Record<MemoryOrigin, number>;
    for (const r of this.db.prepare('SELECT origin, COUNT(*) AS n FROM memory_entries GROUP BY origin').all() as Array<{
      origin: MemoryOrigin;
      n: number;
    }>)
      byOrigin[r.origin] = r.n;
    const one = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      entries: one('SELECT COUNT(*) AS n FROM memory_entries'),
      byOrigin,
      quarantined: one('SELECT COUNT(*) AS n FROM memory_entries WHERE quarantined = 1'),
      vectors: one('SELECT COUNT(*) AS n FROM memory_vectors'),
      vectorIndex: this.vec ? 'sqlite-vec' : 'in-process',
      file: this.file,
    };
  }

  async close(): Promise<void> {
    closeDatabase(this.db);
  }
}

class StoreRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
