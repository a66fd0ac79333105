import { describeCause } from './errors.js';
import type { Envelope, EventBus, EventType } from './events.js';
import { escapeLineBreakers } from './line-escape.js';
import { storeErrorOf } from './store.js';

/** The most lines `AuditStore.recent` returns, and the most bytes it reads to find them. */
export const MAX_RECENT_AUDIT_LINES = 5000;
export const MAX_RECENT_AUDIT_BYTES = 8 * 1024 * 1024;

/** Prefixes of events that are security decisions and must be persisted. */
export const AUDITED_PREFIXES = [
  'security:',
  'secret:',
  'approval:',
  'tool:',
  'broker:',
  'auth:',
  'daemon:',
  'memory:',
  'webhook:',
  'channel:',
  'grant:',
] as const;

export function isAudited(type: string): boolean {
  return AUDITED_PREFIXES.some((p) => type.startsWith(p));
}

/**
 * Where audit lines are kept (the embedded default: audit.jsonl, core/jsonl-audit-store.ts). The contract:
 * - `append` takes one audit line (a JSON object's text, already through L09, no line break) and keeps lines in
 *   the order of the calls, also when the caller does not wait for one before the next;
 * - `flush` resolves once every line appended before it is stored durably; `close` flushes, then refuses more;
 * - a line holding a line break is refused (it would let one event forge a second line);
 * - `recent(limit)` returns the newest lines, at most `limit` (capped at MAX_RECENT_AUDIT_LINES), oldest first, once
 *   every line appended before the call is stored; it reads a bounded amount (MAX_RECENT_AUDIT_BYTES), so a few huge
 *   lines may leave it with fewer.
 */
export interface AuditStore {
  append(line: string): Promise<void>;
  /** The newest audit lines for the operator's feed (admin API, web UI), oldest first. */
  recent(limit: number): Promise<string[]>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Subscribes to the event bus and hands every audited event, as one sanitized JSON line (L09 `sanitize`), to the
 * audit store in emit order. The bus is synchronous and the store is not: a line the store cannot keep is reported
 * to `onError` (the daemon logs it), never dropped silently.
 */
export class AuditSink {
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: AuditStore,
    private readonly sanitize: (line: string) => string = (l) => l,
    private readonly onError: (message: string) => void = (m) => process.emitWarning(m),
  ) {}

  attach(bus: EventBus): void {
    this.unsubscribe?.();
    this.unsubscribe = bus.on('*', (e) => {
      if (isAudited(e.type)) this.write(e);
    });
  }

  write(event: Envelope<EventType>): void {
    // L09 first, then U+2028/U+2029/U+0085 escaped so that no reader can take one line for two.
    const line = escapeLineBreakers(
      this.sanitize(JSON.stringify({ at: event.at, type: event.type, ...event.payload })),
    );
    this.store.append(line).catch((cause: unknown) => {
      this.onError(
        `audit line for ${event.type} was not stored: ${storeErrorOf(cause)?.message ?? describeCause(cause)}`,
      );
    });
  }

  /** Resolves once every event audited so far is stored. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /** Stops listening, then stores what is still pending and closes the store. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.store.close();
  }
}
