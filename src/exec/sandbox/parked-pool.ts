/**
 * Sandbox processes started ahead of time and parked inside their run's pids cgroup, so a run does not wait for
 * the cgroup join (on cgroup v1 every join waits for an RCU grace period, ~7–11 ms here) nor for what the process
 * can prepare before it knows its run. What is parked is up to the launcher: a bwrap blocked on its options
 * (parked-bwrap.ts), or an overlay holder with its namespace and upper tmpfs ready (parked-holder.ts).
 *
 * A parked process is blocked reading from a pipe: it has started nothing that outlives it yet. A holder (under a
 * root daemon) joins the cgroup itself, as the first process of its PID namespace, before it starts anything; a bare
 * bwrap's pid is moved in by the daemon while it is blocked there. Only a process that is in the cgroup (and that said
 * it is ready, when its launcher asks for that) is handed out; everything the sandbox ever runs descends from it, so
 * the process bound holds as if it had been born in the cgroup. A holder's `unshare`, outside its namespace, stays
 * out of the cgroup: it only waits.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { describeCause } from '../../core/index.js';
import type { CgroupPool, SandboxCgroup } from '../cgroup.js';
import { killGroup } from '../run-handle.js';
import type { PrestartedSandbox } from './provider.js';

/** What a launcher started: the process, the per-run directories it owns, and when it is ready. */
export interface Launched {
  readonly child: ChildProcess;
  readonly view?: PrestartedSandbox['view'];
  /** Resolves true once the process has prepared what it prepares ahead, false when it ended first. */
  readonly ready?: Promise<boolean>;
  /**
   * A holder (holder-start.ts): the first process of its PID namespace joins the cgroup itself before `ready`; the
   * pool checks that it did. Otherwise the pool moves the process in.
   */
  readonly joinsCgroup?: boolean;
}

/**
 * Starts one process to park (synchronously: the spawn itself), given the seccomp filter's descriptor and the
 * cgroup it is to be bound by (a launcher that joins it itself reads its procs files).
 */
export type Launcher = (seccompFd: number | undefined, cgroup: SandboxCgroup) => Launched;

/** True on the process's first byte on pipe `fd` ("ready"); false if it ends first. The pipe is paused after it. */
export function readyByte(child: ChildProcess, fd: number): Promise<boolean> {
  const pipe = (child.stdio as unknown as ReadonlyArray<Readable | null | undefined>)[fd];
  if (!pipe) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      pipe.off('data', onData);
      child.off('exit', onExit);
      pipe.pause();
      resolve(ready);
    };
    const onData = () => done(true);
    const onExit = () => done(false);
    pipe.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The host pid of the first process of a holder's PID namespace: the one child of its `unshare`. */
function namespaceInit(unsharePid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(' ');
    return children.length === 1 && children[0] ? Number(children[0]) : undefined;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
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

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

export class ParkedPool {
  private readonly ready: PrestartedSandbox[] = [];
  /** Started but not yet ready: killed by close() at once, so a daemon that stops mid-park leaves nothing behind. */
  private readonly starting = new Set<PrestartedSandbox>();
  private readonly killed = new WeakSet<PrestartedSandbox>();
  private parking = 0;
  private closed = false;

  constructor(
    private readonly launch: Launcher,
    private readonly seccompFile: string | undefined,
    private readonly cgroups: CgroupPool,
    private readonly size: number,
    private readonly onError: (problem: string) => void,
  ) {
    this.refill();
  }

  /**
   * A parked process already bound by its cgroup (and `fits`, when given), or undefined (the caller starts one the
   * usual way). The pool is
   * not refilled here: starting and moving the next one would compete with this run, so the caller calls refill()
   * once the run is over (an empty pool refills at once).
   */
  take(fits?: (p: PrestartedSandbox) => boolean): PrestartedSandbox | undefined {
    let p: PrestartedSandbox | undefined;
    while ((p = this.ready.shift())) {
      // One that does not fit this run (see same-lower.ts) is stale for any run after it: it is not kept either.
      if (alive(p.child) && (!fits || fits(p))) break;
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

  private async park(): Promise<PrestartedSandbox | undefined> {
    const cgroup = await this.cgroups.takeAsync();
    let seccompFd: number | undefined;
    let launched: Launched;
    try {
      if (this.seccompFile) seccompFd = openSync(this.seccompFile, 'r');
      launched = this.launch(seccompFd, cgroup);
    } catch (cause) {
      if (seccompFd !== undefined) closeSync(seccompFd);
      void this.cgroups.put(cgroup);
      throw cause;
    }
    const { child } = launched;
    const p: PrestartedSandbox = {
      child,
      cgroup,
      ...(seccompFd !== undefined ? { seccompFd } : {}),
      ...(launched.view ? { view: launched.view } : {}),
    };
    setRef(child, false);
    this.starting.add(p);
    try {
      return await this.settle(p, launched);
    } finally {
      this.starting.delete(p);
    }
  }

  private async settle(p: PrestartedSandbox, launched: Launched): Promise<PrestartedSandbox | undefined> {
    const { child, cgroup } = p;
    // A parked process that dies (killed from outside, or the spawn failed) is dropped with its cgroup.
    child.once('exit', () => {
      const i = this.ready.indexOf(p);
      if (i >= 0) {
        this.ready.splice(i, 1);
        this.discard(p);
      }
    });
    child.once('error', (e) => this.onError(`a parked sandbox failed: ${e.message}`));
    // A process that already died is not moved: its pid could, in theory, be reused by then.
    if (child.pid === undefined || !alive(child)) {
      this.discard(p);
      return undefined;
    }
    if (!launched.joinsCgroup)
      try {
        // Off the event loop: the join waits for the kernel, and the process is blocked on its pipe meanwhile.
        for (const file of cgroup.joinFiles) await writeFile(file, String(child.pid));
      } catch (cause) {
        this.onError(`cannot move a parked sandbox into its cgroup: ${describeCause(cause)}`);
        this.discard(p);
        return undefined;
      }
    const ready = (await launched.ready) ?? true;
    const bound = launched.joinsCgroup && alive(child) ? namespaceInit(child.pid) : child.pid;
    if (!ready || !alive(child) || bound === undefined || !cgroup.pids().includes(bound)) {
      this.discard(p);
      return undefined;
    }
    return p;
  }

  /** True while a process is being parked (tests and daemon stop wait for it). */
  get busy(): boolean {
    return this.parking > 0;
  }

  private kill(p: PrestartedSandbox): void {
    if (this.killed.has(p)) return;
    this.killed.add(p);
    if (alive(p.child)) {
      const problem = killGroup(p.child.pid);
      if (problem) this.onError(`cannot kill a parked sandbox: ${problem}`);
    }
    for (const s of p.child.stdio) s?.destroy();
    if (p.seccompFd !== undefined) closeSync(p.seccompFd);
    // On the host these are empty directories (the upper tmpfs lived in the holder's namespace only).
    if (p.view) for (const d of [p.view.runDir, p.view.mountPoint]) rmSync(d, { recursive: true, force: true });
  }

  /** Kills a parked process that will not be used and gives its cgroup back once empty. */
  private discard(p: PrestartedSandbox): void {
    this.kill(p);
    void this.cgroups.put(p.cgroup).then((problem) => {
      if (problem) this.onError(problem);
    });
  }

  /** Daemon stop: kills every parked process and removes its cgroup, waiting for the kernel. */
  close(): void {
    this.closed = true;
    // Their cgroups go back when their park() finishes (it discards what it parked once the pool is closed).
    for (const p of this.starting) this.kill(p);
    for (const p of this.ready.splice(0)) {
      this.kill(p);
      const problem = p.cgroup.destroy();
      if (problem) this.onError(problem);
    }
  }
}
