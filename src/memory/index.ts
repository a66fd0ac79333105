/** The memory room (L14–L16): store, scan, provenance, recall, capture, transfer. */
import './events.js';
export * from './types.js';
export { trustRank, lowestOrigin, canChangeTrust, isOperator, operatorCaller } from './trust.js';
export type { MemoryStore, MemoryStoreStats, VectorHit } from './store.js';
export { SqliteMemoryStore, MEMORY_DB_FILE } from './sqlite-store.js';
export { scanMemoryText, type MemoryScanConfig, type MemoryScanDeps } from './scan.js';
export { memoryScanGate, provenanceGate } from './write-gates.js';
export { replaceableEntry, type ReplaceRequest } from './replace-rule.js';
export { recallBlock, selectForRecall, recallOrigins, RECALL_MARKER, type RecallBlock } from './recall.js';
export { captureCandidates, withoutRecallBlock, type CaptureCandidate } from './capture.js';
export { MemoryService, memoryLayersUnavailable } from './service.js';
export { createHttpEmbedder, cosine, type Embedder, type FetchLike } from './embeddings.js';
export { parseImport, exportLine, type ImportRecord } from './transfer.js';
export { openMemory, memoryFile, type OpenMemoryOptions } from './open.js';
export { indexView, distinctTerms, coverage, termsOf } from './terms.js';
export { createMemoryAdmin, MEMORY_ID, type MemoryAdmin, type AdminListOptions, type ImportReport } from './admin.js';
