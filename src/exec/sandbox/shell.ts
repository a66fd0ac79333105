/**
 * The command's own shell, the first process of every sandbox: it proves the daemon alive and joins the run's
 * cgroup (bwrap), sets the resource limits, then evaluates the command line. No helper process.
 */
import type { ExecLimits } from '../../config/index.js';
import type { BrokerSpawn } from '../broker-access.js';
import { ALIVE_FD } from './provider.js';

/**
 * $1 CPU seconds, $2 address space in KiB, $3 file size in 512-byte blocks (POSIX sh units, used by dash and
 * by bash as sh), $4 the command line. `ulimit` without -S sets the hard limit too, so the command cannot
 * raise it again. Positional parameters are cleared as with `sh -c`.
 */
const ULIMITS = 'ulimit -t "$1" && ulimit -v "$2" && ulimit -f "$3" || exit 125; ';
/** Runs the command line held in bulwark_cmd with the positional parameters cleared, as `sh -c` would. */
const EVAL_COMMAND = 'set --; eval "unset bulwark_cmd; $bulwark_cmd"';
export const LIMITS_SCRIPT = `${ULIMITS}bulwark_cmd=$4; ${EVAL_COMMAND}`;
/** Where the run's cgroup.procs is bound inside bwrap. */
export const CGROUP_PROCS_INSIDE = '/run/bulwark/cgroup.procs';
/** Where the run's v1 memory cgroup.procs is bound inside bwrap (a hierarchy of its own). */
export const MEMORY_PROCS_INSIDE = '/run/bulwark/memory.procs';
/** First statement of the command's shell under bwrap: join the run's cgroup, or refuse to run. */
const JOIN_CGROUP = `echo $$ > ${CGROUP_PROCS_INSIDE} || exit 125; `;
const JOIN_MEMORY = `echo $$ > ${MEMORY_PROCS_INSIDE} || exit 125; `;
/**
 * Before that: prove the daemon is still alive by writing to a pipe only the daemon holds the other end of
 * (EPIPE/SIGPIPE when it died). bwrap's --die-with-parent has a window during set-up in which a dying daemon
 * leaves the sandbox orphaned; past this check, the sandbox's pid 1 is surely armed to die with bwrap, and
 * bwrap with the daemon.
 */
export const DAEMON_ALIVE = `printf x >&${ALIVE_FD} || exit 125; exec ${ALIVE_FD}>&-; `;
/** The same limits, then exec of the argv that follows them ($4…): the broker's wrapper runs under them too. */
export const LIMITS_EXEC_SCRIPT = `${ULIMITS}shift 3; exec "$@"`;
/** The variable that carries the command line into a parked shell (unset before the command runs). */
export const PARKED_COMMAND_VAR = 'BULWARK_CMD';
/** A parked bwrap's shell: the same limits; the command line comes in PARKED_COMMAND_VAR. */
export const LIMITS_PARKED_SCRIPT = `${ULIMITS}bulwark_cmd=$${PARKED_COMMAND_VAR}; unset ${PARKED_COMMAND_VAR}; ${EVAL_COMMAND}`;
/** macOS refuses RLIMIT_AS changes (ulimit -v); CPU time and file size still apply. */
export const LIMITS_SCRIPT_MACOS = `ulimit -t "$1" && ulimit -f "$3" || exit 125; bulwark_cmd=$4; ${EVAL_COMMAND}`;

/** $1 $2 $3 of the limit scripts: CPU seconds, address space in KiB, file size in 512-byte blocks. */
export function limitArgs(l: ExecLimits): string[] {
  return [String(l.cpuSeconds), String(l.memoryMb * 1024), String(l.fileSizeMb * 2048)];
}

export interface ShellOptions {
  readonly command: string;
  readonly limits: ExecLimits;
  /** Prove the daemon alive, then join the cgroup whose procs file is bound at CGROUP_PROCS_INSIDE. */
  readonly joinCgroup?: boolean;
  /** Join the memory cgroup bound at MEMORY_PROCS_INSIDE too. */
  readonly joinMemory?: boolean;
  /** Start the broker's forwarder first, then the command (network `broker`). */
  readonly broker?: BrokerSpawn;
  /** macOS: no address-space limit. */
  readonly macos?: boolean;
}

/** argv of the command's shell: limits first, then the command line (through the broker's wrapper, if any). */
export function commandShell(o: ShellOptions): string[] {
  const limits = limitArgs(o.limits);
  const prefix = o.joinCgroup ? `${DAEMON_ALIVE}${JOIN_CGROUP}${o.joinMemory ? JOIN_MEMORY : ''}` : '';
  if (o.broker)
    return [
      '/bin/sh',
      '-c',
      `${prefix}${LIMITS_EXEC_SCRIPT}`,
      'sh',
      ...limits,
      ...o.broker.wrapCommand(['/bin/sh', '-c', o.command]),
    ];
  const script = o.macos ? LIMITS_SCRIPT_MACOS : `${prefix}${LIMITS_SCRIPT}`;
  return ['/bin/sh', '-c', script, 'sh', ...limits, o.command];
}

/** The fixed argv of a parked bwrap's shell (after `--`); the command arrives later in PARKED_COMMAND_VAR. */
export function parkedShell(limits: ExecLimits): string[] {
  return ['/bin/sh', '-c', `${DAEMON_ALIVE}${LIMITS_PARKED_SCRIPT}`, 'sh', ...limitArgs(limits)];
}

/**
 * The fixed argv of the shell a parked overlay holder's bwrap runs: the same limits, the command in
 * PARKED_COMMAND_VAR. No daemon-alive pipe: the holder above it dies with the daemon.
 */
export function parkedViewShell(limits: ExecLimits): string[] {
  return ['/bin/sh', '-c', LIMITS_PARKED_SCRIPT, 'sh', ...limitArgs(limits)];
}
