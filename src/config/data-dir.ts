import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { absoluteFrom, childPath } from '../core/safe-path.js';
import { bulwarkError, describeCause, type BulwarkError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { envVar } from './env.js';

/** `$BULWARK_HOME`, else `~/.bulwark`. */
export function dataDirPath(): string {
  const fromEnv = envVar('BULWARK_HOME');
  return fromEnv ? absoluteFrom(process.cwd(), fromEnv) : childPath(homedir(), '.bulwark');
}

/** Creates the data dir 0700 if missing; refuses one that group or others can write. */
export function ensureDataDir(dir: string): Result<string, BulwarkError> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (!st.isDirectory()) return err(bulwarkError('datadir.not_dir', `${dir} is not a directory`));
    if ((st.mode & 0o022) !== 0) {
      const mode = (st.mode & 0o777).toString(8);
      return err(
        bulwarkError('datadir.insecure', `data dir ${dir} is writable by group or others (mode ${mode}); fix it with: chmod 700 ${dir}`),
      );
    }
    return ok(dir);
  } catch (cause) {
    return err(bulwarkError('datadir.unusable', `cannot create or read data dir ${dir}: ${describeCause(cause)}`));
  }
}
