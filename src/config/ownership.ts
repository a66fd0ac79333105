/**
 * Who may change the files the daemon trusts. A file is trusted only when this uid owns it and nobody else can
 * write it, and when no directory above it lets another user swap it: every ancestor must belong to root or to
 * this uid, and be writable by group or others only with the sticky bit (as /tmp is), which stops them from
 * renaming entries they do not own.
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { describeCause, absoluteFrom } from '../core/index.js';

export type ProblemSeverity = 'refuse' | 'warn';

/** One reason not to trust a path, with the command that fixes it. */
export interface FileProblem {
  readonly code: string;
  readonly severity: ProblemSeverity;
  /** What the path is to bulwark ("data dir", "config.yaml", "master key file"). */
  readonly subject: string;
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** The effective uid of this process; undefined where uids do not exist (Windows). */
export function currentUid(): number | undefined {
  return typeof process.geteuid === 'function' ? process.geteuid() : undefined;
}

const STICKY = 0o1000;
const GROUP_OTHER_WRITE = 0o022;

function errnoCode(cause: unknown): string | undefined {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function mode(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(3, '0');
}

function foreignOwner(subject: string, file: string, st: Stats, uid: number, fix: string): FileProblem {
  return {
    code: 'ownership.foreign_owner',
    severity: 'refuse',
    subject,
    path: file,
    message: `${subject} ${file} belongs to uid ${st.uid}, not to the uid bulwark runs as (${uid}): that user could change what bulwark trusts`,
    fix,
  };
}

/**
 * The owner and write bits of one path the daemon trusts. A symbolic link is judged twice: the link (which could
 * be re-pointed by its owner) and what it points to. A missing path is no problem here. `privateMode` (e.g. `700`)
 * is the mode the fix suggests for a path others can write; without it the fix only removes their write bits.
 */
export function pathProblems(subject: string, file: string, uid = currentUid(), privateMode?: string): FileProblem[] {
  if (uid === undefined) return [];
  let link: Stats;
  try {
    link = lstatSync(file);
  } catch (cause) {
    if (errnoCode(cause) === 'ENOENT') return [];
    return [unreadable(subject, file, cause)];
  }
  const fixOwner = `check what ${file} holds; if it is yours, chown ${uid} ${file}, else remove it`;
  const out: FileProblem[] = [];
  let st = link;
  if (link.isSymbolicLink()) {
    if (link.uid !== uid) out.push(foreignOwner(`${subject} (symbolic link)`, file, link, uid, fixOwner));
    try {
      st = statSync(file);
    } catch (cause) {
      if (errnoCode(cause) === 'ENOENT') return out;
      return [...out, unreadable(subject, file, cause)];
    }
  }
  const target = st === link ? file : `${file} (→ ${safeRealpath(file)})`;
  if (st.uid !== uid) out.push(foreignOwner(subject, target, st, uid, fixOwner));
  else if ((st.mode & GROUP_OTHER_WRITE) !== 0)
    out.push({
      code: 'ownership.writable_by_others',
      severity: 'refuse',
      subject,
      path: file,
      message: `${subject} ${target} is writable by group or others (mode ${mode(st)})`,
      fix: privateMode ? `chmod ${privateMode} ${file}` : `chmod go-w ${file}`,
    });
  return out;
}

function unreadable(subject: string, file: string, cause: unknown): FileProblem {
  return {
    code: 'ownership.unreadable',
    severity: 'refuse',
    subject,
    path: file,
    message: `cannot inspect ${subject} ${file}: ${describeCause(cause)}`,
    fix: `make ${file} readable by the user bulwark runs as`,
  };
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** The directories above `file`, nearest first, as written and as resolved (a symlinked parent has two chains). */
function ancestorsOf(file: string): string[] {
  const abs = absoluteFrom(process.cwd(), file);
  const chains = [abs];
  const real = safeRealpath(abs);
  if (real !== chains[0]) chains.push(real);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const start of chains) {
    let cur = path.dirname(start);
    for (;;) {
      if (!seen.has(cur)) {
        seen.add(cur);
        out.push(cur);
      }
      const up = path.dirname(cur);
      if (up === cur) break;
      cur = up;
    }
  }
  return out;
}

/**
 * Every directory above `file` must belong to root or to this uid, and must not be writable by group or others
 * unless it has the sticky bit. Missing ancestors (the path is about to be created) are skipped.
 */
export function ancestorProblems(subject: string, file: string, uid = currentUid()): FileProblem[] {
  if (uid === undefined) return [];
  const out: FileProblem[] = [];
  for (const dir of ancestorsOf(file)) {
    let st: Stats;
    try {
      st = statSync(dir);
    } catch (cause) {
      if (errnoCode(cause) === 'ENOENT' || errnoCode(cause) === 'ENOTDIR') continue;
      out.push(unreadable(`directory above the ${subject}`, dir, cause));
      continue;
    }
    if (st.uid !== 0 && st.uid !== uid) {
      out.push({
        code: 'ownership.foreign_parent',
        severity: 'refuse',
        subject,
        path: dir,
        message: `${dir}, a directory above the ${subject} ${file}, belongs to uid ${st.uid}: that user could rename the ${subject} and put another in its place`,
        fix: `move the ${subject} under a directory owned by root or by uid ${uid}, or: chown ${uid} ${dir}`,
      });
    } else if ((st.mode & GROUP_OTHER_WRITE) !== 0 && (st.mode & STICKY) === 0) {
      out.push({
        code: 'ownership.writable_parent',
        severity: 'refuse',
        subject,
        path: dir,
        message: `${dir}, a directory above the ${subject} ${file}, is writable by group or others without the sticky bit (mode ${mode(st)}): they could rename the ${subject} and put another in its place`,
        fix: `chmod go-w ${dir} (or chmod +t ${dir} when others must create files there)`,
      });
    }
  }
  return out;
}

/** The problems that refuse, as one message: each on its own line with its fix. */
export function describeProblems(problems: readonly FileProblem[]): string {
  return problems.map((p) => `  - ${p.message}; fix: ${p.fix}`).join('\n');
}
