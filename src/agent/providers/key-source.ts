import type { BulwarkError, Result, CallContext } from '../../core/index.js';

/**
 * Resolves a provider's API key at use time; `undefined` when the provider needs none (e.g. local Ollama).
 * `who` is the turn the call belongs to, for the audit of the key read.
 */
export type KeySource = (who?: CallContext) => Result<string | undefined, BulwarkError>;
