/** The core room's public surface: everything other rooms use from it, and nothing else. */
export { createFileAtomic, writeFileAtomic } from './atomic-write.js';
export { AuditSink, type AuditStore } from './audit.js';
export { callerKey, type Caller } from './caller.js';
export { constantTimeEqual, digestEqual, sha256, sha256Hex } from './compare.js';
export { auditContext, type CallContext } from './context.js';
export { bulwarkError, describeCause, type BulwarkError } from './errors.js';
export { EventBus, type EventContext, type SecurityEvent } from './events.js';
export { newId, newTraceId, randomHex } from './ids.js';
export { JsonlAuditStore } from './jsonl-audit-store.js';
export { readFdFully } from './read-fd.js';
export {
  BUILD_LAYERS,
  GATES,
  isGateId,
  LayerCatalogue,
  LAYERS,
  staticReporter,
  type GateId,
  type GateReport,
  type LayerReporter,
  type LayerState,
  type LayerStatus,
} from './layers.js';
export { EMPTY_LEAK_SCANNER, type LeakHit, type LeakScanner } from './leak.js';
export { escapeLineBreakers } from './line-escape.js';
export {
  gateIds,
  openStream,
  runPipeline,
  type Gate,
  type Pipeline,
  type StreamFilter,
  type StreamGate,
  type StreamPipeline,
} from './pipeline.js';
export { attemptAsync, BulwarkFailure, err, ok, unwrap, type Result } from './result.js';
export { DEFAULT_LOG_ROTATION, RotatingFile, type RotationPolicy } from './rotating-file.js';
export { absoluteFrom, childPath, isInside, nestedPath, relativeTo, safePath } from './safe-path.js';
export {
  checkpointTruncate,
  closeDatabase,
  migrate,
  openDatabase,
  openSqliteStore,
  sqliteCall,
  sqliteError,
  type Db,
} from './sqlite.js';
export { storeClosed, storeErrorOf, storeFailure, wellFormed } from './store.js';
export { createTurnTaint } from './taint.js';
