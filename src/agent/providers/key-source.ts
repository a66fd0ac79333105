import type { BulwarkError } from '../../core/errors.js';
import type { Result } from '../../core/result.js';

/** Resolves a provider's API key at use time; `undefined` when the provider needs none (e.g. local Ollama). */
export type KeySource = () => Result<string | undefined, BulwarkError>;
