/** An event bus for a CLI command that acts on the host: its audited events go to <data dir>/audit.jsonl, as the daemon's do. */
import { AuditSink } from '../core/audit.js';
import { EventBus } from '../core/events.js';
import { childPath } from '../core/safe-path.js';
import { createSanitizer } from '../logging/sanitize.js';
import { LeakIndex } from '../secrets/leak-index.js';

export interface CliAuditBus {
  readonly bus: EventBus;
  /** Where the lines go. */
  readonly file: string;
  close(): void;
}

/** Opens (creates 0600) the data dir's audit log; every line passes the L09 sanitizer first. */
export function openCliAuditBus(dataDir: string): CliAuditBus {
  const file = childPath(dataDir, 'audit.jsonl');
  const bus = new EventBus();
  const sink = new AuditSink(file, createSanitizer(new LeakIndex()));
  sink.attach(bus);
  return { bus, file, close: () => sink.close() };
}
