import { describeCause } from '../core/index.js';

/** SIGKILL to each pid of a cgroup (never the daemon itself); undefined when done, else what went wrong. */
export function killPids(pids: readonly number[], dir: string): string | undefined {
  for (const pid of pids) {
    if (pid === process.pid) return `the daemon's own thread is still in ${dir}`;
    try {
      process.kill(pid, 'SIGKILL');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') return `cannot kill ${pid}: ${describeCause(cause)}`;
    }
  }
  return undefined;
}
