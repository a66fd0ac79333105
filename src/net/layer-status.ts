/** The state of L10 for a net config: always on; the operator's exceptions are named. */
import type { LayerState } from '../core/index.js';
import type { NetConfig } from '../config/index.js';

export function netLayerStatus(config: Pick<NetConfig, 'allow' | 'ports'> & Partial<Pick<NetConfig, 'allowFor'>>): {
  state: LayerState;
  reason: string;
} {
  const n = config.allow.length;
  const scoped = Object.entries(config.allowFor ?? {})
    .filter(([, hosts]) => hosts !== undefined && hosts.length > 0)
    .map(([who, hosts]) => `${who}: ${(hosts as string[]).join(', ')}`);
  const perConsumer = scoped.length > 0 ? `; for one consumer only (net.allowFor): ${scoped.join('; ')}` : '';
  return {
    state: 'on',
    reason:
      n === 0
        ? `every outbound fetch checked and pinned; ports ${config.ports.join(', ')}${perConsumer}`
        : `checked and pinned; ${n} operator exception(s) in net.allow: ${config.allow.join(', ')}${perConsumer}`,
  };
}
