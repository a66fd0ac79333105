/**
 * The operator's own git settings, for `bulwark doctor`: git is run on the host as whoever runs doctor, outside any
 * repository (cwd `/`), reading only the global config.
 */
import { spawnSync } from 'node:child_process';
import { err, ok, type Result } from '../../core/index.js';

export type GitGlobalValue = Result<string | undefined, { readonly missing: boolean; readonly message: string }>;

/** `git config --global --get <key>`: the value, undefined when unset, or why it could not be read. */
export function operatorGitGlobal(key: string): GitGlobalValue {
  const r = spawnSync('git', ['config', '--global', '--get', key], { cwd: '/', encoding: 'utf8', timeout: 10_000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return err({ missing: code === 'ENOENT', message: code === 'ENOENT' ? 'git is not installed' : r.error.message });
  }
  if (r.status === 0) return ok(r.stdout.trim());
  // Exit 1: the key is not set.
  if (r.status === 1) return ok(undefined);
  return err({ missing: false, message: (r.stderr || `git exited with ${r.status}`).trim() });
}
