/**
 * How every holder starts (bind-holder.ts, overlay-holder.ts, parked-holder.ts, service-holder.ts): as root, with the
 * parent-death signal armed so it dies with the daemon, in a private mount namespace of its own (no new user
 * namespace: its mounts need root, and the host never sees them), running one shell script.
 */

export interface HolderTools {
  /** Absolute paths (util-linux). */
  readonly setpriv: string;
  readonly unshare: string;
}

/** argv up to the holder script's own arguments ($1…): `name` is its $0. */
export function holderStart(tools: HolderTools, script: string, name: string): string[] {
  return [
    tools.setpriv,
    '--pdeathsig',
    'KILL',
    '--',
    tools.unshare,
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    script,
    name,
  ];
}

/** setpriv's options (in a holder script) that become the sandbox user $U:$G, with no other group and no capability. */
export const AS_SANDBOX_USER = '--reuid="$U" --regid="$G" --clear-groups --inh-caps=-all --bounding-set=-all';
