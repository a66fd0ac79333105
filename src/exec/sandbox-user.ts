/**
 * The host user sandboxes run as under a root daemon (`exec.sandboxUser`): a system user with no home, no shell
 * and no password, created by `bulwark init` and checked by `bulwark doctor`.
 */
import { spawnSync } from 'node:child_process';
import { bulwarkError, type BulwarkError, err, ok, type Result, childPath } from '../core/index.js';
import { firstExisting } from './detect.js';
import { lookupUser } from './sandbox-identity.js';

export function ensureSandboxUser(name: string): Result<{ uid: number; gid: number; created: boolean }, BulwarkError> {
  const existing = lookupUser(name);
  if (existing) {
    if (existing.uid === 0)
      return err(bulwarkError('exec.sandbox_user', `exec.sandboxUser "${name}" is root; choose an unprivileged user`));
    return ok({ ...existing, created: false });
  }
  if (process.getuid?.() !== 0)
    return err(
      bulwarkError(
        'exec.sandbox_user',
        `the sandbox user "${name}" does not exist and only root can create it: run \`bulwark init\` as root, or create it (useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${name})`,
      ),
    );
  const useradd = firstExisting(['/usr/sbin', '/sbin', '/usr/bin'].map((d) => childPath(d, 'useradd')));
  if (!useradd)
    return err(bulwarkError('exec.sandbox_user', 'useradd is missing: apt-get install passwd, then run bulwark init'));
  const r = spawnSync(
    useradd,
    [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ],
    { encoding: 'utf8', env: {}, timeout: 30_000 },
  );
  const made = lookupUser(name);
  // Another process (a second init, a parallel test) may have created it meanwhile: exit 9 means "exists".
  if (!made)
    return err(
      bulwarkError(
        'exec.sandbox_user',
        `cannot create the sandbox user "${name}": ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`,
      ),
    );
  return ok({ ...made, created: r.status === 0 });
}
