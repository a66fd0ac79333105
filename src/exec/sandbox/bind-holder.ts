/**
 * Starts a sandbox on the workspace itself (no copy-on-write view) as an unprivileged host user, for a root
 * daemon (issue 13 item 5). bwrap started by root maps the sandbox user to host uid 0 whatever `--uid` says, so
 * root-only files in bound paths would be readable by their owner bits. The holder, started as root in a private
 * mount namespace (no new user namespace), binds the workspace onto an empty directory every user can traverse
 * (the data dir above the workspace is root's), opens it and the passwd/group stubs as descriptors, then drops to
 * the sandbox user and execs bwrap, which binds those descriptors. Nothing stays mounted outside the namespace.
 *
 * $1 workspace · $2 the mount point · $3 uid · $4 gid · $5 passwd · $6 group · $7… bwrap and its arguments.
 */
import { GROUP_FD, MERGED_FD, PARENT_CHECK, PASSWD_FD } from './overlay-holder.js';

export const BIND_HOLDER = [
  'set -u',
  PARENT_CHECK,
  'WS=$1; M=$2; U=$3; G=$4; PW=$5; GR=$6; shift 6',
  'case "$U$G" in "" | *[!0-9]*) exit 125;; esac',
  '[ "$U" != 0 ] || exit 125',
  'mount --bind "$WS" "$M" || exit 125',
  `exec ${MERGED_FD}<"$M" ${PASSWD_FD}<"$PW" ${GROUP_FD}<"$GR" || exit 125`,
  'exec setpriv --reuid="$U" --regid="$G" --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"',
].join('\n');

export interface BindHolderSpec {
  readonly workspace: string;
  readonly mountPoint: string;
  readonly uid: number;
  readonly gid: number;
}

/** argv of the holder (setpriv and unshare as absolute paths) around a bwrap argv. */
export function bindHolderArgv(
  tools: { readonly setpriv: string; readonly unshare: string },
  o: BindHolderSpec,
  stubs: { readonly passwd: string; readonly group: string },
  bwrap: readonly string[],
): string[] {
  return [
    // The holder dies with the daemon; bwrap, which replaces it, arms its own parent-death signal.
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
    BIND_HOLDER,
    'bulwark-bind',
    o.workspace,
    o.mountPoint,
    String(o.uid),
    String(o.gid),
    stubs.passwd,
    stubs.group,
    ...bwrap,
  ];
}
