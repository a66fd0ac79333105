/**
 * The process that holds a transactional run's copy-on-write view (gate L11.7, quota L11.8): started as root in
 * a private mount namespace (`unshare --mount --propagation private`, no new user namespace), inside the run's
 * cgroup. It mounts a size-capped tmpfs (the quota: the command gets ENOSPC past it) holding the overlay's upper
 * and work directories, mounts the overlay (`redirect_dir=on`) over the workspace, opens the merged directory and
 * the passwd/group stubs as descriptors, drops to the sandbox user and starts bwrap, which binds those
 * descriptors. When bwrap is gone and the upper layer is empty it reports `empty` at once (nothing to judge); else
 * it unmounts the overlay (a busy mount means something still runs: nothing is kept), dumps the overlay's
 * directory xattrs and copies the upper layer to disk, then exits with bwrap's status. The namespace dies with it: nothing stays mounted, on any path.
 *
 * $1 run dir (root-only: t/ exists) · $2 workspace · $3 quota KiB · $4 uid · $5 gid · $6 passwd · $7 group ·
 * $8 the merged mount point · $9 the workspace root's mode (octal) · $10 most entries the upper layer may hold ·
 * $11… bwrap and its arguments. Status lines go to $1/status.
 *
 * The merged mount point must be reachable by the sandbox user: bwrap resolves a --bind-fd source back to its
 * path, and after the drop to an unprivileged uid the process may not use its own /proc/self/fd. It is an empty
 * directory under /tmp on the host; the overlay is mounted on it only inside the private namespace.
 */
import { chmodSync, chownSync, closeSync, constants, mkdirSync, openSync, statfsSync } from 'node:fs';
import { childPath, nestedPath } from '../../core/index.js';
import { ownerPart } from '../orphans.js';
import { AS_SANDBOX_USER, DAEMON_ROOT_FD, holderStart, PARENT_FD, type HolderTools } from './holder-start.js';

/** Host-side (empty) mount points of merged views: `bulwark-view-<owner tag>-<run id>` (see orphans.ts). */
export const VIEW_PREFIX = 'bulwark-view-';
export const viewPointName = (ownerTag: string | undefined, id: string) => `${VIEW_PREFIX}${ownerPart(ownerTag)}${id}`;

/** Descriptors the holder opens for bwrap (after the plan's 3 seccomp, 4 options, 5 daemon-alive). */
export const MERGED_FD = 6;
export const PASSWD_FD = 7;
export const GROUP_FD = 8;
/** A parked holder's parameter pipe (a parked run has no daemon-alive pipe: the holder dies with the daemon). */
export const PARAMS_FD = 5;

/**
 * How the view holder starts bwrap: as its child, as root ($U 0) or after setpriv's drop to the sandbox user, without
 * the descriptor on its `unshare` (PARENT_FD). The holder stays the first process of its PID namespace while bwrap runs
 * (it forks, never execs it), so bwrap and everything under it die with the holder — SIGKILLed by the kernel with the
 * namespace — whatever identity they took; nothing is re-armed after the drop (ARMED is for holders that exec their
 * program). `closeForRun` closes more of the holder's descriptors for bwrap.
 */
export const forkProgram = (closeForRun = '') =>
  `if [ "$U" = 0 ]; then "$@" ${PARENT_FD}<&-${closeForRun}; else setpriv ${AS_SANDBOX_USER} -- "$@" ${PARENT_FD}<&-${closeForRun}; fi`;

/** Free space below this in the upper tmpfs after the run means the command hit the quota. */
const QUOTA_SLACK_KB = 256;

/**
 * Inodes of the upper tmpfs that are not the run's: its root, upper/, work/ and the work/work overlayfs makes, and
 * room for the temporary files of copy-ups in flight. The tmpfs gets N + this many (nr_inodes).
 */
export const INODE_SLACK = 8;
/**
 * Inodes in use on an upper tmpfs once the overlay is mounted, before the command wrote anything: its root, upper/,
 * work/, work/work and one more overlayfs keeps (as measured on Linux 5.x/6.x; a kernel that keeps one less lets a
 * run leave one entry more).
 */
const INODES_AT_REST = 5;

/**
 * The upper tmpfs's inodes (total, free) and blocks (free, size), read once the command is gone (its PID namespace
 * died with it: nothing writes any more) for both checks below, into $1…$4 (the command's argv is not needed after
 * the run). A holder started per run runs one `stat`.
 */
const UPPER_USAGE = `set -- $(stat -f -c '%c %d %a %S' "$R/t" 2>"$R/copy.err") && [ $# = 4 ] || { st copy; exit "$rc"; }`;

/**
 * More entries in the upper layer than the run may leave (or the tmpfs ran out of inodes: the command got
 * ENOSPC): nothing is listed, copied or judged. $N is the limit.
 */
const TOO_MANY_FILES = `if [ "$(( $1 - $2 - ${INODES_AT_REST} ))" -gt "$N" ]; then st files; exit "$rc"; fi`;

/** Less room left in the upper tmpfs than QUOTA_SLACK_KB: the command hit the quota (ENOSPC). */
const QUOTA_HIT = `if [ "$(( $3 * $4 / 1024 ))" -lt ${QUOTA_SLACK_KB} ]; then st quota; exit "$rc"; fi`;

/** The identity the sandbox runs as: numbers only (it reaches setpriv). */
const CHECK_IDS = 'case "$U$G" in "" | *[!0-9]*) st params; exit 125;; esac';

/**
 * The overlay metadata of the upper layer (see effects/overlay-xattrs.ts), as paths relative to its root: the
 * directories' opaque and redirect marks, and the origin (lower file handle) of what was copied up.
 */
const XATTR_DUMP =
  'cd "$R/t/upper" && getfattr -h -R -e hex -d -m \'^trusted\\.overlay\\.(opaque|redirect|origin)$\' . > "$R/xattrs" 2>"$R/xattrs.err" || { st xattrs; exit "$rc"; }';

/**
 * Only directories in the upper layer? A walk with shell builtins (no process): a symlink, whiteout, file or special
 * file anywhere says no. Globs that match nothing stay literal and do not exist.
 */
const ONLY_DIRS =
  'only_dirs() { for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do if [ -L "$f" ]; then return 1; elif [ -d "$f" ]; then only_dirs "$f" || return 1; elif [ -e "$f" ]; then return 1; fi; done; }';

/**
 * What a run that left only directories keeps (what a tool that makes and removes a lock file leaves, e.g.
 * `git status`): no unmount, no quota check (directories use no blocks of the upper tmpfs), no copy. A holder
 * started per run lists them with their modes.
 */
const DIRS_LISTED = [
  'find "$R/t/upper" -mindepth 1 \\( -type d -fprintf "$R/dirs" \'%m %P\\0\' \\) -o \\( -fprint "$R/other" -quit \\) 2>"$R/copy.err" || { st copy; exit "$rc"; }',
  'if [ ! -s "$R/other" ]; then',
  `  ${XATTR_DUMP}`,
  '  st dirs; exit "$rc"',
  'fi',
];

/**
 * A parked holder asks the daemon instead of running `stat`: the daemon holds its upper tmpfs open (openParkedUpper)
 * and reads its usage there. The holder says whether the upper layer holds only directories (d) or not (f) — a walk
 * with shell builtins, bounded by the tmpfs's inode count — and reads one line back: the four numbers UPPER_USAGE
 * reads, then for d `plain` or `dump` (the daemon compared the merged view, still mounted, with the workspace:
 * effects/plain-dirs.ts), for f `copy`. Anything else, or no answer (the daemon gone: EOF), keeps nothing.
 */
const ASK_DAEMON = [
  ONLY_DIRS,
  'if only_dirs "$R/t/upper"; then K=d; else K=f; fi',
  "trap '' PIPE",
  `A=; printf "$K" >&${PARAMS_FD} && IFS= read -r A <&${PARAMS_FD}`,
  // Digits, letters and spaces only: the fields reach arithmetic and tests unquoted.
  'case "$A" in *[!0-9a-z\\ ]*) A=;; esac',
  'set -- $A',
  'case "$#$K${5:-}" in 5dplain | 5ddump | 5fcopy) ;; *) echo "the daemon gave no usage of the upper layer" > "$R/copy.err"; st copy; exit "$rc";; esac',
];

/**
 * A parked holder's run that left only directories leaves them on its tmpfs, which the daemon reads once the holder
 * is gone; "plain" means no directory's xattrs can matter, so none are dumped.
 */
const DIRS_KEPT = [
  'if [ "$5" = plain ]; then st kept-plain; exit "$rc"; fi',
  `if [ "$5" = dump ]; then ${XATTR_DUMP}; st kept; exit "$rc"; fi`,
];

/** The overlay options of every view, and of the probe of a workspace's filesystem (overlay-lowers.ts). */
export const VIEW_OVERLAY_OPTIONS = 'redirect_dir=on,index=off,metacopy=off,xino=off';

/**
 * From the overlay mount to the end of the run: the same for a holder started per run and a parked one, but for how
 * the usage of the upper layer is read and where a run that left only directories keeps them (`afterRun`).
 */
const runAndKeep = (afterRun: readonly string[], closeForRun = '') => [
  // The workspace this namespace resolves is the one the daemon sees now — the test builtin compares device and inode
  // through the descriptor on the daemon's root (holder-start.ts) — else nothing is mounted (see same-lower.ts).
  `[ "$WS" -ef "/proc/self/fd/${DAEMON_ROOT_FD}$WS" ] || { st stale-lower; exit 125; }`,
  `exec ${DAEMON_ROOT_FD}<&-`,
  `mount -t overlay bulwark-view -o "lowerdir=$WS,upperdir=$R/t/upper,workdir=$R/t/work,${VIEW_OVERLAY_OPTIONS}" "$M" 2>"$R/mount.err" || { st mount-overlay; exit 125; }`,
  `exec ${MERGED_FD}<"$M" ${PASSWD_FD}<"$PW" ${GROUP_FD}<"$GR" || { st mount-overlay; exit 125; }`,
  'st running',
  forkProgram(closeForRun),
  'rc=$?',
  `exec ${MERGED_FD}<&- ${PASSWD_FD}<&- ${GROUP_FD}<&-`,
  // Nothing written (the common case of a command that only reads): no process more. Whatever might still write
  // into the view now is dropped with the namespace, and nothing of this run is applied.
  'for f in "$R/t/upper"/* "$R/t/upper"/.[!.]* "$R/t/upper"/..?*; do [ -e "$f" ] || [ -L "$f" ] && break; f=; done',
  'if [ -z "$f" ]; then st empty; exit "$rc"; fi',
  // Only directories: their modes and overlay xattrs say everything. bwrap's pid namespace is gone: nothing of the
  // command still runs.
  ...afterRun,
  'umount "$M" || { st busy; exit "$rc"; }',
  QUOTA_HIT,
  XATTR_DUMP,
  'cp -a "$R/t/upper" "$R/upper" 2>"$R/copy.err" || { st copy; exit "$rc"; }',
  'st done',
  'exit "$rc"',
];

const MOUNT_UPPER = `mount -t tmpfs -o "size=\${Q}k,nr_inodes=$((N + ${INODE_SLACK})),mode=0700,nosuid,nodev" bulwark-upper "$R/t" 2>"$R/mount.err" || { st mount-tmpfs; exit 125; }`;

/** The entry limit: a number (it reaches mount's options). */
const CHECK_FILES = 'case "$N" in "" | *[!0-9]*) st params; exit 125;; esac';

export const OVERLAY_HOLDER = [
  'set -u',
  'R=$1; WS=$2; Q=$3; U=$4; G=$5; PW=$6; GR=$7; M=$8; MODE=$9; N=${10}; shift 10',
  'st() { echo "$1" > "$R/status"; }',
  CHECK_IDS,
  CHECK_FILES,
  MOUNT_UPPER,
  // The merged root takes the upper root's owner and mode: the sandbox user's, as the workspace's when it owns it.
  // One process for both directories (work/ is unreachable for the sandbox user: t/ is root's, 0700).
  'install -d -o "$U" -g "$G" -m "$MODE" "$R/t/upper" "$R/t/work" || { st mount-tmpfs; exit 125; }',
  ...runAndKeep([UPPER_USAGE, TOO_MANY_FILES, ...DIRS_LISTED]),
].join('\n');

/**
 * A holder started ahead of its run (parked-holder.ts): it enters its mount namespace and mounts the upper tmpfs
 * at once, says so with one byte on the parameter pipe (fd PARAMS_FD), and waits there — in its cgroup by then —
 * for the run's parameters: the sandbox uid, gid, the workspace and the run's quota in KiB (its tmpfs is remounted
 * to that size when held runs take part of the limit), one line each. The daemon makes upper/ and work/ through
 * /proc/<holder>/root before it sends them. EOF (the daemon died) ends it with nothing mounted anywhere but in its
 * own namespace.
 *
 * $1 run dir · $2 quota KiB · $3 passwd · $4 group · $5 the merged mount point · $6 most entries the upper layer
 * may hold · $7… bwrap and its arguments.
 */
export const PARKED_HOLDER = [
  'set -u',
  'R=$1; Q=$2; PW=$3; GR=$4; M=$5; N=$6; shift 6',
  'st() { echo "$1" > "$R/status"; }',
  CHECK_FILES,
  MOUNT_UPPER,
  `printf p >&${PARAMS_FD} || exit 125`,
  `IFS= read -r U <&${PARAMS_FD} && IFS= read -r G <&${PARAMS_FD} && IFS= read -r WS <&${PARAMS_FD} && IFS= read -r QR <&${PARAMS_FD} || exit 125`,
  CHECK_IDS,
  // This run's quota: less than the parked size while held runs keep their upper layers (L11.8).
  'case "$QR" in "" | *[!0-9]*) st params; exit 125;; esac',
  'if [ "$QR" != "$Q" ]; then mount -o "remount,size=${QR}k" "$R/t" 2>"$R/mount.err" || { st mount-tmpfs; exit 125; }; fi',
  // The parameter pipe stays open for the question after the run (ASK_DAEMON); the sandbox never gets it.
  ...runAndKeep([...ASK_DAEMON, TOO_MANY_FILES, ...DIRS_KEPT], ` ${PARAMS_FD}<&-`),
].join('\n');

export interface OverlaySpec {
  /** Root-only per-run directory on disk, holding the mount point t/; the upper layer is copied to upper/. */
  readonly runDir: string;
  /** An empty directory the sandbox user can reach, where the merged view is mounted inside the namespace. */
  readonly mountPoint: string;
  /** Real path of the workspace (the lower layer). */
  readonly lower: string;
  /** The quota: size of the upper tmpfs, in KiB. */
  readonly quotaKb: number;
  /** Most entries the upper layer may hold (exec.limits.workspaceFiles): its inode count. */
  readonly maxFiles: number;
  /** Permission bits of the workspace root (the merged root takes them), octal. */
  readonly rootMode: string;
  /** Host identity the sandbox runs as (0: the daemon's own, root). */
  readonly uid: number;
  readonly gid: number;
}

/** argv of the holder around a bwrap argv; it dies with the daemon (bwrap with it). */
export function holderArgv(
  tools: HolderTools,
  o: OverlaySpec,
  stubs: { passwd: string; group: string },
  bwrap: readonly string[],
): string[] {
  return [
    ...holderStart(tools, OVERLAY_HOLDER, 'bulwark-view', { daemonRoot: true }),
    o.runDir,
    o.lower,
    String(o.quotaKb),
    String(o.uid),
    String(o.gid),
    stubs.passwd,
    stubs.group,
    o.mountPoint,
    o.rootMode,
    String(o.maxFiles),
    ...bwrap,
  ];
}

/** argv of a parked holder around a fixed bwrap argv. */
export function parkedHolderArgv(
  tools: HolderTools,
  o: { readonly runDir: string; readonly mountPoint: string; readonly quotaKb: number; readonly maxFiles: number },
  stubs: { passwd: string; group: string },
  bwrap: readonly string[],
): string[] {
  return [
    ...holderStart(tools, PARKED_HOLDER, 'bulwark-view', { daemonRoot: true }),
    o.runDir,
    String(o.quotaKb),
    stubs.passwd,
    stubs.group,
    o.mountPoint,
    String(o.maxFiles),
    ...bwrap,
  ];
}

/**
 * Hands a parked holder its run: makes the upper and work directories on its tmpfs through its /proc root (no
 * process spawned for that; nothing of the run has started in that namespace yet), then sends the identity and
 * the workspace. The pipe stays open for the holder's one question after a run that wrote something (ASK_DAEMON):
 * `answer` gets it (d or f) and returns the line to send back. Throws when the holder is gone (the run then fails to
 * start, and nothing was mounted).
 */
export function startParkedView(
  pid: number,
  params: NodeJS.ReadWriteStream,
  o: OverlaySpec,
  answer: (holderPid: number, question: string) => string,
): void {
  const t = nestedPath(`/proc/${pid}/root`, `${o.runDir.replace(/^\/+/, '')}/t`);
  const mode = parseInt(o.rootMode, 8);
  for (const name of ['upper', 'work']) {
    const d = childPath(t, name);
    mkdirSync(d, { mode: 0o700 });
    chownSync(d, o.uid, o.gid);
    chmodSync(d, mode);
  }
  params.write(`${o.uid}\n${o.gid}\n${o.lower}\n${o.quotaKb}\n`);
  params.once('data', (question: Buffer) => params.end(`${answer(pid, question.toString('latin1'))}\n`));
  params.resume();
}

const TMPFS_MAGIC = 0x01021994;

/**
 * Opens a parked holder's upper tmpfs (its t/ directory, through its /proc root) before the run is handed over.
 * The descriptor keeps that tmpfs readable after the holder and its mount namespace are gone (`/proc/self/fd/N`),
 * so a run that left only directories is read without copying it out. Throws when it is not the holder's tmpfs.
 */
export function openParkedUpper(pid: number, runDir: string): number {
  const fd = openSync(
    nestedPath(`/proc/${pid}/root`, `${runDir.replace(/^\/+/, '')}/t`),
    constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW,
  );
  try {
    if (statfsSync(`/proc/self/fd/${fd}`).type !== TMPFS_MAGIC)
      throw new Error(`the parked holder ${pid} has no upper tmpfs mounted at ${runDir}/t`);
  } catch (cause) {
    closeSync(fd);
    throw cause;
  }
  return fd;
}
