/**
 * Memory (L14–L16) save and search latency at 1k / 10k / 100k entries, p50 and p99: FTS5 only, and with vectors
 * from an OpenAI-compatible /embeddings endpoint (a deterministic feature-hashing embedder served on loopback, 256
 * dimensions) searched with sqlite-vec and with in-process cosine. "save" is a whole write: the memory-write
 * pipeline (L15 scan → L14 provenance), the insert and, with vectors, the embedding call; "search" is the hybrid
 * search recall and memory_search use (with vectors: the query's embedding call and the nearest-neighbour scan).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markdownTable, type Suite } from '../../eval/harness.js';
import { timeAsync, type Timing } from '../measure.js';
import { MemoryConfigSchema } from '../../src/config/sections/memory.js';
import { EventBus } from '../../src/core/events.js';
import { createTurnTaint } from '../../src/core/taint.js';
import {
  createHttpEmbedder,
  MemoryService,
  memoryScanGate,
  provenanceGate,
  SqliteMemoryStore,
  termsOf,
  type MemoryWriteItem,
} from '../../src/memory/index.js';
import { LeakIndex } from '../../src/secrets/index.js';

const SIZES = [1_000, 10_000, 100_000];
const DIM = 256;
const N = 200;

const NOUNS =
  'server cluster invoice garden kitten violin harbor ledger comet tractor meadow lantern sensor tunnel orchard canal glacier parser socket kernel'.split(
    ' ',
  );
const ADJS =
  'quiet amber rapid hollow gentle brittle vivid frozen silent golden narrow crooked mellow distant humble eager'.split(
    ' ',
  );
const VERBS = 'feeds repairs watches stores routes paints measures guards signs cleans'.split(' ');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function sentence(r: () => number, i: number): string {
  const pick = (xs: readonly string[]) => xs[Math.floor(r() * xs.length)] as string;
  return `Note ${i}: the ${pick(ADJS)} ${pick(NOUNS)} ${pick(VERBS)} the ${pick(ADJS)} ${pick(NOUNS)} near dock ${Math.floor(r() * 5000)}.`;
}

/** Feature hashing of the lexical terms: similar texts get similar vectors. */
function embedLocal(text: string): Float32Array {
  const v = new Float32Array(DIM);
  for (const t of termsOf(text)) {
    let h = 2166136261;
    for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619) >>> 0;
    v[h % DIM] = (v[h % DIM] ?? 0) + (h & 1 ? 1 : -1);
  }
  return v;
}

async function embeddingsServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const input = (JSON.parse(body) as { input: string[] }).input;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: input.map((t, index) => ({ index, embedding: [...embedLocal(t)] })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

const us = (t: Timing) => (t.p50 >= 1000 ? `${(t.p50 / 1000).toFixed(2)} ms` : `${t.p50.toFixed(0)} µs`);
const us99 = (t: Timing) => (t.p99 >= 1000 ? `${(t.p99 / 1000).toFixed(2)} ms` : `${t.p99.toFixed(0)} µs`);

const suite: Suite = {
  name: 'memory',
  async run() {
    const { url, server } = await embeddingsServer();
    const rows: Array<Array<string | number>> = [];
    const data: Array<Record<string, unknown>> = [];
    const ctx = {
      agentId: 'a',
      sessionId: 'bench',
      traceId: 'bench',
      caller: { kind: 'token' as const, id: 'owner', scopes: ['chat'], owner: true },
      taint: createTurnTaint(),
    };
    try {
      for (const size of SIZES) {
        for (const mode of ['fts', 'sqlite-vec', 'in-process'] as const) {
          const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-memory-'));
          try {
            const opened = SqliteMemoryStore.open({
              file: path.join(dir, 'memory.db'),
              sqliteVec: mode === 'sqlite-vec',
            });
            if (!opened.ok) throw new Error(opened.error.message);
            const store = opened.value;
            const r = rng(size);
            const fillStart = Date.now();
            for (let i = 0; i < size; i++) {
              const text = sentence(r, i);
              const e = await store.insert({
                agentId: 'a',
                text,
                kind: 'note',
                origin: i % 3 === 0 ? 'owner' : i % 3 === 1 ? 'agent' : 'external',
                source: { path: 'import' },
                sessionKind: 'bench',
                observedAt: 1_700_000_000_000 + i,
                tags: [],
                quarantined: false,
              });
              if (!e.ok) throw new Error(e.error.message);
              if (mode !== 'fts') {
                const v = await store.setVector(e.value.id, `bench@${url}`, embedLocal(text));
                if (!v.ok) throw new Error(v.error.message);
              }
            }
            const fillSeconds = (Date.now() - fillStart) / 1000;
            const config = MemoryConfigSchema.parse(
              mode === 'fts' ? {} : { embeddings: { baseUrl: url, model: 'bench', minSimilarity: 0.3 } },
            );
            const embedder =
              mode === 'fts' || !config.embeddings
                ? undefined
                : createHttpEmbedder(config.embeddings, () => ({ ok: true, value: undefined }));
            const service = new MemoryService({
              store,
              bus: new EventBus(),
              config,
              ...(embedder ? { embedder } : {}),
            });
            const pipeline = [
              memoryScanGate({ leakScanner: new LeakIndex(), config: { maxEntryChars: 8000, ...config.scan } }),
              provenanceGate(store),
            ];
            const signal = new AbortController().signal;
            let k = 0;
            const save = await timeAsync(async () => {
              const item: MemoryWriteItem = {
                agentId: 'a',
                text: sentence(r, size + k++),
                kind: 'note',
                path: 'tool',
                ceiling: 'agent',
                derived: true,
                inputs: [],
                sessionKind: 'bench',
                observedAt: Date.now(),
                source: {},
              };
              const w = await service.write(pipeline, item, ctx, signal);
              if (!w.ok) throw new Error(w.error.message);
            }, N);
            const search = await timeAsync(async () => {
              await service.search(sentence(r, 0).slice(8), { agentId: 'a', origins: ['owner', 'agent'], limit: 5 });
            }, N);
            rows.push([
              size,
              mode === 'fts' ? 'FTS5 only' : `FTS5 + vectors (${mode})`,
              us(save),
              us99(save),
              us(search),
              us99(search),
              fillSeconds.toFixed(1),
            ]);
            data.push({ size, mode, save, search, fillSeconds });
            await store.close();
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    return {
      name: 'memory',
      markdown: [
        `Save = memory-write pipeline (L15 scan → L14) + insert (+ embedding call over loopback with vectors); search = hybrid search of one agent's owner and agent entries, top 5 (+ the query's embedding call). ${N} operations each; vectors ${DIM}-dimensional from a feature-hashing embedder served on 127.0.0.1.`,
        '',
        markdownTable(['entries', 'search mode', 'save p50', 'save p99', 'search p50', 'search p99', 'fill (s)'], rows),
      ].join('\n'),
      data,
      checks: [],
    };
  },
};

export default suite;
