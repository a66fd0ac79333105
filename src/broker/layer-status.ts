/** The state of L08 for a broker config, given whether the daemon managed to start the broker. */
import type { LayerState } from '../core/index.js';
import type { BrokerConfig } from '../config/index.js';

export function brokerLayerStatus(
  config: BrokerConfig,
  started: boolean,
  why?: string,
): { state: LayerState; reason: string } {
  if (!config.enabled)
    return { state: 'off', reason: 'broker.enabled is false: sandboxes get no network in broker mode' };
  if (!started)
    return {
      state: 'degraded',
      reason: `the broker did not start${why ? `: ${why}` : ''}; exec network mode broker refuses to run`,
    };
  return { state: 'on', reason: runningReason(config) };
}

/** What a running broker enforces. */
export function runningReason(config: Pick<BrokerConfig, 'bindings' | 'egressAllow'>): string {
  return `${config.bindings.length} binding(s), ${config.egressAllow.length} egress host(s) allowed without injection`;
}
