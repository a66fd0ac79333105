/**
 * The L01 input policy of the source a message came through: `hooks.<name>.input` for a webhook delivery,
 * `channels.<platform>.input` for a channel user (their caller ids are `<platform>:<user id>`). Other callers
 * (tokens, certificates, internal) have none: their agent's policy or guards.input applies.
 */
import type { Caller } from '../core/index.js';
import type { AgentInputPolicy, Config } from '../config/index.js';

export function sourceInputPolicy(
  config: Pick<Config, 'channels' | 'hooks'>,
  caller: Pick<Caller, 'kind' | 'id'>,
): AgentInputPolicy | undefined {
  if (caller.kind === 'hook')
    return Object.hasOwn(config.hooks, caller.id) ? config.hooks[caller.id]?.input : undefined;
  if (caller.kind !== 'channel') return undefined;
  const platform = caller.id.slice(0, caller.id.indexOf(':'));
  return platform === 'telegram' ? config.channels.telegram?.input : undefined;
}
