/**
 * bwrap processes parked in their run's pids cgroup (see parked-pool.ts). A parked bwrap is blocked reading its
 * options from a pipe (`--args`): it has created no namespace and no process yet. The hardening flags are on the
 * command line as well as in the options the run writes: if the daemon dies while a bwrap is parked, bwrap reads
 * EOF and starts with namespaces but no root filesystem (exec fails, nothing runs), and the command's shell first
 * proves the daemon is alive anyway.
 *
 * Under a root daemon each parked bwrap is started by a holder (holder-start.ts): the first process of its own PID
 * namespace, which joins the cgroup, says so with one byte on the daemon-alive pipe, and execs bwrap. A daemon killed
 * at any moment then takes the whole tree with it, bwrap's sandbox included (its own set-up has a window in which
 * its child outlives it).
 */
import { spawn } from 'node:child_process';
import type { CgroupPool } from '../cgroup.js';
import { BWRAP_HARDENING } from './bwrap-args.js';
import { EXEC_HOLDER, holderCgroupEnv, holderStart, type HolderTools } from './holder-start.js';
import { ParkedPool, readyByte } from './parked-pool.js';
import type { PrestartedSandbox } from './provider.js';

/** A parked bwrap is a sandbox prestarted for the bwrap provider. */
export type ParkedBwrap = PrestartedSandbox;

export interface ParkSpec {
  readonly bwrapPath: string;
  readonly seccompFile?: string;
  /** Fixed argv of the command's shell, after `--`; the command itself arrives later (see shell.ts). */
  readonly shell: readonly string[];
  /** stdio slots after 0–2: [3] seccomp, [4] the options pipe, [5] the daemon-alive pipe. */
  readonly argsFd: number;
  readonly aliveFd: number;
  /** bwrap's own environment (the owner tag, orphans.ts); --clearenv keeps it from the command. */
  readonly env?: Readonly<Record<string, string>>;
  /** setpriv and unshare (root daemon): each bwrap is started by a holder in a PID namespace of its own. */
  readonly holder?: HolderTools;
}

/** The holder of a parked bwrap: ready (in its cgroup by then: HOLDER_PRELUDE), then bwrap in its place. */
export const PARKED_BWRAP_HOLDER = (aliveFd: number) => `printf p >&${aliveFd} || exit 125\n${EXEC_HOLDER}`;

export class ParkedBwrapPool extends ParkedPool {
  constructor(spec: ParkSpec, cgroups: CgroupPool, size: number, onError: (problem: string) => void) {
    super(
      (seccompFd, cgroup) => {
        const bwrap = [spec.bwrapPath, ...BWRAP_HARDENING, '--args', String(spec.argsFd), '--', ...spec.shell];
        const [file, ...args] = spec.holder
          ? [...holderStart(spec.holder, PARKED_BWRAP_HOLDER(spec.aliveFd), 'bulwark-park'), ...bwrap]
          : bwrap;
        const child = spawn(file ?? spec.bwrapPath, args, {
          cwd: '/',
          env: spec.holder ? { ...spec.env, ...holderCgroupEnv(cgroup) } : { ...spec.env },
          stdio: ['pipe', 'pipe', 'pipe', seccompFd ?? 'ignore', 'pipe', 'pipe'],
          detached: true,
          windowsHide: true,
        });
        return spec.holder ? { child, ready: readyByte(child, spec.aliveFd), joinsCgroup: true } : { child };
      },
      spec.seccompFile,
      cgroups,
      size,
      onError,
    );
  }
}
