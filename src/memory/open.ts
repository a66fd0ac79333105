/** Opens the memory of a data dir: the store file, the optional embedder, the service. */
import { type EventBus, type BulwarkError, err, ok, type Result, childPath } from '../core/index.js';
import type { MemoryConfig } from '../config/index.js';
import { createHttpEmbedder, type FetchLike } from './embeddings.js';
import { MemoryService } from './service.js';
import { MEMORY_DB_FILE, SqliteMemoryStore } from './sqlite-store.js';

export interface OpenMemoryOptions {
  readonly dataDir: string;
  readonly config: MemoryConfig;
  readonly bus: EventBus;
  /** Reads the embeddings API key by name (the daemon's L07 resolver). */
  readonly secret?: (name: string) => Result<string, BulwarkError>;
  readonly fetch?: FetchLike;
}

export function memoryFile(dataDir: string): string {
  return childPath(dataDir, MEMORY_DB_FILE);
}

export function openMemory(options: OpenMemoryOptions): Result<MemoryService, BulwarkError> {
  const store = SqliteMemoryStore.open({ file: memoryFile(options.dataDir) });
  if (!store.ok) return store;
  const emb = options.config.embeddings;
  if (!emb) return ok(new MemoryService({ store: store.value, bus: options.bus, config: options.config }));
  const keyName = emb.apiKey?.secret;
  const secret = options.secret;
  const embedder = createHttpEmbedder(
    emb,
    () => {
      if (keyName === undefined) return ok(undefined);
      if (!secret) return err({ code: 'memory.embeddings_key', message: `no secret resolver for ${keyName}` });
      return secret(keyName);
    },
    options.fetch,
  );
  return ok(new MemoryService({ store: store.value, bus: options.bus, config: options.config, embedder }));
}
