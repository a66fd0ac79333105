/**
 * Which host user a sandbox runs as (issue 13 item 5): the workspace's owner when that is not root; otherwise
 * `exec.sandboxUser`. Never host root when it can be helped: under a root daemon, bwrap's user namespace maps
 * the sandbox user to whoever started bwrap, so the drop happens before bwrap starts.
 */
import { lstatSync, readFileSync } from 'node:fs';

export interface SandboxIdentity {
  readonly uid: number;
  readonly gid: number;
  /** owner: the workspace's owner; sandbox-user: exec.sandboxUser; root: neither (degraded). */
  readonly source: 'owner' | 'sandbox-user' | 'root';
}

/** uid and gid of a user in /etc/passwd; undefined when there is none. */
export function lookupUser(name: string, passwdFile = '/etc/passwd'): { uid: number; gid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(passwdFile, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) {
      const uid = Number(f[2]);
      const gid = Number(f[3]);
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
    }
  }
  return undefined;
}

/** Whether `id` has a mapping in this process's user namespace (`/proc/self/uid_map` or `gid_map`); true without procfs. */
export function mappedHere(id: number, mapFile: string): boolean {
  let text: string;
  try {
    text = readFileSync(mapFile, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw cause;
  }
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .some(([inside, , count]) => inside !== undefined && count !== undefined && id >= inside && id < inside + count);
}

/**
 * The sandbox user when this process can act as it: it exists and its ids are mapped in this user namespace. Inside
 * a user namespace that does not map it (the attack drill's outer jail) it cannot own a file or run a process, so
 * it counts as absent there and the sandbox is degraded as on a host without it.
 */
export function usableSandboxUser(name: string): { uid: number; gid: number } | undefined {
  const u = lookupUser(name);
  return u && mappedHere(u.uid, '/proc/self/uid_map') && mappedHere(u.gid, '/proc/self/gid_map') ? u : undefined;
}

export function sandboxIdentity(workspace: string, sandboxUser: string): SandboxIdentity {
  const st = lstatSync(workspace);
  if (st.uid !== 0) return { uid: st.uid, gid: st.gid, source: 'owner' };
  const u = usableSandboxUser(sandboxUser);
  return u && u.uid !== 0 ? { ...u, source: 'sandbox-user' } : { uid: 0, gid: 0, source: 'root' };
}
