import type { ProviderConfig } from '../../config/index.js';
import { type BulwarkError, ok, type Result, type CallContext } from '../../core/index.js';
import type { Provider } from '../types.js';
import { createAnthropicProvider } from './anthropic.js';
import type { KeySource } from './key-source.js';
import { createOpenAIProvider } from './openai.js';

/**
 * Looks a secret up by name; Err when it does not exist (the message names it, never a value).
 * `who` names the turn (agent, session, trace) the key is read for, so the read is audited under it.
 */
export type SecretResolver = (name: string, who?: CallContext) => Result<string, BulwarkError>;

/** Builds the adapter for one `providers.<id>` entry. The key is resolved on every call, never cached here. */
export function createProvider(id: string, config: ProviderConfig, resolveSecret: SecretResolver): Provider {
  const ref = config.apiKey;
  const key: KeySource = (who) => (ref === undefined ? ok(undefined) : resolveSecret(ref.secret, who));
  const common = {
    id,
    timeoutMs: config.timeoutMs,
    key,
    ...(config.baseUrl !== undefined ? { baseUrl: config.baseUrl } : {}),
  };
  return config.type === 'anthropic' ? createAnthropicProvider(common) : createOpenAIProvider(common);
}
