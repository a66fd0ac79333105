/**
 * Starts a long-lived service sandbox (service-sandbox.ts) as an unprivileged host user, for a root daemon (issue
 * 13 item 5): bwrap started by root maps the sandbox user to host uid 0 whatever `--uid` says. The holder, started
 * as root in a private mount namespace (holder-start.ts), mounts a small tmpfs on an empty directory under /tmp that
 * every user can traverse, binds each host path the service needs (its state directory, install paths, workspace,
 * the passwd/group stubs: most sit under the daemon's 0700 data dir) onto a numbered entry there, then drops to the
 * sandbox user and execs bwrap, which binds from those entries. The host keeps one empty directory (removed when the
 * service ends, or by the orphan sweep after a crash: it carries the daemon's owner tag).
 *
 * $1 the mount point · $2 uid · $3 gid · $4 setpriv · $5 how many paths · then that many host paths · then bwrap and
 * its arguments.
 */
import { mkdtempSync } from 'node:fs';
import { childPath } from '../../core/index.js';
import { ownerPart } from '../orphans.js';
import { BIND_PARENT } from './bind-holder.js';
import { ARMED, AS_SANDBOX_USER, holderStart, type HolderTools } from './holder-start.js';

export const SERVICE_POINT_PREFIX = 'bulwark-service-';

/** A service's (host-side empty) mount point, named after the daemon's owner tag (see orphans.ts). */
export function makeServicePoint(ownerTag: string | undefined): string {
  return mkdtempSync(childPath(BIND_PARENT, `${SERVICE_POINT_PREFIX}${ownerPart(ownerTag)}`));
}

export const SERVICE_HOLDER = [
  'set -u',
  'M=$1; U=$2; G=$3; SETPRIV=$4; N=$5; shift 5',
  'case "$U$G" in "" | *[!0-9]*) exit 125;; esac',
  '[ "$U" != 0 ] || exit 125',
  'case "$N" in "" | *[!0-9]*) exit 125;; esac',
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  // Entries of a tmpfs only this namespace sees, so the host-side point stays one empty directory.
  'mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev bulwark-svc "$M" || exit 125',
  'i=0',
  'while [ "$i" -lt "$N" ]; do',
  '  if [ -d "$1" ]; then mkdir "$M/$i"; else : > "$M/$i"; fi || exit 125',
  '  mount --bind "$1" "$M/$i" || exit 125',
  '  shift; i=$((i + 1))',
  'done',
  `exec "$SETPRIV" ${AS_SANDBOX_USER} ${ARMED} "$@"`,
].join('\n');

/** Where the holder binds the n-th host path. */
export const servicePointEntry = (point: string, n: number) => childPath(point, String(n));

/** argv of the holder around bwrap's argv: `paths[n]` appears at servicePointEntry(point, n). */
export function serviceHolderArgv(
  tools: HolderTools,
  o: { readonly mountPoint: string; readonly uid: number; readonly gid: number },
  paths: readonly string[],
  bwrap: readonly string[],
): string[] {
  return [
    ...holderStart(tools, SERVICE_HOLDER, 'bulwark-svc'),
    o.mountPoint,
    String(o.uid),
    String(o.gid),
    tools.setpriv,
    String(paths.length),
    ...paths,
    ...bwrap,
  ];
}
