/** Contracts of the secrets room (L06/L07). The agent-facing interface has `get` only: no enumeration. */
import type { BulwarkError, Result } from '../core/index.js';

/** Who is asking; carried into every `secret:accessed` event. */
export interface AccessContext {
  readonly agentId?: string;
  readonly sessionId?: string;
  readonly traceId?: string;
}

/** What agents (through L07) and providers see: one value by name, never a list. */
export interface SecretReader {
  get(name: string, ctx?: AccessContext): Result<string, BulwarkError>;
}

export interface SecretMeta {
  readonly name: string;
  readonly source: 'vault' | 'env';
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** Secret names: the same shape config's `{ secret: NAME }` accepts. */
export const SECRET_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_SECRET_BYTES = 64 * 1024;
