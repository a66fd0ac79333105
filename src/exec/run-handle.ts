/**
 * One run's processes and what holds them: the child and its process group, the pids cgroup, the seccomp fd,
 * a per-run directory. `kill()` is the one kill path for a run — timeout, cancellation, a plan that will not
 * start, daemon stop — and `release()` gives everything back exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describeCause } from '../core/index.js';
import type { CgroupPool, SandboxCgroup } from './cgroup.js';
import type { PrestartedSandbox } from './sandbox/provider.js';

/** SIGKILL to a process group; undefined when done or already gone, else what went wrong. */
export function killGroup(pid: number | undefined): string | undefined {
  if (pid === undefined) return undefined;
  try {
    process.kill(-pid, 'SIGKILL');
    return undefined;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    return `cannot kill process group ${pid}: ${describeCause(cause)}`;
  }
}

export class RunHandle {
  private child: ChildProcess | undefined;
  private started = false;
  private readonly fds: number[] = [];
  private readonly dirs: string[] = [];
  private state: 'live' | 'releasing' | 'released' = 'live';
  private releasing: Promise<void> | undefined;
  private readonly oomBefore: number | undefined;

  /**
   * @param cgroups where the cgroup goes back to once empty (it is removed instead when absent)
   * @param problem reports what could not be killed or cleaned up (an audit warning)
   */
  constructor(
    readonly cgroup: SandboxCgroup | undefined,
    private readonly cgroups: CgroupPool | undefined,
    private readonly problem: (outcome: string, reason: string) => void,
    readonly prestarted?: PrestartedSandbox,
  ) {
    // A pooled cgroup's counter goes on across runs: this run's kills are the difference.
    this.oomBefore = this.readOomKills();
    if (prestarted) {
      this.child = prestarted.child;
      if (prestarted.seccompFd !== undefined) this.fds.push(prestarted.seccompFd);
      // A parked view's directories go with the run, whether it used them or not.
      if (prestarted.view) this.dirs.push(prestarted.view.runDir, prestarted.view.mountPoint);
    }
  }

  /** The run's child is running (spawned, or a prestarted sandbox handed its command). */
  attach(child: ChildProcess): void {
    this.child = child;
    this.started = true;
  }

  /** A descriptor to close when the run is released. */
  holdFd(fd: number): void {
    this.fds.push(fd);
  }

  /** A per-run directory to remove when the run is released. */
  holdDir(dir: string): void {
    this.dirs.push(dir);
  }

  /**
   * The one kill path: SIGKILL to the child's process group, then to every process left in the run's cgroup
   * (whatever left the group: setsid, a double fork). Idempotent; a released run's cgroup may already serve
   * another run, so it is never touched again.
   */
  kill(): void {
    if (this.state === 'released') return;
    const group = killGroup(this.child?.pid);
    if (group) this.problem('kill-failed', group);
    const left = this.cgroup?.killAll();
    if (left) this.problem('kill-failed', left);
  }

  /**
   * After the child has exited: kills what it left behind and resolves once the cgroup is empty, so what the
   * run did to the workspace can be read with nothing still writing to it. Without a cgroup only the
   * process group can be killed.
   */
  async emptied(): Promise<void> {
    this.kill();
    const left = await this.cgroup?.emptied();
    if (left) this.problem('cgroup-not-empty', left);
  }

  /** After emptied(): how many of the run's processes the kernel killed at its memory cap (0 without a count). */
  oomKilled(): number {
    const now = this.readOomKills();
    return now !== undefined && this.oomBefore !== undefined ? Math.max(0, now - this.oomBefore) : 0;
  }

  private readOomKills(): number | undefined {
    try {
      return this.cgroup?.oomKills();
    } catch (cause) {
      this.problem('memory-count-unreadable', `cannot read the run's OOM-kill count: ${describeCause(cause)}`);
      return undefined;
    }
  }

  /**
   * Kills what is left and closes the descriptors at once; removes the per-run directories and gives the cgroup back
   * once empty in the background (the promise says when).
   */
  release(): Promise<void> {
    this.releasing ??= this.doRelease();
    return this.releasing;
  }

  private async doRelease(): Promise<void> {
    this.kill();
    this.state = 'releasing';
    // A prestarted sandbox that never got its command: its pipes are still open.
    if (!this.started && this.child) for (const s of this.child.stdio) s?.destroy();
    for (const fd of this.fds.splice(0)) closeSync(fd);
    // Off the event loop and after the run's result: a run removes up to four directories, and removing one can take
    // milliseconds (~4 ms per rmdir on an ext4 root measured here, where a file's unlink takes 0.05).
    const removed = this.dirs
      .splice(0)
      .map((dir) =>
        rm(dir, { recursive: true, force: true }).catch((cause: unknown) =>
          this.problem('cleanup-failed', `cannot remove the run's directory ${dir}: ${describeCause(cause)}`),
        ),
      );
    if (this.cgroup) {
      const problem = this.cgroups ? await this.cgroups.put(this.cgroup) : await this.cgroup.destroyAsync();
      if (problem) this.problem('cgroup-cleanup-failed', problem);
    }
    await Promise.all(removed);
    this.state = 'released';
  }

  /** Daemon stop: kills the run and removes its cgroup now, waiting for the kernel. */
  destroyNow(): void {
    if (this.state === 'released') return;
    this.kill();
    const problem = this.cgroup?.destroy();
    if (problem) this.problem('cgroup-cleanup-failed', problem);
  }
}
