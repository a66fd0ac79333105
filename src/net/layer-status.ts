/** The state of L10 for a net config: always on; the operator's exceptions are named. */
import type { LayerState } from '../core/index.js';
import type { NetConfig } from '../config/index.js';

export function netLayerStatus(config: Pick<NetConfig, 'allow' | 'ports'>): { state: LayerState; reason: string } {
  const n = config.allow.length;
  return {
    state: 'on',
    reason:
      n === 0
        ? `every outbound fetch checked and pinned; ports ${config.ports.join(', ')}`
        : `checked and pinned; ${n} operator exception(s) in net.allow: ${config.allow.join(', ')}`,
  };
}
