/**
 * L13: the network grant an approval is bound to, from the exec network mode the daemon really runs
 * (exec.network) and, in broker mode, the hosts the L08 broker lets a sandbox reach. Changing the
 * mode or the broker's hosts changes every effect hash, so an approval never covers wider egress than was shown.
 */
import type { NetworkGrant } from './effect-hash.js';

export type ExecNetworkMode = 'none' | 'broker' | 'host';

/** The parts of the broker config that decide where a brokered sandbox may connect. */
export interface BrokerReach {
  readonly bindings: readonly { readonly host: string }[];
  readonly egressAllow: readonly string[];
}

/** Host mode reaches anything: one wildcard grant. */
export const HOST_GRANTS: readonly string[] = ['*'];

export function networkGrantFor(mode: ExecNetworkMode, broker?: BrokerReach): NetworkGrant {
  if (mode === 'host') return { mode: 'host', grants: HOST_GRANTS };
  if (mode === 'broker') {
    const hosts = new Set<string>();
    for (const b of broker?.bindings ?? []) hosts.add(b.host.toLowerCase());
    for (const h of broker?.egressAllow ?? []) hosts.add(h.toLowerCase());
    return { mode: 'broker', grants: [...hosts].sort() };
  }
  return { mode: 'none', grants: [] };
}
