/** L08 public surface for the composition root (daemon), the exec wiring and the CLI. */
import type { LayerState } from '../core/layers.js';
import type { BrokerConfig } from './config.js';

export {
  BrokerConfigSchema,
  BindingSchema,
  INJECTION_PRESETS,
  PLACEHOLDER,
  type BrokerConfig,
  type Binding,
  type InjectionPreset,
} from './config.js';
export { startBroker, type Broker, type BrokerDeps, type BrokerStatus } from './broker.js';
export { vaultCaStore, memoryCaStore, BROKER_CA_SECRET, type CaKeyStore, type SecretVaultLike } from './ca-store.js';
export { createCa, LeafIssuer, validateCa, type CaMaterial, type LeafMaterial } from './ca.js';
export { ProxySession, type BrokerIdentity, type BrokerSecretResolver } from './proxy.js';
export {
  prepareBrokerSpawn,
  FORWARDER_PORT,
  SANDBOX_CA_BUNDLE,
  SANDBOX_SOCKET,
  type BrokerSpawn,
  type BrokerSpawnOptions,
} from './sandbox.js';
export { startForwarder } from './forwarder.js';
export { execBrokerSpawner, checkBrokerRunDir, type ExecBrokerSpawnerOptions } from './exec-spawner.js';
export type { BrokerEvent } from './events.js';

/** State of L08 for `bulwark layers`, given the config and whether the daemon managed to start it. */
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
  return {
    state: 'on',
    reason: `${config.bindings.length} binding(s), ${config.egressAllow.length} egress host(s) allowed without injection`,
  };
}
