/** Audit events of the memory room (persisted: `memory:` is an audited prefix). */
import type { SecurityEvent } from '../core/index.js';

declare module '../core/events.js' {
  interface EventMap {
    /** An entry was stored: its id, origin, write path and L15 verdict (never its text). */
    'memory:written': SecurityEvent;
    /** A write was refused by L15 or L14. */
    'memory:refused': SecurityEvent;
    /** Entries were injected into a prompt by L16 (ids and origins). */
    'memory:recalled': SecurityEvent;
    /** The operator deleted or promoted an entry. */
    'memory:operator': SecurityEvent;
  }
}

export {};
