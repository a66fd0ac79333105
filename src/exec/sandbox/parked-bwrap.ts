/**
 * bwrap processes started ahead of time and parked inside their run's pids cgroup, so a run does not
 * wait for the cgroup join (on cgroup v1 every join waits for an RCU grace period, ~7–11 ms here).
 *
 * A parked bwrap is blocked reading its options from a pipe (`--args`): it has created no namespace
 * and no process yet. The daemon moves its pid into the cgroup while it is blocked there, and only
 * a process whose move succeeded is handed out; everything the sandbox ever runs descends from it,
 * so the process bound holds as if it had been born in the cgroup. The hardening flags are on the
 * command line as well as in the options the run writes: if the daemon dies while a bwrap is parked,
 * bwrap reads EOF and starts with namespaces but no root filesystem (exec fails, nothing runs), and
 * the command's shell first proves the daemon is alive anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { describeCause } from '../../core/index.js';
import type { CgroupPool } from '../cgroup.js';
import { killGroup } from '../run-handle.js';
import { BWRAP_HARDENING } from './bwrap-args.js';
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
}

function setRef(child: ChildProcess, on: boolean): void {
  if (on) child.ref();
  else child.unref();
  for (const s of child.stdio) {
    const sock = s as unknown as Partial<Socket> | null;
    if (on) sock?.ref?.();
    else sock?.unref?.();
  }
}

export class ParkedBwrapPool {
  private readonly ready: ParkedBwrap[] = [];
  private parking = 0;
  private closed = false;

  constructor(
    private readonly spec: ParkSpec,
    private readonly cgroups: CgroupPool,
    private readonly size: number,
    private readonly onError: (problem: string) => void,
  ) {
    this.refill();
  }

  /**
   * A parked bwrap already bound by its cgroup, or undefined (the caller spawns the usual way). The
   * pool is not refilled here: spawning and moving the next one would compete with this run, so the
   * caller calls refill() once the run is over (an empty pool refills at once).
   */
  take(): ParkedBwrap | undefined {
    let p: ParkedBwrap | undefined;
    while ((p = this.ready.shift())) {
      if (p.child.exitCode === null && p.child.signalCode === null) break;
      this.discard(p);
    }
    if (!p) {
      this.refill();
      return undefined;
    }
    setRef(p.child, true);
    return p;
  }

  refill(): void {
    while (!this.closed && this.ready.length + this.parking < this.size) {
      this.parking++;
      this.park().then(
        (p) => {
          this.parking--;
          if (!p) return;
          if (this.closed) this.discard(p);
          else this.ready.push(p);
        },
        (cause: unknown) => {
          this.parking--;
          this.onError(`cannot park a sandbox: ${describeCause(cause)}`);
        },
      );
    }
  }

  private async park(): Promise<ParkedBwrap | undefined> {
    const cgroup = await this.cgroups.takeAsync();
    let seccompFd: number | undefined;
    let child: ChildProcess;
    try {
      if (this.spec.seccompFile) seccompFd = openSync(this.spec.seccompFile, 'r');
      const stdio = ['pipe', 'pipe', 'pipe', seccompFd ?? 'ignore', 'pipe', 'pipe'] as const;
      child = spawn(
        this.spec.bwrapPath,
        [...BWRAP_HARDENING, '--args', String(this.spec.argsFd), '--', ...this.spec.shell],
        { cwd: '/', env: {}, stdio: [...stdio], detached: true, windowsHide: true },
      );
    } catch (cause) {
      if (seccompFd !== undefined) closeSync(seccompFd);
      void this.cgroups.put(cgroup);
      throw cause;
    }
    const p: ParkedBwrap = { child, cgroup, ...(seccompFd !== undefined ? { seccompFd } : {}) };
    setRef(child, false);
    // A parked process that dies (killed from outside, or the spawn failed) is dropped with its cgroup.
    child.once('exit', () => {
      const i = this.ready.indexOf(p);
      if (i >= 0) {
        this.ready.splice(i, 1);
        this.discard(p);
      }
    });
    child.once('error', (e) => this.onError(`a parked sandbox failed: ${e.message}`));
    if (child.pid === undefined) {
      this.discard(p);
      return undefined;
    }
    // A bwrap that already died is not moved: its pid could, in theory, be reused by then.
    if (child.exitCode !== null || child.signalCode !== null) {
      this.discard(p);
      return undefined;
    }
    try {
      // Off the event loop: the join waits for the kernel, and bwrap is blocked on its options meanwhile.
      await writeFile(cgroup.procsFile, String(child.pid));
    } catch (cause) {
      this.onError(`cannot move a parked sandbox into its cgroup: ${describeCause(cause)}`);
      this.discard(p);
      return undefined;
    }
    if (child.exitCode !== null || child.signalCode !== null || !cgroup.pids().includes(child.pid)) {
      this.discard(p);
      return undefined;
    }
    return p;
  }

  /** True while a bwrap is being parked (tests and daemon stop wait for it). */
  get busy(): boolean {
    return this.parking > 0;
  }

  private kill(p: ParkedBwrap): void {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      const problem = killGroup(p.child.pid);
      if (problem) this.onError(`cannot kill a parked sandbox: ${problem}`);
    }
    for (const s of p.child.stdio) s?.destroy();
    if (p.seccompFd !== undefined) closeSync(p.seccompFd);
  }

  /** Kills a parked process that will not be used and gives its cgroup back once empty. */
  private discard(p: ParkedBwrap): void {
    this.kill(p);
    void this.cgroups.put(p.cgroup).then((problem) => {
      if (problem) this.onError(problem);
    });
  }

  /** Daemon stop: kills every parked process and removes its cgroup, waiting for the kernel. */
  close(): void {
    this.closed = true;
    for (const p of this.ready.splice(0)) {
      this.kill(p);
      const problem = p.cgroup.destroy();
      if (problem) this.onError(problem);
    }
  }
}
