/**
 * Who may change the files the daemon trusts. A file is trusted only when this uid owns it and nobody else can
 * write it, and when no directory above it lets another user swap it: every ancestor must belong to root or to
 * this uid, and be writable by group or others only with the sticky bit (as /tmp is), which stops them from
 * renaming entries they do not own. A path that leads through symbolic links is judged at every hop: each link and
 * the directories it is resolved through count as much as the directories above the path as written.
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { describeCause, absoluteFrom } from '../core/index.js';
import { walkPath } from './link-walk.js';

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
 * The owner and write bits of what `file` names, links followed (the links and the directories on the way are
 * ancestorProblems'). A missing path is no problem here. `privateMode` (e.g. `700`) is the mode the fix suggests for
 * a path others can write; without it the fix only removes their write bits.
 */
export function pathProblems(subject: string, file: string, uid = currentUid(), privateMode?: string): FileProblem[] {
  if (uid === undefined) return [];
  let st: Stats;
  let linked: boolean;
  try {
    linked = lstatSync(file).isSymbolicLink();
    st = linked ? statSync(file) : lstatSync(file);
  } catch (cause) {
    // Missing, or a link to nothing: ancestorProblems says which link leads nowhere.
    if (errnoCode(cause) === 'ENOENT' || errnoCode(cause) === 'ELOOP') return [];
    return [unreadable(subject, file, cause)];
  }
  const fixOwner = `check what ${file} holds; if it is yours, chown ${uid} ${file}, else remove it`;
  const target = linked ? `${file} (→ ${safeRealpath(file)})` : file;
  if (st.uid !== uid) return [foreignOwner(subject, target, st, uid, fixOwner)];
  if ((st.mode & GROUP_OTHER_WRITE) !== 0)
    return [
      {
        code: 'ownership.writable_by_others',
        severity: 'refuse',
        subject,
        path: file,
        message: `${subject} ${target} is writable by group or others (mode ${mode(st)})`,
        fix: privateMode ? `chmod ${privateMode} ${file}` : `chmod go-w ${file}`,
      },
    ];
  return [];
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

/** The directories above `file` as written (no link followed), for telling them from those its links lead through. */
function writtenAncestors(file: string): Set<string> {
  const out = new Set<string>();
  let cur = absoluteFrom(process.cwd(), file);
  for (let up = path.dirname(cur); up !== cur; up = path.dirname(cur)) {
    out.add(up);
    cur = up;
  }
  return out;
}

const WALK_FIX: Record<string, (file: string) => string> = {
  'ownership.dangling_link': (file) => `point ${file} at a file that exists, or remove the link`,
  'ownership.too_many_links': (file) => `point ${file} straight at the file it stands for: ln -sfn <real path> ${file}`,
};

/**
 * Whoever may change a directory on the way to `file` or a symbolic link it leads through can swap what `file`
 * names. Every directory the path is resolved through, hop by hop (see link-walk.ts: the path as written, the
 * directories of every link in a chain and of the final target), must belong to root or to this uid and must not be
 * writable by group or others unless it has the sticky bit; every link must belong to root or to this uid (in a
 * sticky directory the owner of an entry may still replace it). A missing tail (the path is about to be created) is
 * skipped; a link to nothing, a loop or a chain longer than MAX_LINK_HOPS is refused.
 */
export function ancestorProblems(subject: string, file: string, uid = currentUid()): FileProblem[] {
  if (uid === undefined) return [];
  const walked = walkPath(file);
  if (!walked.ok)
    return [
      {
        code: walked.error.code,
        severity: 'refuse',
        subject,
        path: file,
        message: `${subject} ${walked.error.message}`,
        fix: (WALK_FIX[walked.error.code] ?? ((f: string) => `make ${f} readable by the user bulwark runs as`))(file),
      },
    ];
  const written = writtenAncestors(file);
  const chain = walked.value.links.map((l) => `${l.path} → ${l.target}`).join(', ');
  const out: FileProblem[] = [];
  for (const dir of walked.value.dirs) {
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch (cause) {
      out.push(unreadable(`directory above the ${subject}`, dir, cause));
      continue;
    }
    const where = written.has(dir)
      ? `${dir}, a directory above the ${subject} ${file},`
      : `${dir}, a directory the ${subject} ${file} leads through (${chain}),`;
    if (st.uid !== 0 && st.uid !== uid) {
      out.push({
        code: 'ownership.foreign_parent',
        severity: 'refuse',
        subject,
        path: dir,
        message: `${where} belongs to uid ${st.uid}: that user could rename the ${subject} and put another in its place`,
        fix: `move the ${subject} under a directory owned by root or by uid ${uid}, or: chown ${uid} ${dir}`,
      });
    } else if ((st.mode & GROUP_OTHER_WRITE) !== 0 && (st.mode & STICKY) === 0) {
      out.push({
        code: 'ownership.writable_parent',
        severity: 'refuse',
        subject,
        path: dir,
        message: `${where} is writable by group or others without the sticky bit (mode ${mode(st)}): they could rename the ${subject} and put another in its place`,
        fix: `chmod go-w ${dir} (or chmod +t ${dir} when others must create files there)`,
      });
    }
  }
  for (const link of walked.value.links) {
    if (link.uid === 0 || link.uid === uid) continue;
    out.push({
      code: 'ownership.foreign_link',
      severity: 'refuse',
      subject,
      path: link.path,
      message: `${link.path}, a symbolic link on the way to the ${subject} ${file} (${chain}), belongs to uid ${link.uid}: that user could point it elsewhere`,
      fix: `check where ${link.path} points; if that is right, replace it with a link of your own: ln -sfn ${link.target} ${link.path}`,
    });
  }
  return out;
}

/** All of the above for one path the daemon trusts: what it names, and everything on the way there. */
export function trustProblems(subject: string, file: string, uid = currentUid(), privateMode?: string): FileProblem[] {
  return [...pathProblems(subject, file, uid, privateMode), ...ancestorProblems(subject, file, uid)];
}

/** Each problem once (a directory above several files is named for the first). */
export function dedupeProblems(problems: readonly FileProblem[]): FileProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.code}\u0000${p.path}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The problems that refuse, as one message: each on its own line with its fix. */
export function describeProblems(problems: readonly FileProblem[]): string {
  return problems.map((p) => `  - ${p.message}; fix: ${p.fix}`).join('\n');
}
