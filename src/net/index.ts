/** L10 public surface for the composition root (daemon) and the tools. */
import type { EventBus } from '../core/index.js';
import type { NetConfig } from '../config/index.js';
import { SsrfGuard } from './guard.js';
import { systemResolver, type Resolver } from './resolver.js';

export { NetConfigSchema, DEFAULT_NET_CONFIG, DEFAULT_NET_PORTS, type NetConfig } from '../config/index.js';
export { SsrfGuard, verdictOf, type CheckedTarget, type SsrfVerdict, type SsrfGuardDeps } from './guard.js';
export { systemResolver, StubResolver, type Resolver, type ResolvedAddress } from './resolver.js';
export {
  guardedFetch,
  type FetchLimits,
  type FetchInit,
  type FetchedResponse,
  type GuardedFetchDeps,
} from './fetch.js';
export { pinnedTransport, type Transport, type TransportRequest, type TransportResponse } from './pinned-transport.js';
export { classifyIp, classifyAddressText, type AddressVerdict } from './classify.js';
export { parseTargetUrl, type TargetUrl } from './url.js';

export function createNetGuard(config: NetConfig, bus: EventBus, resolver: Resolver = systemResolver): SsrfGuard {
  return new SsrfGuard({ resolver, config, bus });
}
export { egressCandidates, type EgressCandidate, type RequestHeader } from './egress-candidates.js';
export { parseIp } from './ip.js';
export { pooledPinnedTransport } from './pinned-transport.js';
