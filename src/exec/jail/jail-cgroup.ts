/**
 * The cgroups of the drill's outer jail, when the drill runs as root: a pids cgroup (and, on cgroup v1, a memory
 * cgroup) that bounds everything the jail starts, so even a weakened configuration cannot fork-bomb or eat the host.
 * On cgroup v1 the pids cgroup is also delegated to the jail's unprivileged user and mounted at the place the
 * daemon looks for its own (with a cgroup namespace), so the drilled daemon bounds its commands as it does on the host.
 */
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { childPath, describeCause, randomHex } from '../../core/index.js';

const V1_PIDS = '/sys/fs/cgroup/pids';
const V1_MEMORY = '/sys/fs/cgroup/memory';
const V2_ROOT = '/sys/fs/cgroup';
const PREFIX = 'bulwark-drill-';

export interface JailCgroups {
  /** Directories the jail's first process is moved into (each cgroup.procs). */
  readonly dirs: readonly string[];
  /** The delegated pids cgroup and where the jail mounts it (v1 only). */
  readonly delegated?: { readonly dir: string; readonly mountAt: string };
  /** What was not possible, for the report (the drill still runs, bounded by what was). */
  readonly notes: readonly string[];
}

export interface JailCgroupLimits {
  readonly pids: number;
  readonly memoryBytes: number;
}

function isAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** Removes cgroups an earlier drill left behind when it was killed (the pid in the name is gone). */
async function removeStale(base: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(PREFIX));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw cause;
  }
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || isAlive(pid)) continue;
    await removeTree(childPath(base, name));
  }
}

/** Kills what is left in a cgroup tree and removes it, deepest first. Resolves to what could not be removed. */
export async function removeTree(dir: string): Promise<string | undefined> {
  let children: string[];
  try {
    children = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return describeCause(cause);
  }
  for (const child of children) {
    const left = await removeTree(childPath(dir, child));
    if (left) return left;
  }
  for (let round = 0; round < 200; round++) {
    try {
      const pids = readFileSync(childPath(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') return describeCause(cause);
        }
      }
      rmdirSync(dir);
      return undefined;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code !== 'EBUSY') return `${dir}: ${describeCause(cause)}`;
    }
    // A cgroup is removable once its last task is reaped (an RCU grace period on v1).
    await new Promise((resolve) => setTimeout(resolve, round < 10 ? 2 : 20));
  }
  return `${dir} still holds processes`;
}

function makeGroup(base: string, name: string, limits: Array<[string, string]>): string {
  const dir = childPath(base, name);
  mkdirSync(dir);
  for (const [file, value] of limits) writeFileSync(childPath(dir, file), value);
  return dir;
}

/** Creates the jail's cgroups (root only). `uid`/`gid`: the jail's unprivileged host identity. */
export async function createJailCgroups(uid: number, gid: number, limits: JailCgroupLimits): Promise<JailCgroups> {
  const name = `${PREFIX}${process.pid}-${randomHex(4)}`;
  const notes: string[] = [];
  const dirs: string[] = [];
  let delegated: JailCgroups['delegated'];
  if (existsSync(childPath(V1_PIDS, 'cgroup.procs'))) {
    try {
      await removeStale(V1_PIDS);
      const dir = makeGroup(V1_PIDS, name, [['pids.max', String(limits.pids)]]);
      for (const f of ['', 'tasks', 'cgroup.procs']) chownSync(f ? childPath(dir, f) : dir, uid, gid);
      dirs.push(dir);
      delegated = { dir, mountAt: V1_PIDS };
    } catch (cause) {
      notes.push(`no pids cgroup for the jail (${describeCause(cause)})`);
    }
    if (existsSync(childPath(V1_MEMORY, 'cgroup.procs'))) {
      try {
        await removeStale(V1_MEMORY);
        dirs.push(makeGroup(V1_MEMORY, name, [['memory.limit_in_bytes', String(limits.memoryBytes)]]));
      } catch (cause) {
        notes.push(`no memory cgroup for the jail (${describeCause(cause)})`);
      }
    }
  } else if (existsSync(childPath(V2_ROOT, 'cgroup.controllers'))) {
    // cgroup v2: the jail is bounded, but the daemon inside gets no delegated subtree (it reports L11 degraded).
    try {
      await removeStale(V2_ROOT);
      writeFileSync(childPath(V2_ROOT, 'cgroup.subtree_control'), '+pids +memory');
      dirs.push(
        makeGroup(V2_ROOT, name, [
          ['pids.max', String(limits.pids)],
          ['memory.max', String(limits.memoryBytes)],
        ]),
      );
      notes.push('cgroup v2: the jail is bounded, but its daemon gets no cgroup of its own (L11 degraded inside)');
    } catch (cause) {
      notes.push(`no cgroup for the jail (${describeCause(cause)})`);
    }
  } else {
    notes.push('no cgroup controller is mounted: the jail is not bounded by a cgroup');
  }
  return { dirs, ...(delegated ? { delegated } : {}), notes };
}

/** Puts a process into every jail cgroup (before it unshares its cgroup namespace). */
export function joinJailCgroups(groups: JailCgroups, pid: number): void {
  for (const dir of groups.dirs) writeFileSync(childPath(dir, 'cgroup.procs'), String(pid));
}

export async function removeJailCgroups(groups: JailCgroups): Promise<string[]> {
  const left: string[] = [];
  for (const dir of groups.dirs) {
    const r = await removeTree(dir);
    if (r) left.push(r);
  }
  return left;
}
