import type { Envelope, EventBus, EventType } from './events.js';
import { escapeLineBreakers } from './line-escape.js';
import { DEFAULT_AUDIT_ROTATION, RotatingFile, type RotationPolicy } from './rotating-file.js';

/** Prefixes of events that are security decisions and must be persisted. */
export const AUDITED_PREFIXES = ['security:', 'secret:', 'approval:', 'tool:', 'broker:', 'auth:', 'daemon:'] as const;

export function isAudited(type: string): boolean {
  return AUDITED_PREFIXES.some((p) => type.startsWith(p));
}

/**
 * Appends every audited event as one JSON line to audit.jsonl, fsync'd after each line.
 * The file is opened append-only: lines are never rewritten; it rotates by size (audit.jsonl.1 …, `rotation`).
 * `sanitize` (L09) runs on every line, then U+2028/U+2029/U+0085 are escaped so no line can pass for two.
 */
export class AuditSink {
  private file: RotatingFile | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly filePath: string,
    private readonly sanitize: (line: string) => string = (l) => l,
    private readonly rotation: RotationPolicy = DEFAULT_AUDIT_ROTATION,
  ) {}

  attach(bus: EventBus): void {
    this.file = new RotatingFile(this.filePath, this.rotation, true);
    this.file.open();
    this.unsubscribe = bus.on('*', (e) => {
      if (isAudited(e.type)) this.write(e);
    });
  }

  write(event: Envelope<EventType>): void {
    if (this.file === undefined) throw new Error('audit sink is not attached');
    const json = JSON.stringify({ at: event.at, type: event.type, ...event.payload });
    this.file.write(escapeLineBreakers(this.sanitize(json)) + '\n');
  }

  close(): void {
    this.unsubscribe?.();
    this.file?.close();
    this.file = undefined;
  }
}
