/** Audit events of the secrets room. Payloads carry names and outcomes, never values. */
import type { SecurityEvent } from '../core/index.js';

export type SecretAccessOutcome = 'success' | 'denied' | 'not_found' | 'error';

declare module '../core/events.js' {
  interface EventMap {
    'secret:accessed': SecurityEvent & { readonly secretName: string; readonly outcome: SecretAccessOutcome };
    'secret:changed': SecurityEvent & { readonly secretName: string; readonly action: 'set' | 'delete' | 'rotate_key' };
  }
}
