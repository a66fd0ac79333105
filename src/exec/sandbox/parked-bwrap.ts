/**
 * bwrap processes parked in their run's pids cgroup (see parked-pool.ts). A parked bwrap is blocked reading its
 * options from a pipe (`--args`): it has created no namespace and no process yet. The hardening flags are on the
 * command line as well as in the options the run writes: if the daemon dies while a bwrap is parked, bwrap reads
 * EOF and starts with namespaces but no root filesystem (exec fails, nothing runs), and the command's shell first
 * proves the daemon is alive anyway.
 */
import { spawn } from 'node:child_process';
import type { CgroupPool } from '../cgroup.js';
import { BWRAP_HARDENING } from './bwrap-args.js';
import { ParkedPool } from './parked-pool.js';
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
}

export class ParkedBwrapPool extends ParkedPool {
  constructor(spec: ParkSpec, cgroups: CgroupPool, size: number, onError: (problem: string) => void) {
    super(
      (seccompFd) => ({
        child: spawn(spec.bwrapPath, [...BWRAP_HARDENING, '--args', String(spec.argsFd), '--', ...spec.shell], {
          cwd: '/',
          env: { ...spec.env },
          stdio: ['pipe', 'pipe', 'pipe', seccompFd ?? 'ignore', 'pipe', 'pipe'],
          detached: true,
          windowsHide: true,
        }),
      }),
      spec.seccompFile,
      cgroups,
      size,
      onError,
    );
  }
}
