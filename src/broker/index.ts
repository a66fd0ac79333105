/** L08 public surface for the composition root (daemon), the exec wiring and the CLI. */
export {
  BrokerConfigSchema,
  BindingSchema,
  INJECTION_PRESETS,
  PLACEHOLDER,
  type BrokerConfig,
  type Binding,
  type InjectionPreset,
} from '../config/index.js';
export { startBroker, type Broker, type BrokerDeps, type BrokerStatus } from './broker.js';
export { vaultCaStore, memoryCaStore, BROKER_CA_SECRET, type CaKeyStore, type SecretVaultLike } from './ca-store.js';
export { createCa, LeafIssuer, validateCa, type CaMaterial, type LeafMaterial } from './ca.js';
export { ProxySession, type BrokerIdentity, type BrokerSecretResolver, type ProxySessionOptions } from './proxy.js';
export {
  prepareBrokerSpawn,
  FORWARDER_PORT,
  SANDBOX_CA_BUNDLE,
  SANDBOX_SOCKET,
  type BrokerSpawn,
  type BrokerSpawnOptions,
} from './sandbox.js';
export { startForwarder } from './forwarder.js';
export {
  execBrokerSpawner,
  checkBrokerRunDir,
  removeBrokerSessionBase,
  type ExecBrokerSpawnerOptions,
} from './exec-spawner.js';
export type { BrokerEvent } from './events.js';
/** L08's state from config (the offline `bulwark layers` view, or a broker that did not start); a running broker reports it itself. */
export { brokerLayerStatus } from './layer-status.js';
export { bindingRule } from './bindings.js';
export { loadUpstreamCas, type UpstreamCaPems } from './upstream-ca.js';
