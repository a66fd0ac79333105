/**
 * The memory half of a run's cgroup: every run is capped at exec.limits.memoryMb in total, whatever it forks (the
 * address-space ulimit binds each process alone). On cgroup v1 the memory controller is a hierarchy of its own, so a
 * run's memory cgroup is a second directory next to its pids one, under the daemon's own memory cgroup (a limit
 * the operator set on the daemon still covers its runs); on v2 it is the same directory with `memory.max`. The
 * kernel OOM-kills inside the cgroup when a run reaches its cap; the oom_kill counter says whether it did.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { childPath, describeCause, randomHex } from '../core/index.js';
import { killPids } from './kill-pids.js';

/** A run the kernel stopped at its memory cap: how many of its processes it killed, and the cap. */
export interface MemoryKilled {
  readonly processes: number;
  readonly limitMb: number;
}

/** The run result's words for it. */
export function describeMemoryKilled(m: MemoryKilled): string {
  return `the run reached its memory limit (exec.limits.memoryMb ${m.limitMb} MiB for all its processes together) and the kernel killed ${m.processes} of its processes`;
}

export const V1_MEMORY = '/sys/fs/cgroup/memory';
const GROUP_NAME = 'bulwark-exec';

export type MemoryBase =
  /** cgroup v1: runs' memory cgroups are made in `dir`; `home` puts the daemon's main thread back. */
  | { readonly kind: 'v1'; readonly dir: string; readonly home: string }
  /** cgroup v2: the memory controller is enabled in the pids base itself. */
  | { readonly kind: 'v2' };

/** The daemon's own memory cgroup (v1), from /proc/self/task/<pid>/cgroup. */
function ownMemoryDir(): string {
  const lines = readFileSync(`/proc/self/task/${process.pid}/cgroup`, 'utf8').split('\n');
  const line = lines.find((l) => l.split(':')[1]?.split(',').includes('memory'));
  const rel = line?.split(':').slice(2).join(':') ?? '/';
  let dir = V1_MEMORY;
  for (const part of rel.split('/').filter(Boolean)) dir = childPath(dir, part);
  return dir;
}

/** Finds (and creates) the v1 parent for runs' memory cgroups; `reason` names what is missing when there is none. */
export function findV1MemoryBase(): { base?: MemoryBase; reason: string } {
  if (!existsSync(childPath(V1_MEMORY, 'cgroup.procs')))
    return { reason: `no cgroup v1 memory controller is mounted (${V1_MEMORY})` };
  let own: string;
  try {
    own = ownMemoryDir();
  } catch (cause) {
    return { reason: `cannot read the daemon's own memory cgroup: ${describeCause(cause)}` };
  }
  const dir = childPath(own, GROUP_NAME);
  try {
    if (!existsSync(dir)) mkdirSync(dir);
    const probe = childPath(dir, `probe-${randomHex(4)}`);
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (cause) {
    return {
      reason: `cgroup v1 memory controller present but ${dir} is not usable (${describeCause(cause)}); run the daemon as root or delegate its memory cgroup`,
    };
  }
  return { base: { kind: 'v1', dir, home: childPath(own, 'tasks') }, reason: `cgroup v1 memory controller at ${dir}` };
}

/** cgroup v2: whether `+memory` could be enabled for the pids base's children (`enable` writes subtree_control). */
export function findV2MemoryBase(enable: () => void): { base?: MemoryBase; reason: string } {
  try {
    enable();
    return { base: { kind: 'v2' }, reason: 'cgroup v2 memory controller' };
  } catch (cause) {
    return {
      reason: `cgroup v2 memory controller cannot be enabled in the delegated subtree (${describeCause(cause)}); delegate it (systemd Delegate=yes)`,
    };
  }
}

/** Writes the cap into a run's memory cgroup (v1: RAM, then RAM+swap when swap is accounted; v2: memory.max + swap). */
export function writeMemoryLimit(kind: MemoryBase['kind'], dir: string, bytes: number): void {
  if (kind === 'v1') {
    writeFileSync(childPath(dir, 'memory.limit_in_bytes'), String(bytes));
    const memsw = childPath(dir, 'memory.memsw.limit_in_bytes');
    if (existsSync(memsw)) writeFileSync(memsw, String(bytes));
    return;
  }
  writeFileSync(childPath(dir, 'memory.max'), String(bytes));
  const swap = childPath(dir, 'memory.swap.max');
  if (existsSync(swap)) writeFileSync(swap, '0');
}

/** Creates a run's v1 memory cgroup with its cap. */
export function createV1Memory(base: { readonly dir: string }, name: string, bytes: number): string {
  const dir = childPath(base.dir, name);
  mkdirSync(dir);
  try {
    writeMemoryLimit('v1', dir, bytes);
  } catch (cause) {
    rmdirSync(dir);
    throw cause;
  }
  return dir;
}

/** The same off the event loop (a pool filling between runs): creating a cgroup waits for the kernel. */
export async function createV1MemoryAsync(
  base: { readonly dir: string },
  name: string,
  bytes: number,
): Promise<string> {
  const dir = childPath(base.dir, name);
  await mkdir(dir);
  try {
    await writeFile(childPath(dir, 'memory.limit_in_bytes'), String(bytes));
    const memsw = childPath(dir, 'memory.memsw.limit_in_bytes');
    if (existsSync(memsw)) await writeFile(memsw, String(bytes));
  } catch (cause) {
    await rmdir(dir);
    throw cause;
  }
  return dir;
}

/** How many processes the kernel OOM-killed in this memory cgroup so far (v1 memory.oom_control, v2 memory.events). */
export function oomKills(kind: MemoryBase['kind'], dir: string): number | undefined {
  try {
    const text = readFileSync(childPath(dir, kind === 'v1' ? 'memory.oom_control' : 'memory.events'), 'utf8');
    const m = /^oom_kill (\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch (cause) {
    // Removed meanwhile (daemon stop): no count to compare.
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
}

/**
 * One attempt at removing a v1 memory cgroup: done (undefined, or a problem to report), or `again` after SIGKILL to
 * what it still lists. Synchronous: cgroupfs answers from memory, so only the waits between rounds differ.
 */
function removeV1MemoryRound(dir: string): { done: string | undefined } | 'again' {
  try {
    rmdirSync(dir);
    return { done: undefined };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { done: undefined };
    if (code !== 'EBUSY') return { done: `cannot remove memory cgroup ${dir}: ${describeCause(cause)}` };
  }
  let pids: string[];
  try {
    pids = readFileSync(childPath(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { done: undefined };
    return { done: `cannot read ${dir}: ${describeCause(cause)}` };
  }
  const problem = killPids(pids.map(Number), dir);
  return problem ? { done: problem } : 'again';
}

const stillBusy = (dir: string) => `memory cgroup ${dir} still has processes after repeated SIGKILL`;

/** Removes an empty v1 memory cgroup, waiting while the kernel still lists an exiting task. */
export async function removeV1Memory(dir: string): Promise<string | undefined> {
  for (let round = 0; round < 200; round++) {
    const r = removeV1MemoryRound(dir);
    if (r !== 'again') return r.done;
    await new Promise((res) => setTimeout(res, round < 10 ? 2 : 20));
  }
  return stillBusy(dir);
}

/** The same, waiting synchronously (start and stop paths). */
export function removeV1MemorySync(dir: string): string | undefined {
  for (let round = 0; round < 100; round++) {
    const r = removeV1MemoryRound(dir);
    if (r !== 'again') return r.done;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return stillBusy(dir);
}
