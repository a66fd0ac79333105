/**
 * An event bus for a CLI command that acts on the host: its audited events go to <data dir>/audit.jsonl, as the
 * embedded daemon's do (the JSONL audit store; a command that cannot open it does not run).
 */
import { AuditSink, type BulwarkError, EventBus, JsonlAuditStore, ok, type Result, childPath } from '../core/index.js';
import { createSanitizer } from '../logging/index.js';
import { LeakIndex } from '../secrets/index.js';

export interface CliAuditBus {
  readonly bus: EventBus;
  /** Where the lines go. */
  readonly file: string;
  /** Writes what is pending, then closes the log. */
  close(): Promise<void>;
}

/**
 * Opens (creates 0600) the data dir's audit log; every line passes the L09 sanitizer first. A line that cannot be
 * written is reported through `report` (the command's stderr).
 */
export function openCliAuditBus(
  dataDir: string,
  report: (message: string) => void,
  options: { readonly bus?: EventBus; readonly leaks?: LeakIndex } = {},
): Result<CliAuditBus, BulwarkError> {
  const file = childPath(dataDir, 'audit.jsonl');
  const store = JsonlAuditStore.open(file);
  if (!store.ok) return store;
  const bus = options.bus ?? new EventBus();
  const sink = new AuditSink(store.value, createSanitizer(options.leaks ?? new LeakIndex()), report);
  sink.attach(bus);
  return ok({ bus, file, close: () => sink.close() });
}
