/**
 * Starts a sandbox on the workspace itself (no copy-on-write view) as an unprivileged host user, for a root
 * daemon (issue 13 item 5). bwrap started by root maps the sandbox user to host uid 0 whatever `--uid` says, so
 * root-only files in bound paths would be readable by their owner bits. The holder, started as root in a private
 * mount namespace (no new user namespace), binds the workspace onto an empty directory every user can traverse
 * (the data dir above the workspace is root's), opens it and the passwd/group stubs as descriptors, then drops to
 * the sandbox user and execs bwrap, which binds those descriptors. Nothing stays mounted outside the namespace.
 *
 * The same holder drops an unsandboxed command (`exec.sandbox: off`) under a root daemon: it starts in its working
 * directory under the bind point, as the sandbox user.
 *
 * $1 workspace · $2 the mount point · $3 uid · $4 gid · $5 passwd · $6 group · $7 working directory relative to the
 * workspace · $8 setpriv · $9… the program and its arguments.
 */
import { mkdtempSync } from 'node:fs';
import { childPath } from '../../core/index.js';
import { ownerPart } from '../orphans.js';
import { ARMED, AS_SANDBOX_USER, holderStart, type HolderTools } from './holder-start.js';
import { GROUP_FD, MERGED_FD, PASSWD_FD } from './overlay-holder.js';

/** Where a run's workspace is bound inside its holder's namespace: a directory every user can traverse. */
export const BIND_PARENT = '/tmp';
export const BIND_PREFIX = 'bulwark-ws-';

/** A run's (host-side empty) bind point, named after the daemon's owner tag. */
export function makeBindPoint(ownerTag: string | undefined): string {
  return mkdtempSync(childPath(BIND_PARENT, `${BIND_PREFIX}${ownerPart(ownerTag)}`));
}

export const BIND_HOLDER = [
  'set -u',
  'WS=$1; M=$2; U=$3; G=$4; PW=$5; GR=$6; REL=$7; SETPRIV=$8; shift 8',
  'case "$U$G" in "" | *[!0-9]*) exit 125;; esac',
  '[ "$U" != 0 ] || exit 125',
  // The holder's own tools by a fixed PATH; what it execs keeps the environment it was given.
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin mount --bind "$WS" "$M" || exit 125',
  `exec ${MERGED_FD}<"$M" ${PASSWD_FD}<"$PW" ${GROUP_FD}<"$GR" || exit 125`,
  // Where the program starts: bwrap changes directory itself; an unsandboxed command starts in its working directory.
  'cd "$M/$REL" || exit 125',
  `exec "$SETPRIV" ${AS_SANDBOX_USER} ${ARMED} "$@"`,
].join('\n');

export interface BindHolderSpec {
  readonly workspace: string;
  readonly mountPoint: string;
  readonly uid: number;
  readonly gid: number;
  /** Working directory relative to the workspace ('' is its root). */
  readonly cwd?: string;
}

/** argv of the holder (setpriv and unshare as absolute paths) around a program's argv (bwrap, or an unsandboxed shell). */
export function bindHolderArgv(
  tools: HolderTools,
  o: BindHolderSpec,
  stubs: { readonly passwd: string; readonly group: string },
  program: readonly string[],
): string[] {
  // The holder dies with the daemon; after the drop, setpriv arms the signal again for bwrap, which replaces it.
  return [
    ...holderStart(tools, BIND_HOLDER, 'bulwark-bind'),
    o.workspace,
    o.mountPoint,
    String(o.uid),
    String(o.gid),
    stubs.passwd,
    stubs.group,
    o.cwd ?? '',
    tools.setpriv,
    ...program,
  ];
}
