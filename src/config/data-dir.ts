import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  absoluteFrom,
  childPath,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
} from '../core/index.js';
import { envVar } from './env.js';
import { currentUid, dedupeProblems, describeProblems, trustProblems, type FileProblem } from './ownership.js';

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

/** Entries of the data dir that are not the daemon's own: agent workspaces belong to the sandbox user. */
export const NOT_DAEMON_OWNED = new Set(['workspaces']);

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    // Unreadable or gone: pathProblems reports it; the fix suggestion does not matter then.
    return false;
  }
}

/** What an entry of the data dir is, for messages. */
function subjectOf(name: string): string {
  if (name === 'config.yaml') return 'config file';
  if (name.startsWith('bulwark.db')) return 'token and session database';
  if (name.startsWith('vault.db')) return 'vault';
  if (name.startsWith('audit.jsonl')) return 'audit log';
  if (name.startsWith('bulwark.log')) return 'log';
  if (name.startsWith('bulwark.lock') || name === 'bulwark.pid') return 'daemon lock';
  return 'data dir entry';
}

/**
 * Why the data dir must not be trusted: the dir, the directories above it and every entry in it (config.yaml, the
 * databases, logs, the lock; `workspaces/` excepted) must be this uid's and writable by nobody else. Also used by
 * `bulwark doctor`, so both refuse the same things. An entry that links elsewhere is judged where it leads and on
 * the way there. A missing data dir has no problems (it is created 0700).
 */
export function dataDirProblems(dir: string, uid = currentUid()): FileProblem[] {
  const out = trustProblems('data dir', dir, uid, '700');
  if (uid === undefined || out.some((p) => p.path === dir)) return out;
  let entries: string[];
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return out;
    if ((st.mode & 0o077) !== 0)
      out.push({
        code: 'datadir.readable',
        severity: 'warn',
        subject: 'data dir',
        path: dir,
        message: `data dir ${dir} can be read by group or others (mode ${(st.mode & 0o777).toString(8)})`,
        fix: `chmod 700 ${dir}`,
      });
    entries = readdirSync(dir);
  } catch (cause) {
    if (errnoCode(cause) === 'ENOENT') return out;
    return [
      ...out,
      {
        code: 'datadir.unusable',
        severity: 'refuse',
        subject: 'data dir',
        path: dir,
        message: `cannot read data dir ${dir}: ${describeCause(cause)}`,
        fix: FIX,
      },
    ];
  }
  for (const name of entries.sort()) {
    if (NOT_DAEMON_OWNED.has(name)) continue;
    const entry = childPath(dir, name);
    // An entry that is a symbolic link is judged at every hop, as the data dir is.
    out.push(...trustProblems(subjectOf(name), entry, uid, isDirectory(entry) ? '700' : '600'));
  }
  return dedupeProblems(out);
}

/** The refusing problems as one error naming every file and its fix; ok when there are none. */
export function refuseProblems(problems: readonly FileProblem[], what: string): Result<void, BulwarkError> {
  const refused = problems.filter((p) => p.severity === 'refuse');
  if (refused.length === 0) return ok(undefined);
  return err(
    bulwarkError(refused[0]?.code ?? 'ownership.refused', `refusing ${what}:\n${describeProblems(refused)}`, {
      details: { problems: refused.map((p) => ({ code: p.code, path: p.path })) },
    }),
  );
}

/**
 * Creates the data dir 0700 if missing; refuses one that another user owns or could change (see dataDirProblems).
 */
export function ensureDataDir(dir: string): Result<string, BulwarkError> {
  const created = createMissing(dir);
  if (!created.ok) return created;
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return err(bulwarkError('datadir.not_dir', `${dir} is not a directory`));
  } catch (cause) {
    return err(bulwarkError('datadir.unusable', `cannot create or read data dir ${dir}: ${describeCause(cause)}`));
  }
  const trusted = refuseProblems(dataDirProblems(dir), `the data dir ${dir}`);
  return trusted.ok ? ok(dir) : trusted;
}
