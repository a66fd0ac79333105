/**
 * How every holder starts (bind-holder.ts, overlay-holder.ts, parked-holder.ts, parked-bwrap.ts, service-holder.ts):
 * as root, as the first process of a PID namespace of its own and in a private mount namespace (no new user
 * namespace: its mounts need root, and the host never sees them), running one shell script.
 *
 * The kernel kills every process of a PID namespace when its first process dies, bwrap's sandboxes included (their
 * PID namespaces nest in it). So the whole tree dies with the daemon however far its set-up got: `setpriv` arms
 * the parent-death signal of `unshare` (which stays outside, waiting), `unshare --kill-child` arms the holder's,
 * and the holder's first statement proves both were armed in time (HOLDER_PRELUDE). bwrap's own window between its
 * clone(2) and the parent-death signal it arms for its child no longer matters.
 */

export interface HolderTools {
  /** Absolute paths (util-linux). */
  readonly setpriv: string;
  readonly unshare: string;
}

/**
 * When set in a holder's environment: the cgroup.procs file the holder joins first thing, before it starts anything,
 * so its whole tree is bound by that cgroup while `unshare` (root, only waiting) stays out of it.
 */
export const HOLDER_CGROUP_VAR = 'BULWARK_HOLDER_CGROUP';

/**
 * `hp PID|self`: the host pid of that process in _h and of its parent in _p, from the host's /proc (still mounted
 * when the holder starts: inside the namespace $$ is 1 and $PPID 0). The command name may hold spaces: the fields
 * after the last ')'.
 */
const HOST_PIDS =
  'hp() { IFS= read -r _s < "/proc/$1/stat" || exit 125; _h=${_s%% *}; _s=${_s##*) }; _s=${_s#* }; _p=${_s%% *}; }';

/**
 * A descriptor on the host's /proc/<pid>/stat of the holder's `unshare`, kept for ARMED (overlay-holder.ts): reading
 * it fails once that process is gone, and shows Z while it is a zombie, whatever /proc is mounted by then.
 */
export const PARENT_FD = 9;

/**
 * First statements of every holder. The holder's parent must still be the `unshare` that started it, and that one's
 * parent the daemon named in the owner tag (orphans.ts): a parent-death signal armed after its parent died never
 * fires (prctl(2)), so a daemon or an `unshare` that died before arming leaves a holder whose parent is init. Then
 * it keeps PARENT_FD, joins its cgroup when it is given one, and mounts the /proc of its PID namespace (bwrap finds
 * its own processes there by the pids it sees; the host's /proc would show others under those numbers).
 */
export const HOLDER_PRELUDE = [
  HOST_PIDS,
  'hp self; hp "$_p"; _u=$_h',
  `case "\${BULWARK_EXEC_OWNER:-}" in "" | *":$_p:"*) ;; *) exit 125;; esac`,
  `exec ${PARENT_FD}<"/proc/$_u/stat" || exit 125`,
  `if [ -n "\${${HOLDER_CGROUP_VAR}:-}" ]; then echo 0 > "$${HOLDER_CGROUP_VAR}" || exit 125; fi`,
  `unset ${HOLDER_CGROUP_VAR} _s _h _p _u`,
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin mount -t proc -o nosuid,nodev,noexec bulwark-proc /proc || exit 125',
].join('\n');

/** argv up to the holder script's own arguments ($1…): `name` is its $0. */
export function holderStart(tools: HolderTools, script: string, name: string): string[] {
  return [
    tools.setpriv,
    '--pdeathsig',
    'KILL',
    '--',
    tools.unshare,
    '--pid',
    '--fork',
    '--kill-child',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    `${HOLDER_PRELUDE}\n${script}`,
    name,
  ];
}

/** A holder that only starts its program (bwrap as root): the PID namespace is all it adds. */
export const EXEC_HOLDER = `exec ${PARENT_FD}<&-; exec "$@"`;

/** setpriv's options (in a holder script) that become the sandbox user $U:$G, with no other group and no capability. */
export const AS_SANDBOX_USER = '--reuid="$U" --regid="$G" --clear-groups --inh-caps=-all --bounding-set=-all';
