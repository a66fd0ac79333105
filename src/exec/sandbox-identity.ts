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

export function sandboxIdentity(workspace: string, sandboxUser: string): SandboxIdentity {
  const st = lstatSync(workspace);
  if (st.uid !== 0) return { uid: st.uid, gid: st.gid, source: 'owner' };
  const u = lookupUser(sandboxUser);
  return u && u.uid !== 0 ? { ...u, source: 'sandbox-user' } : { uid: 0, gid: 0, source: 'root' };
}
