import type { GateId } from './layers.js';

/** Fields every audited event carries. Never a secret value. */
export interface EventContext {
  readonly agentId?: string;
  readonly sessionId?: string;
  readonly traceId?: string;
  readonly sender?: string;
}

export interface SecurityEvent extends EventContext {
  readonly layer?: GateId;
  readonly outcome?: string;
  readonly reason?: string;
  readonly [key: string]: unknown;
}

/**
 * The typed map of events. Rooms add their own events by declaration merging:
 *   declare module '../core/events.js' { interface EventMap { 'secret:accessed': SecurityEvent & {...} } }
 */
export interface EventMap {
  'security:blocked': SecurityEvent;
  'security:warning': SecurityEvent;
  'auth:denied': SecurityEvent;
  'auth:granted': SecurityEvent;
  'tool:denied': SecurityEvent;
  'tool:executed': SecurityEvent;
  'daemon:started': SecurityEvent;
  'daemon:stopped': SecurityEvent;
}

export type EventType = keyof EventMap & string;
export type Envelope<K extends EventType = EventType> = { type: K; at: string; payload: EventMap[K] };
type Handler<K extends EventType> = (event: Envelope<K>) => void;

/** Synchronous typed event bus. A throwing handler is reported to `onHandlerError`, never silently dropped. */
export class EventBus {
  private readonly handlers = new Map<string, Set<Handler<EventType>>>();
  constructor(
    private readonly onHandlerError: (error: unknown, type: string) => void = (e, t) => {
      process.emitWarning(`event handler for ${t} failed: ${e instanceof Error ? e.message : 'unknown error'}`);
    },
  ) {}

  on<K extends EventType>(type: K | '*', handler: Handler<K>): () => void {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler as unknown as Handler<EventType>);
    this.handlers.set(type, set);
    return () => set.delete(handler as unknown as Handler<EventType>);
  }

  emit<K extends EventType>(type: K, payload: EventMap[K]): void {
    const envelope: Envelope<K> = { type, at: new Date().toISOString(), payload };
    for (const key of [type, '*']) {
      for (const h of this.handlers.get(key) ?? []) {
        try {
          h(envelope as unknown as Envelope<EventType>);
        } catch (error) {
          this.onHandlerError(error, type);
        }
      }
    }
  }
}
