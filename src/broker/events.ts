/** L08 audit events (persisted: `broker:` prefix). They carry agent, trace, host, path and rule; never a value. */
import type { SecurityEvent } from '../core/index.js';

export interface BrokerEvent extends SecurityEvent {
  readonly host?: string;
  readonly path?: string;
  readonly method?: string;
  /** The binding (host + path prefix) or check that decided. */
  readonly rule?: string;
  readonly status?: number;
}

declare module '../core/events.js' {
  interface EventMap {
    'broker:inject': BrokerEvent;
    'broker:passthrough': BrokerEvent;
    'broker:deny': BrokerEvent;
    'broker:blocked_egress': BrokerEvent;
    'broker:honeytoken': BrokerEvent;
    'broker:session_opened': BrokerEvent;
    'broker:session_closed': BrokerEvent;
  }
}
