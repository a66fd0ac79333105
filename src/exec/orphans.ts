/**
 * Leftovers of a daemon that died (kill -9, OOM) with sandboxes in flight. Most die with it: holders by their
 * parent-death signal, bwraps with their holder or on EOF of their pipes, and whatever sits in a run's cgroup is
 * killed by the cgroup sweep (cgroup.ts). What can slip through is a process caught between its spawn and the
 * parent-death signal or its move into a cgroup. Every process the exec service starts for a sandbox carries an
 * owner tag in its environment (bwrap clears it for the command): the data dir's runtime directory (hashed) and the
 * daemon's pid and start time. At start, any process tagged for this runtime directory by a daemon that is no
 * longer alive is killed, overlay mounts left in the host's mount namespace under the views directory are
 * detached, and the host-side mount points it named after its tag in /tmp (bind points, merged views' points) are
 * removed. Each is reported for the audit log.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { childPath, describeCause } from '../core/index.js';

/** The environment variable of the owner tag: `<runtime dir hash>:<daemon pid>:<daemon start time>`. */
export const OWNER_VAR = 'BULWARK_EXEC_OWNER';

/** Start time of a process (clock ticks since boot, /proc/<pid>/stat field 22); undefined when it is gone. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const dirHash = (runtimeDir: string) => createHash('sha256').update(runtimeDir).digest('hex').slice(0, 16);

/**
 * The part of a host-side mount point's name (a bind point, a merged view's point) that carries the daemon's owner
 * tag, so the next start can remove those a daemon killed mid-run left: `<hash>-<pid>-<start>-`; empty without a tag.
 */
export const ownerPart = (tag: string | undefined) => (tag ? `${tag.replaceAll(':', '-')}-` : '');

/** This daemon's tag for sandboxes started from `runtimeDir`. */
export function ownerTag(runtimeDir: string): string {
  return `${dirHash(runtimeDir)}:${process.pid}:${startTime(process.pid) ?? '0'}`;
}

function tagOf(pid: number): string | undefined {
  let env: string;
  try {
    env = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const entry = env.split('\0').find((e) => e.startsWith(`${OWNER_VAR}=`));
  return entry?.slice(OWNER_VAR.length + 1);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).join(' ').slice(0, 120);
  } catch {
    return '?';
  }
}

export interface SweptOrphans {
  readonly killed: ReadonlyArray<{ readonly pid: number; readonly owner: number; readonly command: string }>;
  readonly unmounted: readonly string[];
  /** Empty host-side mount points (bind points, merged views' points) removed. */
  readonly removed: readonly string[];
  readonly problems: readonly string[];
}

/** Where a daemon names host-side mount points after its tag: `<parent>/<prefix><hash>-<pid>-<start>-…`. */
export interface TaggedPoints {
  readonly parent: string;
  readonly prefix: string;
}

/**
 * Kills what a dead daemon of `runtimeDir` left running, detaches its mounts under `viewsDir` and removes the empty
 * mount points it named after its tag (`points`: the bind points of sandbox/bind-holder.ts, the merged views' points
 * of sandbox/overlay-holder.ts).
 */
export function sweepOrphans(runtimeDir: string, viewsDir: string, points: readonly TaggedPoints[] = []): SweptOrphans {
  const mine = dirHash(runtimeDir);
  const killed: Array<{ pid: number; owner: number; command: string }> = [];
  const problems: string[] = [];
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch (cause) {
    return { killed, unmounted: [], removed: [], problems: [`cannot list processes: ${describeCause(cause)}`] };
  }
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const tag = tagOf(pid)?.split(':');
    if (!tag || tag[0] !== mine) continue;
    const owner = Number(tag[1]);
    // A daemon that is alive (the same pid and start time) still owns it: a CLI run beside the daemon sweeps nothing.
    if (Number.isInteger(owner) && startTime(owner) === tag[2]) continue;
    const command = commandOf(pid);
    try {
      process.kill(pid, 'SIGKILL');
      killed.push({ pid, owner, command });
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ESRCH')
        problems.push(`cannot kill ${pid}: ${describeCause(cause)}`);
    }
  }
  const unmounted = detachMounts((p) => p.startsWith(`${viewsDir}/`), problems);
  const removed: string[] = [];
  for (const at of points) removed.push(...removePoints(mine, at, unmounted, problems));
  return { killed, unmounted, removed, problems };
}

/**
 * `<prefix><hash>-<pid>-<start>-…` of a dead daemon: detached first if something is still mounted on it in this
 * namespace (views and binds are mounted only in their holders' namespaces, so normally nothing is), then removed
 * with rmdir (never recursive: a point that is not an empty directory stays, reported).
 */
function removePoints(mine: string, at: TaggedPoints, unmounted: string[], problems: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(at.parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(`${at.prefix}${mine}-`)) continue;
    const [pid, start] = name.slice(at.prefix.length + mine.length + 1).split('-');
    if (startTime(Number(pid)) === start) continue;
    const dir = childPath(at.parent, name);
    try {
      // Never a symlink's target: the name alone is in a world-writable directory.
      if (!lstatSync(dir).isDirectory()) {
        problems.push(`the leftover mount point ${dir} is not a directory; left in place`);
        continue;
      }
    } catch {
      continue;
    }
    unmounted.push(...detachMounts((p) => p === dir || p.startsWith(`${dir}/`), problems));
    try {
      rmdirSync(dir);
      removed.push(dir);
    } catch (cause) {
      problems.push(`cannot remove the leftover mount point ${dir}: ${describeCause(cause)}`);
    }
  }
  return removed;
}

/** Mounts in this mount namespace whose mount point `match`es (none should: views and binds are mounted in their holders' namespaces). */
function detachMounts(match: (point: string) => boolean, problems: string[]): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && match(p))
    // Deepest first; a point mounted over more than once is detached once per mount.
    .sort((a, b) => b.length - a.length);
  const done: string[] = [];
  for (const p of points) {
    const r = spawnSync('umount', ['-l', p], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    if (r.status === 0) done.push(p);
    else problems.push(`cannot detach the leftover mount ${p}: ${(r.stderr || r.error?.message || '').trim()}`);
  }
  return done;
}
