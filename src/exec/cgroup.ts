/**
 * Bounds the number of processes in a sandbox with a cgroup (`pids.max`). RLIMIT_NPROC does not
 * bind a root daemon (the kernel exempts it, even across the user namespace), so this is what
 * actually contains a fork bomb. cgroup v1 (`/sys/fs/cgroup/pids`) and v2 (a delegated subtree
 * under `/sys/fs/cgroup`) are both handled; when neither is writable the caller reports it.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { childPath } from '../core/safe-path.js';
import { describeCause } from '../core/errors.js';
import { randomHex } from '../core/ids.js';

export type CgroupKind = 'v1' | 'v2';

export interface CgroupBase {
  readonly kind: CgroupKind;
  /** Directory under which one child cgroup per command is created. */
  readonly dir: string;
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
    if (r.base) return { base: { kind: 'v1', dir: r.base }, reason: `cgroup v1 pids controller at ${r.base}` };
    return { reason: `cgroup v1 pids controller present but not writable (${r.reason}); run the daemon as root or delegate ${V1_PIDS}` };
  }
  const controllers = childPath(V2_ROOT, 'cgroup.controllers');
  if (existsSync(controllers)) {
    if (!readFileSync(controllers, 'utf8').split(/\s+/).includes('pids')) return { reason: 'cgroup v2 without the pids controller' };
    const dir = childPath(V2_ROOT, GROUP_NAME);
    const r = tryDir(dir, () => {
      writeFileSync(childPath(V2_ROOT, 'cgroup.subtree_control'), '+pids');
      writeFileSync(childPath(dir, 'cgroup.subtree_control'), '+pids');
    });
    if (r.base) return { base: { kind: 'v2', dir: r.base }, reason: `cgroup v2 pids controller at ${r.base}` };
    return { reason: `cgroup v2 present but ${dir} is not usable (${r.reason}); run the daemon as root or give it a delegated cgroup (systemd Delegate=yes)` };
  }
  return { reason: 'no cgroup pids controller is mounted' };
}

export class SandboxCgroup {
  private constructor(readonly base: CgroupBase, readonly dir: string) {}

  static create(base: CgroupBase, maxProcesses: number): SandboxCgroup {
    const dir = childPath(base.dir, `run-${process.pid}-${randomHex(6)}`);
    mkdirSync(dir);
    writeFileSync(childPath(dir, 'pids.max'), String(maxProcesses));
    return new SandboxCgroup(base, dir);
  }

  get procsFile(): string {
    return childPath(this.dir, 'cgroup.procs');
  }

  pids(): number[] {
    try {
      return readFileSync(this.procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw cause;
    }
  }

  /** Kills every process left in the cgroup and removes it. Returns an error text when it cannot. */
  destroy(): string | undefined {
    return destroyCgroupDir(this.base, this.dir);
  }
}

function destroyCgroupDir(base: CgroupBase, dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (let round = 0; round < 50; round++) {
    if (base.kind === 'v2' && existsSync(childPath(dir, 'cgroup.kill'))) {
      try {
        writeFileSync(childPath(dir, 'cgroup.kill'), '1');
      } catch (cause) {
        return `cannot kill cgroup ${dir}: ${describeCause(cause)}`;
      }
    } else {
      let pids: number[];
      try {
        pids = readFileSync(childPath(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      } catch (cause) {
        return `cannot read ${dir}: ${describeCause(cause)}`;
      }
      for (const pid of pids) {
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
      if (code !== 'EBUSY') return `cannot remove cgroup ${dir}: ${describeCause(cause)}`;
    }
    // Processes take a moment to leave after SIGKILL.
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
  return problems;
}
