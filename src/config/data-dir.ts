import { mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { absoluteFrom, childPath } from '../core/safe-path.js';
import { bulwarkError, describeCause, type BulwarkError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { envVar } from './env.js';

/** `$BULWARK_HOME`, else `~/.bulwark`. */
export function dataDirPath(): string {
  const fromEnv = envVar('BULWARK_HOME');
  return fromEnv ? absoluteFrom(process.cwd(), fromEnv) : childPath(homedir(), '.bulwark');
}

const FIX = 'choose a directory on a regular filesystem with BULWARK_HOME=<path>';

function errnoCode(cause: unknown): string | undefined {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Creates the missing components of `dir` one by one, below its nearest existing parent.
 * A recursive mkdir is not used: under /proc it retries ENOENT forever instead of failing.
 */
function createMissing(dir: string): Result<void, BulwarkError> {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    try {
      const st = statSync(cur);
      if (!st.isDirectory()) {
        return err(
          bulwarkError(
            'datadir.parent_not_dir',
            `cannot create data dir ${dir}: ${cur} exists and is not a directory; ${FIX}`,
          ),
        );
      }
      break;
    } catch (cause) {
      const code = errnoCode(cause);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        return err(
          bulwarkError(
            'datadir.unusable',
            `cannot create data dir ${dir}: cannot read ${cur}: ${describeCause(cause)}; ${FIX}`,
          ),
        );
      }
      missing.unshift(cur);
      const parent = path.dirname(cur);
      if (parent === cur)
        return err(
          bulwarkError('datadir.unusable', `cannot create data dir ${dir}: no existing parent directory; ${FIX}`),
        );
      cur = parent;
    }
  }
  for (const m of missing) {
    try {
      mkdirSync(m, { mode: 0o700 });
    } catch (cause) {
      if (errnoCode(cause) === 'EEXIST') continue;
      return err(
        bulwarkError(
          'datadir.uncreatable',
          `cannot create data dir ${dir}: mkdir ${m} failed under ${cur} (${describeCause(cause)}); ${FIX}`,
        ),
      );
    }
  }
  return ok(undefined);
}

/** Creates the data dir 0700 if missing; refuses one that group or others can write. */
export function ensureDataDir(dir: string): Result<string, BulwarkError> {
  const created = createMissing(dir);
  if (!created.ok) return created;
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return err(bulwarkError('datadir.not_dir', `${dir} is not a directory`));
    if ((st.mode & 0o022) !== 0) {
      const mode = (st.mode & 0o777).toString(8);
      return err(
        bulwarkError(
          'datadir.insecure',
          `data dir ${dir} is writable by group or others (mode ${mode}); fix it with: chmod 700 ${dir}`,
        ),
      );
    }
    return ok(dir);
  } catch (cause) {
    return err(bulwarkError('datadir.unusable', `cannot create or read data dir ${dir}: ${describeCause(cause)}`));
  }
}
