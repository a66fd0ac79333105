/**
 * A long-lived process under bwrap (an MCP server over stdio): the same hardening, system view, seccomp filter
 * and limits as a command, but no transactional view — so the workspace is bound read-only, the service writes
 * only its own private state directory (its HOME) and a private /tmp, and it has no network of its own (only the
 * broker's socket, when a broker session is given). stdin and stdout are the service's protocol channel. With a
 * cgroup pids controller, bwrap is born in the service's own cgroup (`pids.max` = limits.processes, like a command's),
 * so a fork bomb in a server stops at its cap; the cgroup is killed and removed when the service ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import type { ExecLimits } from '../../config/index.js';
import type { BrokerSpawn } from '../broker-access.js';
import { SandboxCgroup, type CgroupBase } from '../cgroup.js';
import { buildBwrapArgs } from './bwrap-args.js';
import type { BwrapHost } from './bwrap.js';
import { ARGS_FD, SECCOMP_FD } from './provider.js';
import { limitArgs, LIMITS_EXEC_SCRIPT } from './shell.js';

export const SERVICE_WORKSPACE = '/workspace';
export const SERVICE_STATE = '/state';
const SERVICE_UID = 1000;
const MIB = 1024 * 1024;
const SERVICE_PATH = '/usr/local/bin:/usr/bin:/bin';

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
  /** Kills the whole sandbox (bwrap's process group). */
  stop(): void;
}

function refused(code: string, message: string): Result<never, BulwarkError> {
  return err(bulwarkError(code, message, { layer: 'L11.5', status: 403 }));
}

/** The service's own pids cgroup, or why it cannot have one (then only the ulimits bound it). */
function serviceCgroup(
  base: CgroupBase | undefined,
  spec: ServiceSpec,
): Result<SandboxCgroup | undefined, BulwarkError> {
  if (!base) return ok(undefined);
  try {
    return ok(SandboxCgroup.create(base, spec.limits.processes));
  } catch (cause) {
    return refused(
      'exec.service.cgroup',
      `cannot create the cgroup of service "${spec.name}": ${describeCause(cause)}`,
    );
  }
}

/** Starts `spec` under bwrap (in its own pids cgroup when `cgroupBase` is given); stdin/stdout/stderr are pipes. */
export function startServiceSandbox(
  host: BwrapHost,
  spec: ServiceSpec,
  cgroupBase?: CgroupBase,
): Result<ServiceProcess, BulwarkError> {
  const [program] = spec.argv;
  if (program === undefined) return refused('exec.service.no_program', `service "${spec.name}" has no program`);
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
    workspace: spec.workspace ?? spec.stateDir,
    workspaceReadOnly: spec.workspace !== undefined,
    insideWorkspace: spec.workspace ? SERVICE_WORKSPACE : SERVICE_STATE,
    cwdInside: SERVICE_STATE,
    env,
    network: spec.broker ? 'broker' : 'none',
    ...(spec.broker ? { broker: spec.broker.access } : {}),
    tmpBytes: host.tmpMb * MIB,
    protected: [],
    etcStubs: host.etcStubs,
    runtimePaths: host.runtimePaths,
    ...(host.seccompFile ? { seccompFd: SECCOMP_FD } : {}),
    // Bound after /tmp's tmpfs, so a path under /tmp stays visible.
    extraBinds: [
      ...(spec.workspace ? [{ host: spec.stateDir, inside: SERVICE_STATE, writable: true }] : []),
      ...spec.readOnlyPaths.map((p) => ({ host: p, inside: p, writable: false })),
    ],
    uid: SERVICE_UID,
    gid: SERVICE_UID,
    command: ['/bin/sh', '-c', LIMITS_EXEC_SCRIPT, 'sh', ...limitArgs(spec.limits), ...inner],
  });
  if (args.some((a) => a.includes('\0')))
    return refused('exec.nul_byte', `service "${spec.name}": an argument, a path or a variable holds a NUL byte`);
  const dashdash = args.indexOf('--');
  let seccompFd: number | undefined;
  try {
    if (host.seccompFile) seccompFd = openSync(host.seccompFile, 'r');
  } catch (cause) {
    return refused('exec.seccomp', `cannot open the seccomp filter: ${describeCause(cause)}`);
  }
  const cgroup = serviceCgroup(cgroupBase, spec);
  if (!cgroup.ok) {
    if (seccompFd !== undefined) closeSync(seccompFd);
    return cgroup;
  }
  const launch = () =>
    spawn(host.bwrapPath, ['--args', String(ARGS_FD), ...args.slice(dashdash)], {
      cwd: '/',
      env: {},
      stdio: ['pipe', 'pipe', 'pipe', seccompFd ?? 'ignore', 'pipe'],
      detached: true,
      windowsHide: true,
    });
  let child: ChildProcess;
  try {
    child = cgroup.value ? cgroup.value.spawnInside(launch) : launch();
  } catch (cause) {
    cgroup.value?.destroy();
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
    cgroup.value?.destroyAsync().then(
      (problem) => {
        if (problem !== undefined) process.emitWarning(`removing the cgroup of service ${spec.name}: ${problem}`);
      },
      (cause: unknown) => process.emitWarning(`removing the cgroup of service ${spec.name}: ${describeCause(cause)}`),
    );
  });
  return ok({ child, stop, ...(cgroup.value ? { cgroupDir: cgroup.value.dir } : {}) });
}
