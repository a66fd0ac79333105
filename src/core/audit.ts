import { closeSync, fsyncSync, openSync, writeSync, constants } from 'node:fs';
import type { Envelope, EventBus, EventType } from './events.js';

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
] as const;

export function isAudited(type: string): boolean {
  return AUDITED_PREFIXES.some((p) => type.startsWith(p));
}

/**
 * Appends every audited event as one JSON line to audit.jsonl, fsync'd after each line.
 * The file is opened append-only: lines are never rewritten. `sanitize` (L09) runs on every line.
 */
export class AuditSink {
  private fd: number | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly filePath: string,
    private readonly sanitize: (line: string) => string = (l) => l,
  ) {}

  attach(bus: EventBus): void {
    this.fd = openSync(this.filePath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    this.unsubscribe = bus.on('*', (e) => {
      if (isAudited(e.type)) this.write(e);
    });
  }

  write(event: Envelope<EventType>): void {
    if (this.fd === undefined) throw new Error('audit sink is not attached');
    const line = this.sanitize(JSON.stringify({ at: event.at, type: event.type, ...event.payload })) + '\n';
    writeSync(this.fd, line);
    fsyncSync(this.fd);
  }

  close(): void {
    this.unsubscribe?.();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
