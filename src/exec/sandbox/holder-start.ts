/**
 * How every holder starts (bind-holder.ts, overlay-holder.ts, parked-holder.ts, parked-bwrap.ts, service-holder.ts):
 * as root, as the first process of a PID namespace of its own and in a private mount namespace (no new user
 * namespace: its mounts need root, and the host never sees them), running one shell script.
 *
 * The kernel kills every process of a PID namespace when its first process dies, bwrap's sandboxes included (their
 * PID namespaces nest in it). So the whole tree dies with the daemon however far its set-up got: `setpriv` arms
 * the parent-death signal of `unshare` (which stays outside, waiting) and a shell proves it was armed in time
 * (outside); `unshare --kill-child` arms the holder's, and the holder's first statement proves that one was
 * (HOLDER_PRELUDE). bwrap's own window between its clone(2) and the parent-death signal it arms for its child no
 * longer matters.
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
/** The same for the run's memory cgroup when it is a hierarchy of its own (cgroup v1). */
export const HOLDER_MEMCG_VAR = 'BULWARK_HOLDER_MEMCG';

/** A holder's environment entries that make it join `cgroup` (pids, and memory when separate) first thing. */
export function holderCgroupEnv(cgroup: { readonly procsFile: string; readonly memoryProcsFile: string | undefined }) {
  return {
    [HOLDER_CGROUP_VAR]: cgroup.procsFile,
    ...(cgroup.memoryProcsFile ? { [HOLDER_MEMCG_VAR]: cgroup.memoryProcsFile } : {}),
  };
}

/**
 * Descriptors on the host's /proc/<pid>/stat of the holder's `unshare`, opened before it starts (each with its own
 * offset: a stat file reads once). Reading one fails once that process is gone, and shows Z while it is a zombie,
 * whatever /proc is mounted by then: the holder's prelude reads CHECK_FD, ARMED PARENT_FD.
 */
export const PARENT_FD = 9;
const CHECK_FD = 8;

/**
 * A descriptor on the daemon's root directory, opened before the holder's own mount namespace exists, for the holders
 * that ask for it (overlay-holder.ts): a path looked up through /proc/self/fd/<it> crosses the daemon's mounts as they
 * are now, whatever the holder's namespace and its /proc (a new PID namespace's) show. The holder closes it once it
 * has compared the workspace, before the command starts (the slot is MERGED_FD's afterwards).
 */
export const DAEMON_ROOT_FD = 6;

/**
 * Runs in the process that becomes `unshare`, before it does: its parent must still be the daemon named in the owner
 * tag (orphans.ts), since a parent-death signal armed after the parent died never fires (prctl(2)); then it opens
 * the two descriptors on its own stat (and, when asked, the one on the daemon's root).
 */
const outside = (daemonRoot: boolean) =>
  [
    `case "\${BULWARK_EXEC_OWNER:-}" in "" | *":$PPID:"*) ;; *) exit 125;; esac`,
    `exec ${CHECK_FD}</proc/self/stat ${PARENT_FD}</proc/self/stat || exit 125`,
    ...(daemonRoot ? [`exec ${DAEMON_ROOT_FD}</ || exit 125`] : []),
    'exec "$@"',
  ].join('\n');

/**
 * First statements of every holder: its `unshare` is still alive (so the parent-death signal `--kill-child` armed
 * before this shell started will fire), then it joins its cgroup, when it is given one.
 */
export const HOLDER_PRELUDE = [
  `IFS= read -r _s <&${CHECK_FD} || exit 125`,
  `exec ${CHECK_FD}<&-`,
  'case "${_s##*) }" in [ZX]*) exit 125;; esac',
  `if [ -n "\${${HOLDER_CGROUP_VAR}:-}" ]; then echo 0 > "$${HOLDER_CGROUP_VAR}" || exit 125; fi`,
  `if [ -n "\${${HOLDER_MEMCG_VAR}:-}" ]; then echo 0 > "$${HOLDER_MEMCG_VAR}" || exit 125; fi`,
  `unset ${HOLDER_CGROUP_VAR} ${HOLDER_MEMCG_VAR} _s`,
].join('\n');

/**
 * argv up to the holder script's own arguments ($1…): `name` is its $0. `unshare --mount-proc` mounts the /proc of
 * the new PID namespace for the holder (bwrap finds its own processes there by the pids it sees; the host's /proc
 * would show others under those numbers).
 */
export function holderStart(
  tools: HolderTools,
  script: string,
  name: string,
  options: { readonly daemonRoot?: boolean } = {},
): string[] {
  return [
    tools.setpriv,
    '--pdeathsig',
    'KILL',
    '--',
    '/bin/sh',
    '-c',
    outside(options.daemonRoot === true),
    name,
    tools.unshare,
    '--pid',
    '--fork',
    '--kill-child',
    '--mount-proc',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    `${HOLDER_PRELUDE}\n${script}`,
    name,
  ];
}

/**
 * How a holder that execs its program after a drop to the sandbox user (bind-holder.ts, service-holder.ts) keeps it
 * bound to the daemon: the program becomes the first process of the PID namespace, and a credential change clears the
 * parent-death signal `unshare --kill-child` armed. So setpriv arms it again, then a shell checks that the holder's
 * `unshare` is still there (PARENT_FD) before it execs the program; without it, an `unshare` killed between the two
 * left the namespace running under init. Used as: setpriv [identity] ARMED <program…>, with PARENT_FD open.
 */
export const ARMED = `--pdeathsig KILL -- /bin/sh -c 'IFS= read -r s <&${PARENT_FD} || exit 125; exec ${PARENT_FD}<&-; case "\${s##*) }" in [ZX]*) exit 125;; esac; exec "$@"' bulwark-armed`;

/** A holder that only starts its program (bwrap as root): the PID namespace is all it adds. */
export const EXEC_HOLDER = `exec ${PARENT_FD}<&-; exec "$@"`;

/** setpriv's options (in a holder script) that become the sandbox user $U:$G, with no other group and no capability. */
export const AS_SANDBOX_USER = '--reuid="$U" --regid="$G" --clear-groups --inh-caps=-all --bounding-set=-all';
