/**
 * Bounds the number of processes in a sandbox with a cgroup (`pids.max`). RLIMIT_NPROC does not
 * bind a root daemon (the kernel exempts it, even across the user namespace), so this is what
 * actually contains a fork bomb. cgroup v1 (`/sys/fs/cgroup/pids`) and v2 (a delegated subtree
 * under `/sys/fs/cgroup`) are both handled; when neither is writable the caller reports it.
 * Where a memory controller is writable, the run's total memory is capped too (memory-cgroup.ts).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { childPath, describeCause, randomHex } from '../core/index.js';
import { killPids } from './kill-pids.js';
import {
  createV1Memory,
  createV1MemoryAsync,
  findV1MemoryBase,
  findV2MemoryBase,
  oomKills,
  removeV1Memory,
  removeV1MemorySync,
  writeMemoryLimit,
  type MemoryBase,
} from './memory-cgroup.js';

export type CgroupKind = 'v1' | 'v2';

export interface CgroupBase {
  readonly kind: CgroupKind;
  /** Directory under which one child cgroup per command is created. */
  readonly dir: string;
  /** The file that puts the daemon's main thread back where it was (v1 `tasks`, v2 `cgroup.procs`). */
  readonly home: string;
  /** Where runs' memory is capped (absent: no writable memory controller, `memoryReason` says why). */
  readonly memory?: MemoryBase;
  readonly memoryReason: string;
}

/** What every run's cgroup is capped at. */
export interface CgroupLimits {
  readonly processes: number;
  /** exec.limits.memoryMb in bytes; ignored without a memory controller. */
  readonly memoryBytes: number;
}

/** A run's cgroup caps from exec.limits. */
export function cgroupLimits(l: { readonly processes: number; readonly memoryMb: number }): CgroupLimits {
  return { processes: l.processes, memoryBytes: l.memoryMb * 1024 * 1024 };
}

/** The daemon's own cgroup directory for the pids hierarchy (v1) or the unified one (v2), from /proc/self/cgroup. */
function ownCgroupDir(kind: CgroupKind): string {
  const lines = readFileSync(`/proc/self/task/${process.pid}/cgroup`, 'utf8').split('\n');
  const line =
    kind === 'v1'
      ? lines.find((l) => l.split(':')[1]?.split(',').includes('pids'))
      : lines.find((l) => l.startsWith('0::'));
  const rel = line?.split(':').slice(2).join(':') ?? '/';
  let dir = kind === 'v1' ? V1_PIDS : V2_ROOT;
  for (const part of rel.split('/').filter(Boolean)) dir = childPath(dir, part);
  return dir;
}

const V1_PIDS = '/sys/fs/cgroup/pids';
const V2_ROOT = '/sys/fs/cgroup';
const GROUP_NAME = 'bulwark-exec';

function tryDir(dir: string, prepare: () => void): { base?: string; reason?: string } {
  try {
    if (!existsSync(dir)) mkdirSync(dir);
    prepare();
    const probe = childPath(dir, `probe-${randomHex(4)}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return { base: dir };
  } catch (cause) {
    return { reason: describeCause(cause) };
  }
}

/** Finds (and creates) the parent cgroup for sandboxes; `reason` says why none can be used. */
export function findCgroupBase(): { base?: CgroupBase; reason: string } {
  if (existsSync(childPath(V1_PIDS, 'cgroup.procs'))) {
    const r = tryDir(childPath(V1_PIDS, GROUP_NAME), () => undefined);
    if (r.base) {
      const m = findV1MemoryBase();
      return {
        base: {
          kind: 'v1',
          dir: r.base,
          home: childPath(ownCgroupDir('v1'), 'tasks'),
          ...(m.base ? { memory: m.base } : {}),
          memoryReason: m.reason,
        },
        reason: `cgroup v1 pids controller at ${r.base}`,
      };
    }
    return {
      reason: `cgroup v1 pids controller present but not writable (${r.reason}); run the daemon as root or delegate ${V1_PIDS}`,
    };
  }
  const controllers = childPath(V2_ROOT, 'cgroup.controllers');
  if (existsSync(controllers)) {
    if (!readFileSync(controllers, 'utf8').split(/\s+/).includes('pids'))
      return { reason: 'cgroup v2 without the pids controller' };
    const dir = childPath(V2_ROOT, GROUP_NAME);
    const r = tryDir(dir, () => {
      writeFileSync(childPath(V2_ROOT, 'cgroup.subtree_control'), '+pids');
      writeFileSync(childPath(dir, 'cgroup.subtree_control'), '+pids');
    });
    if (r.base) {
      const m = readFileSync(controllers, 'utf8').split(/\s+/).includes('memory')
        ? findV2MemoryBase(() => {
            writeFileSync(childPath(V2_ROOT, 'cgroup.subtree_control'), '+memory');
            writeFileSync(childPath(dir, 'cgroup.subtree_control'), '+memory');
          })
        : { reason: 'cgroup v2 without the memory controller' };
      return {
        base: {
          kind: 'v2',
          dir: r.base,
          home: childPath(ownCgroupDir('v2'), 'cgroup.procs'),
          ...(m.base ? { memory: m.base } : {}),
          memoryReason: m.reason,
        },
        reason: `cgroup v2 pids controller at ${r.base}`,
      };
    }
    return {
      reason: `cgroup v2 present but ${dir} is not usable (${r.reason}); run the daemon as root or give it a delegated cgroup (systemd Delegate=yes)`,
    };
  }
  return { reason: 'no cgroup pids controller is mounted' };
}

export class SandboxCgroup {
  private constructor(
    readonly base: CgroupBase,
    readonly dir: string,
    /** The run's memory cgroup: a directory of its own on v1, `dir` itself on v2; absent without one. */
    readonly memoryDir: string | undefined,
    /** The cap, for the run's result. */
    readonly memoryBytes: number,
  ) {}

  static create(base: CgroupBase, limits: CgroupLimits): SandboxCgroup {
    const name = `run-${process.pid}-${randomHex(6)}`;
    const dir = childPath(base.dir, name);
    mkdirSync(dir);
    try {
      writeFileSync(childPath(dir, 'pids.max'), String(limits.processes));
      return new SandboxCgroup(base, dir, SandboxCgroup.memoryFor(base, dir, name, limits), limits.memoryBytes);
    } catch (cause) {
      rmdirSync(dir);
      throw cause;
    }
  }

  private static memoryFor(base: CgroupBase, dir: string, name: string, limits: CgroupLimits): string | undefined {
    if (!base.memory) return undefined;
    if (base.memory.kind === 'v1') return createV1Memory(base.memory, name, limits.memoryBytes);
    writeMemoryLimit('v2', dir, limits.memoryBytes);
    return dir;
  }

  /** The pids cgroup's procs file (v2: the one cgroup's). */
  get procsFile(): string {
    return childPath(this.dir, 'cgroup.procs');
  }

  /** The v1 memory cgroup's procs file, which a process must join too; undefined on v2 or without one. */
  get memoryProcsFile(): string | undefined {
    return this.memoryDir && this.memoryDir !== this.dir ? childPath(this.memoryDir, 'cgroup.procs') : undefined;
  }

  /** Every procs file a process joins to be bound by this run's cgroup. */
  get joinFiles(): string[] {
    const memory = this.memoryProcsFile;
    return memory ? [this.procsFile, memory] : [this.procsFile];
  }

  /** How many processes the kernel killed at the memory cap so far (a pooled cgroup counts across runs). */
  oomKills(): number | undefined {
    return this.memoryDir && this.base.memory ? oomKills(this.base.memory.kind, this.memoryDir) : undefined;
  }

  /**
   * Runs `spawn` with the daemon's main thread inside this cgroup, so the child is born in it
   * (a new task inherits the cgroup of the thread that forks it) and nothing can fork outside
   * it, with no helper process. cgroup v1 moves only the main thread (`tasks`); v2 moves the
   * process for that instant. The thread goes home before this returns.
   */
  spawnInside<T>(spawn: () => T): T {
    const memory = this.memoryProcsFile && this.base.memory?.kind === 'v1' ? this.base.memory : undefined;
    writeFileSync(childPath(this.dir, this.base.kind === 'v1' ? 'tasks' : 'cgroup.procs'), String(process.pid));
    try {
      if (memory) writeFileSync(childPath(this.memoryDir as string, 'tasks'), String(process.pid));
      try {
        return spawn();
      } finally {
        if (memory) writeFileSync(memory.home, String(process.pid));
      }
    } finally {
      writeFileSync(this.base.home, String(process.pid));
    }
  }

  pids(): number[] {
    try {
      return readFileSync(this.procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw cause;
    }
  }

  /** Kills every process left in the cgroup and removes it, waiting synchronously (start/stop paths). */
  destroy(): string | undefined {
    const problem = destroyCgroupDir(this.base, this.dir);
    if (problem) return problem;
    return this.memoryProcsFile ? removeV1MemorySync(this.memoryDir as string) : undefined;
  }

  /**
   * Same, off the event loop: removing a cgroup waits for the kernel (an RCU grace period on v1),
   * so the reads and the rmdir run in libuv's thread pool.
   */
  async destroyAsync(): Promise<string | undefined> {
    for (let round = 0; round < 200; round++) {
      const r = await killAndRemoveAsync(this.base, this.dir);
      if (r === 'busy') {
        await new Promise((res) => setTimeout(res, round < 10 ? 2 : 20));
        continue;
      }
      if (r) return r;
      return this.memoryProcsFile ? removeV1Memory(this.memoryDir as string) : undefined;
    }
    return `cgroup ${this.dir} still has processes after repeated SIGKILL`;
  }

  /**
   * SIGKILLs every process in the cgroup now (v2: `cgroup.kill`, which also catches a process forking meanwhile;
   * v1: each pid listed). Undefined when done, else what went wrong.
   */
  killAll(): string | undefined {
    if (this.base.kind === 'v2' && existsSync(childPath(this.dir, 'cgroup.kill'))) {
      try {
        writeFileSync(childPath(this.dir, 'cgroup.kill'), '1');
        return undefined;
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        return `cannot kill cgroup ${this.dir}: ${describeCause(cause)}`;
      }
    }
    let pids: number[];
    try {
      pids = this.pids();
    } catch (cause) {
      return `cannot read ${this.dir}: ${describeCause(cause)}`;
    }
    return killPids(pids, this.dir);
  }

  /** SIGKILLs what is left; resolves to the number of processes that were still there (or an error text). */
  async emptyAsync(): Promise<number | string> {
    let pids: number[];
    try {
      pids = (await readFile(this.procsFile, 'utf8')).split('\n').filter(Boolean).map(Number);
    } catch (cause) {
      // Removed meanwhile (daemon stop): nothing is left in it.
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      return `cannot read ${this.dir}: ${describeCause(cause)}`;
    }
    const problem = killPids(pids, this.dir);
    return problem ?? pids.length;
  }

  /** Kills what is left until nothing is; undefined once empty, else why it is not. */
  async emptied(): Promise<string | undefined> {
    // Usually empty already (a sandbox's processes die with it): one small read, no trip through the thread
    // pool, which may be busy moving the next parked sandbox into its cgroup.
    try {
      if (this.pids().length === 0) return undefined;
    } catch (cause) {
      return `cannot read ${this.dir}: ${describeCause(cause)}`;
    }
    for (let round = 0; round < 200; round++) {
      const left = await this.emptyAsync();
      if (typeof left === 'string') return left;
      if (left === 0) return undefined;
      await new Promise((res) => setTimeout(res, round < 10 ? 2 : 20));
    }
    return `cgroup ${this.dir} still has processes after repeated SIGKILL`;
  }

  static async createAsync(base: CgroupBase, limits: CgroupLimits): Promise<SandboxCgroup> {
    const name = `run-${process.pid}-${randomHex(6)}`;
    const dir = childPath(base.dir, name);
    await mkdir(dir);
    try {
      await writeFile(childPath(dir, 'pids.max'), String(limits.processes));
      const memory =
        base.memory?.kind === 'v1'
          ? await createV1MemoryAsync(base.memory, name, limits.memoryBytes)
          : SandboxCgroup.memoryFor(base, dir, name, limits);
      return new SandboxCgroup(base, dir, memory, limits.memoryBytes);
    } catch (cause) {
      await rmdir(dir);
      throw cause;
    }
  }
}

/**
 * A few ready cgroups, reused: creating and removing a cgroup takes the kernel's cgroup lock and
 * waits for an RCU grace period (~10 ms on a busy v1 host), which would stall every spawn. A
 * cgroup is handed to one run at a time and comes back only once it is empty again.
 */
export class CgroupPool {
  private readonly ready: SandboxCgroup[] = [];
  private filling = 0;
  private closed = false;

  constructor(
    private readonly base: CgroupBase,
    private readonly limits: CgroupLimits,
    private readonly size = 4,
    private readonly onError: (problem: string) => void = () => undefined,
  ) {
    this.refill();
  }

  take(): SandboxCgroup {
    const c = this.ready.shift() ?? SandboxCgroup.create(this.base, this.limits);
    this.refill();
    return c;
  }

  /** True while a cgroup is being created (tests and daemon stop wait for it). */
  get busy(): boolean {
    return this.filling > 0;
  }

  /** Same as take(), but a cgroup that must be created is created off the event loop. */
  async takeAsync(): Promise<SandboxCgroup> {
    const c = this.ready.shift() ?? (await SandboxCgroup.createAsync(this.base, this.limits));
    this.refill();
    return c;
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.filling < this.size) {
      this.filling++;
      SandboxCgroup.createAsync(this.base, this.limits).then(
        (c) => {
          this.filling--;
          if (this.closed) this.drop(c);
          else this.ready.push(c);
        },
        (cause: unknown) => {
          this.filling--;
          this.onError(`cannot pre-create a sandbox cgroup: ${describeCause(cause)}`);
        },
      );
    }
  }

  /** Gives back a cgroup once every process in it is gone; surplus ones are removed. */
  async put(c: SandboxCgroup): Promise<string | undefined> {
    const problem = await c.emptied();
    if (problem) return problem;
    // Cgroups still being created count too, so the pool never grows past its size.
    if (this.closed || this.ready.length + this.filling >= this.size) return c.destroyAsync();
    this.ready.push(c);
    return undefined;
  }

  private drop(c: SandboxCgroup): void {
    const p = c.destroy();
    if (p) this.onError(p);
  }

  /** Daemon stop: removes the unused cgroups. */
  close(): void {
    this.closed = true;
    for (const c of this.ready.splice(0)) this.drop(c);
  }
}

async function killAndRemoveAsync(base: CgroupBase, dir: string): Promise<'busy' | string | undefined> {
  if (base.kind === 'v1') {
    let pids: number[];
    try {
      pids = (await readFile(childPath(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return `cannot read ${dir}: ${describeCause(cause)}`;
    }
    for (const pid of pids) {
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') return `cannot kill ${pid}: ${describeCause(cause)}`;
      }
    }
  } else {
    try {
      await writeFile(childPath(dir, 'cgroup.kill'), '1');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      return `cannot kill cgroup ${dir}: ${describeCause(cause)}`;
    }
  }
  try {
    await rmdir(dir);
    return undefined;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EBUSY') return 'busy';
    return `cannot remove cgroup ${dir}: ${describeCause(cause)}`;
  }
}

/** One round: SIGKILL everything in the cgroup, then try to remove it. */
function killAndRemove(base: CgroupBase, dir: string): 'busy' | string | undefined {
  if (base.kind === 'v2' && existsSync(childPath(dir, 'cgroup.kill'))) {
    try {
      writeFileSync(childPath(dir, 'cgroup.kill'), '1');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return `cannot kill cgroup ${dir}: ${describeCause(cause)}`;
    }
  } else {
    let pids: number[];
    try {
      pids = readFileSync(childPath(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return `cannot read ${dir}: ${describeCause(cause)}`;
    }
    for (const pid of pids) {
      // The daemon is in the list only if moving its thread home failed; never kill it.
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') return `cannot kill ${pid}: ${describeCause(cause)}`;
      }
    }
  }
  try {
    rmdirSync(dir);
    return undefined;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EBUSY') return 'busy';
    return `cannot remove cgroup ${dir}: ${describeCause(cause)}`;
  }
}

function destroyCgroupDir(base: CgroupBase, dir: string): string | undefined {
  for (let round = 0; round < 100; round++) {
    const r = killAndRemove(base, dir);
    if (r !== 'busy') return r;
    // Processes take a moment to leave after SIGKILL; only start-up and shutdown wait here.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return `cgroup ${dir} still has processes after repeated SIGKILL`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Daemon start: removes sandbox cgroups left by a daemon that died without cleaning up (its pid is
 * in the name). With `all`, also this daemon's own (daemon stop).
 */
export function sweepStaleCgroups(base: CgroupBase, all = false): string[] {
  const problems: string[] = [];
  for (const name of readdirSync(base.dir)) {
    const m = /^run-(\d+)-/.exec(name);
    if (!m) continue;
    const owner = Number(m[1]);
    if (!(all && owner === process.pid) && (owner === process.pid || processAlive(owner))) continue;
    const p = destroyCgroupDir(base, childPath(base.dir, name));
    if (p) problems.push(p);
  }
  if (base.memory?.kind === 'v1')
    for (const name of readdirSync(base.memory.dir)) {
      const m = /^run-(\d+)-/.exec(name);
      if (!m) continue;
      const owner = Number(m[1]);
      if (!(all && owner === process.pid) && (owner === process.pid || processAlive(owner))) continue;
      const p = removeV1MemorySync(childPath(base.memory.dir, name));
      if (p) problems.push(p);
    }
  return problems;
}
