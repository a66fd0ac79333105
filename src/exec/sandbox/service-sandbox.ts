/**
 * A long-lived process under bwrap (an MCP server over stdio): the same hardening, system view, seccomp filter
 * and limits as a command, but no transactional view — so the workspace is bound read-only, the service writes
 * only its own private state directory (its HOME) and a private /tmp, and it has no network of its own (only the
 * broker's socket, when a broker session is given). stdin and stdout are the service's protocol channel. With a
 * cgroup pids controller, bwrap is born in the service's own cgroup (`pids.max` = limits.processes, like a command's),
 * so a fork bomb in a server stops at its cap; the cgroup is killed and removed when the service ends. Dropped, the
 * holder joins that cgroup itself as the first process of its PID namespace (holder-start.ts), before it starts
 * anything: its `unshare` (root, only waiting for it) stays out, so no process in the service's cgroup is root once
 * the holder has dropped.
 *
 * Under a root daemon the service runs as the unprivileged sandbox user (`runAs`), never as host root: its state
 * directory is handed to that user, and a holder (service-holder.ts) makes the paths reachable and drops before
 * bwrap starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, lstatSync, openSync, rmdirSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import type { ExecLimits } from '../../config/index.js';
import type { BrokerSpawn } from '../broker-access.js';
import { cgroupLimits, SandboxCgroup, type CgroupBase } from '../cgroup.js';
import { chownTree } from '../chown-tree.js';
import { OWNER_VAR } from '../orphans.js';
import { buildBwrapArgs } from './bwrap-args.js';
import type { BwrapHost } from './bwrap.js';
import { ARGS_FD, SECCOMP_FD } from './provider.js';
import { holderCgroupEnv } from './holder-start.js';
import { makeServicePoint, serviceHolderArgv, servicePointEntry } from './service-holder.js';
import { limitArgs, LIMITS_EXEC_SCRIPT } from './shell.js';

export const SERVICE_WORKSPACE = '/workspace';
export const SERVICE_STATE = '/state';
const SERVICE_UID = 1000;
const MIB = 1024 * 1024;
const SERVICE_PATH = '/usr/local/bin:/usr/bin:/bin';
/** The holder's PATH for mount and setpriv (bwrap clears the environment for the service). */
const HOLDER_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

export interface ServiceSpec {
  /** Names the service in errors. */
  readonly name: string;
  /** Bound read-only at /workspace; absent: no workspace at all. */
  readonly workspace?: string;
  /** The service's private writable directory (host path), bound at /state and used as HOME. */
  readonly stateDir: string;
  /** Host paths bound read-only at the same path (the service's install). */
  readonly readOnlyPaths: readonly string[];
  /** The program and its arguments, as the sandbox sees them. */
  readonly argv: readonly string[];
  /** Plain variables added to the service's minimal environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly limits: ExecLimits;
  /** Egress through the credential broker; without it the service has no network. */
  readonly broker?: BrokerSpawn;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** The service's pids cgroup directory (absent without a cgroup pids controller). */
  readonly cgroupDir?: string;
  /** The host user the service runs as, when it dropped from root. */
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /** Kills the whole sandbox (bwrap's process group). */
  stop(): void;
}

/** How the service reaches its paths: directly, or (dropped) through the holder's entries under `point`. */
interface Reach {
  readonly at: (hostPath: string) => string;
  readonly point?: string;
  readonly paths: readonly string[];
}

/**
 * Why `user` (no supplementary groups: the drop clears them) may not read `p` itself, or enter it when it is a
 * directory; undefined when it may. Only the top: what lies below is the service's to find out, as with any file.
 */
function unreadable(p: string, user: { readonly uid: number; readonly gid: number }): string | undefined {
  let st;
  try {
    st = statSync(p);
  } catch (cause) {
    return describeCause(cause);
  }
  const shift = st.uid === user.uid ? 6 : st.gid === user.gid ? 3 : 0;
  const need = st.isDirectory() ? 0o5 : 0o4;
  return ((st.mode >> shift) & need) === need
    ? undefined
    : `uid ${user.uid} (exec.sandboxUser), which the service runs as, cannot read ${p}: make it readable by that user (e.g. chmod a+rX), or leave it out`;
}

/** Hands the state directory to `runAs` and lays out the holder's entries; nothing is left behind on failure. */
function dropReach(
  host: BwrapHost,
  spec: ServiceSpec,
  runAs: { readonly uid: number; readonly gid: number },
): Result<Reach, BulwarkError> {
  if (!host.dropTools)
    return refused(
      'exec.sandbox_user.no_drop',
      `the daemon runs as root and cannot drop service "${spec.name}" to an unprivileged user: setpriv or unshare is missing (apt-get install util-linux)`,
    );
  // The session must be opened for this user (BrokerSpawnContext.runAs): a socket under the daemon's own 0700 dir,
  // or root's, would fail inside bwrap with a message that names neither.
  for (const socket of spec.broker?.access.sockets ?? []) {
    let owner: number;
    try {
      owner = lstatSync(socket.host).uid;
    } catch (cause) {
      return refused('exec.service.broker_owner', `service "${spec.name}": ${describeCause(cause)}`);
    }
    if (owner !== runAs.uid)
      return refused(
        'exec.service.broker_owner',
        `service "${spec.name}" runs as uid ${runAs.uid}, but its broker session was opened for uid ${owner}: open it with runAs (ExecService.serviceRunAs)`,
      );
  }
  for (const p of [...(spec.workspace !== undefined ? [spec.workspace] : []), ...spec.readOnlyPaths]) {
    const why = unreadable(p, runAs);
    if (why !== undefined) return refused('exec.service.unreadable', `service "${spec.name}": ${why}`);
  }
  const owned = chownTree(spec.stateDir, runAs.uid, runAs.gid);
  if (!owned.ok) return owned;
  let point: string;
  try {
    point = makeServicePoint(host.ownerTag);
  } catch (cause) {
    return refused('exec.sandbox_user.no_drop', `cannot make the service's bind point: ${describeCause(cause)}`);
  }
  const paths = [
    spec.stateDir,
    ...(spec.workspace !== undefined ? [spec.workspace] : []),
    ...spec.readOnlyPaths,
    host.etcStubs.passwd,
    host.etcStubs.group,
  ].filter((p, i, all) => all.indexOf(p) === i);
  return ok({ at: (p) => servicePointEntry(point, paths.indexOf(p)), point, paths });
}

function refused(code: string, message: string): Result<never, BulwarkError> {
  return err(bulwarkError(code, message, { layer: 'L11.5', status: 403 }));
}

/** The service's own pids (and memory) cgroup, or why it cannot have one (then only the ulimits bound it). */
function serviceCgroup(
  base: CgroupBase | undefined,
  spec: ServiceSpec,
): Result<SandboxCgroup | undefined, BulwarkError> {
  if (!base) return ok(undefined);
  try {
    return ok(SandboxCgroup.create(base, cgroupLimits(spec.limits)));
  } catch (cause) {
    return refused(
      'exec.service.cgroup',
      `cannot create the cgroup of service "${spec.name}": ${describeCause(cause)}`,
    );
  }
}

/**
 * Starts `spec` under bwrap (in its own pids cgroup when `cgroupBase` is given), as `runAs` when given (a root
 * daemon's sandbox user); stdin/stdout/stderr are pipes.
 */
export function startServiceSandbox(
  host: BwrapHost,
  spec: ServiceSpec,
  cgroupBase?: CgroupBase,
  runAs?: { readonly uid: number; readonly gid: number },
): Result<ServiceProcess, BulwarkError> {
  const [program] = spec.argv;
  if (program === undefined) return refused('exec.service.no_program', `service "${spec.name}" has no program`);
  const relative = [
    spec.stateDir,
    ...(spec.workspace !== undefined ? [spec.workspace] : []),
    ...spec.readOnlyPaths,
  ].find((p) => !isAbsolute(p));
  if (relative !== undefined)
    return refused('exec.service.relative_path', `service "${spec.name}": the path "${relative}" is not absolute`);
  const drop = runAs && runAs.uid !== 0 ? runAs : undefined;
  const dropped = drop ? dropReach(host, spec, drop) : ok<Reach>({ at: (p) => p, paths: [] });
  if (!dropped.ok) return dropped;
  const reach = dropped.value;
  const removePoint = () => {
    if (reach.point === undefined) return;
    try {
      rmdirSync(reach.point);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT')
        process.emitWarning(`removing the bind point of service ${spec.name}: ${describeCause(cause)}`);
    }
  };
  const env: Record<string, string> = {
    PATH: SERVICE_PATH,
    HOME: SERVICE_STATE,
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    ...spec.env,
  };
  const inner = spec.broker ? spec.broker.wrapCommand(spec.argv) : [...spec.argv];
  const args = buildBwrapArgs({
    bwrapPath: host.bwrapPath,
    layout: host.layout,
    // Without a workspace the state directory takes its place (writable); with one, the workspace is read-only.
    workspace: reach.at(spec.workspace ?? spec.stateDir),
    workspaceReadOnly: spec.workspace !== undefined,
    insideWorkspace: spec.workspace ? SERVICE_WORKSPACE : SERVICE_STATE,
    cwdInside: SERVICE_STATE,
    env,
    network: spec.broker ? 'broker' : 'none',
    ...(spec.broker ? { broker: spec.broker.access } : {}),
    tmpBytes: host.tmpMb * MIB,
    protected: [],
    etcStubs: { passwd: reach.at(host.etcStubs.passwd), group: reach.at(host.etcStubs.group) },
    runtimePaths: host.runtimePaths,
    ...(host.seccompFile ? { seccompFd: SECCOMP_FD } : {}),
    // Bound after /tmp's tmpfs, so a path under /tmp stays visible.
    extraBinds: [
      ...(spec.workspace ? [{ host: reach.at(spec.stateDir), inside: SERVICE_STATE, writable: true }] : []),
      ...spec.readOnlyPaths.map((p) => ({ host: reach.at(p), inside: p, writable: false })),
    ],
    uid: SERVICE_UID,
    gid: SERVICE_UID,
    command: ['/bin/sh', '-c', LIMITS_EXEC_SCRIPT, 'sh', ...limitArgs(spec.limits), ...inner],
  });
  if (args.some((a) => a.includes('\0'))) {
    removePoint();
    return refused('exec.nul_byte', `service "${spec.name}": an argument, a path or a variable holds a NUL byte`);
  }
  const dashdash = args.indexOf('--');
  let seccompFd: number | undefined;
  try {
    if (host.seccompFile) seccompFd = openSync(host.seccompFile, 'r');
  } catch (cause) {
    removePoint();
    return refused('exec.seccomp', `cannot open the seccomp filter: ${describeCause(cause)}`);
  }
  const cgroup = serviceCgroup(cgroupBase, spec);
  if (!cgroup.ok) {
    if (seccompFd !== undefined) closeSync(seccompFd);
    removePoint();
    return cgroup;
  }
  const bwrap = [host.bwrapPath, '--args', String(ARGS_FD), ...args.slice(dashdash)];
  // Dropped: the holder (joining the cgroup, dying with the daemon) binds the paths, drops, and execs bwrap.
  const [file, ...argv] =
    drop && reach.point !== undefined && host.dropTools
      ? serviceHolderArgv(host.dropTools, { mountPoint: reach.point, ...drop }, reach.paths, bwrap)
      : bwrap;
  const launchEnv: Record<string, string> = drop ? { PATH: HOLDER_PATH } : {};
  if (drop && host.ownerTag) launchEnv[OWNER_VAR] = host.ownerTag;
  const holderJoins = drop !== undefined && reach.point !== undefined && host.dropTools !== undefined;
  if (holderJoins && cgroup.value) Object.assign(launchEnv, holderCgroupEnv(cgroup.value));
  const launch = () =>
    spawn(file ?? host.bwrapPath, argv, {
      cwd: '/',
      env: launchEnv,
      stdio: ['pipe', 'pipe', 'pipe', seccompFd ?? 'ignore', 'pipe'],
      detached: true,
      windowsHide: true,
    });
  let child: ChildProcess;
  try {
    child = cgroup.value && !holderJoins ? cgroup.value.spawnInside(launch) : launch();
  } catch (cause) {
    cgroup.value?.destroy();
    removePoint();
    return refused('exec.spawn', `cannot start service "${spec.name}": ${describeCause(cause)}`);
  } finally {
    if (seccompFd !== undefined) closeSync(seccompFd);
  }
  const pipes = child.stdio as unknown as ReadonlyArray<NodeJS.WritableStream | null | undefined>;
  const argsPipe = pipes[ARGS_FD];
  argsPipe?.on('error', () => child.kill('SIGKILL'));
  argsPipe?.end(
    args
      .slice(0, dashdash)
      .map((a) => `${a}\0`)
      .join(''),
  );
  let stopped = false;
  const stop = () => {
    if (stopped || child.pid === undefined) return;
    stopped = true;
    // The cgroup also holds whatever left bwrap's process group.
    const problem = cgroup.value?.killAll();
    if (problem !== undefined) process.emitWarning(`stopping service ${spec.name}: ${problem}`);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch (cause) {
      // ESRCH: the sandbox is gone already; anything else is a real failure to report.
      if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') throw cause;
    }
  };
  child.once('exit', () => {
    stopped = true;
    // The holder's namespace (the only place anything was mounted on it) is gone with it.
    removePoint();
    cgroup.value?.destroyAsync().then(
      (problem) => {
        if (problem !== undefined) process.emitWarning(`removing the cgroup of service ${spec.name}: ${problem}`);
      },
      (cause: unknown) => process.emitWarning(`removing the cgroup of service ${spec.name}: ${describeCause(cause)}`),
    );
  });
  return ok({
    child,
    stop,
    ...(cgroup.value ? { cgroupDir: cgroup.value.dir } : {}),
    ...(drop ? { runAs: { uid: drop.uid, gid: drop.gid } } : {}),
  });
}
