/**
 * Files the host runs out of disposable paths (gate L11.7). `exec.disposable` keeps caches and build output cheap:
 * their changes are neither journaled nor a reason to ask. Some of those files are code the owner's next host
 * command runs without naming it: a `.pyc` Python loads in place of its source, a virtualenv's `bin/python`, an npm
 * shim in `node_modules/.bin`, a `.pth` or `sitecustomize.py` Python runs at startup, any file with an executable
 * bit. A run that creates or changes one is shown with each such file (size and sha256) and, unless the operator
 * set `exec.disposableHostRun: show`, held for the operator. Their content is still not journaled.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { nestedPath } from '../../core/index.js';
import type { TreeView } from '../host-executed/index.js';
import type { PathGlobs } from './path-globs.js';
import type { Effect } from './types.js';

/** One file the host runs that a run created or changed in a disposable path. */
export interface HostRunFile {
  readonly path: string;
  readonly change: Effect['change'];
  /** Bytes of the new content (0 for a symlink). */
  readonly bytes: number;
  /** sha256 of the new content (hex); absent for a symlink or a file that could not be read. */
  readonly sha256?: string;
  /** A symlink's target, as stored. */
  readonly linkTarget?: string;
  /** Why the host runs it, in a few words. */
  readonly why: string;
}

const EXEC_BITS = 0o111;
/** What one run's host-run files may total before the rest are listed unhashed. */
const HASH_BUDGET = 256 * 1024 * 1024;

/** Why the host runs what is at `path` on its own, or undefined when it does not (by name and place alone). */
export function hostRunsPath(path: string): string | undefined {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  if (name.endsWith('.pyc')) return 'Python loads it in place of its source';
  if (name.endsWith('.pth')) return 'Python runs it at startup';
  // `import sitecustomize` finds a module of any kind: a .py, an extension (`sitecustomize.cpython-311-….so`) or a
  // package (`sitecustomize/__init__.py`, and whatever that imports beside it).
  for (const part of parts) {
    const stem = part.split('.')[0];
    if (stem === 'sitecustomize' || stem === 'usercustomize') return 'Python runs it at startup';
  }
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i] === 'node_modules' && parts[i + 1] === '.bin' && i + 2 < parts.length)
      return 'an npm shim (npm run, npx)';
    if (parts[i] === '.venv') {
      const inner = parts[i + 1];
      if ((inner === 'bin' || inner === 'Scripts') && i + 2 < parts.length) return 'a virtualenv command';
      if (inner === 'pyvenv.cfg' && i + 2 === parts.length) return 'it names the interpreter of the virtualenv';
    }
  }
  return undefined;
}

/**
 * Why a symbolic link at `path` makes the host run what it points to, or undefined: a link standing for a directory
 * the host runs files from (a virtualenv or anything in one, the npm shims or `node_modules` itself, a bytecode cache,
 * site-packages). The files it points to may lie outside every disposable path, where nothing here would list them.
 */
function linkedRunDir(path: string): string | undefined {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  if (parts.includes('.venv')) return 'a link in a virtualenv: the host runs what it points to';
  if (name === 'node_modules' || (name === '.bin' && parts[parts.length - 2] === 'node_modules'))
    return 'a link in place of the npm shims: the host runs what it points to';
  if (name === '__pycache__' || name === 'site-packages')
    return 'a link in place of a directory Python loads code from';
  return undefined;
}

/** Why the host runs the new state of this effect's path, or undefined (deletions and directories never count). */
export function hostRunReason(e: Effect): string | undefined {
  if (e.change === 'deleted' || e.change === 'dir' || e.change === 'special') return undefined;
  if (e.change === 'symlink') return hostRunsPath(e.path) ?? linkedRunDir(e.path);
  if (e.change === 'mode') {
    const added = e.mode !== undefined && (e.mode & EXEC_BITS) !== 0 && ((e.before?.mode ?? 0) & EXEC_BITS) === 0;
    return added ? 'an executable bit was set' : hostRunsPath(e.path);
  }
  const byPlace = hostRunsPath(e.path);
  if (byPlace) return byPlace;
  if (e.mode !== undefined && (e.mode & EXEC_BITS) !== 0) return 'an executable file';
  return undefined;
}

async function sha256Of(abs: string): Promise<string | undefined> {
  let file: FileHandle;
  try {
    file = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw cause;
  }
  try {
    if (!(await file.stat()).isFile()) return undefined;
    const hash = createHash('sha256');
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await file.close();
  }
}

/**
 * The files of the run in disposable paths that the host runs, with size and hash of their new content (read from
 * the upper layer without following links; a file moved in unchanged is read through the view after the run).
 */
export async function hostRunFiles(
  effects: readonly Effect[],
  upper: string,
  after: TreeView,
  disposable: PathGlobs,
): Promise<HostRunFile[]> {
  const out: HostRunFile[] = [];
  const left = { bytes: HASH_BUDGET };
  for (const e of effects) {
    if (!disposable.matches(e.path)) continue;
    if (e.change === 'renamed' && e.before?.kind === 'dir') {
      out.push(...movedDirFiles(e, after, left));
      continue;
    }
    const why = hostRunReason(e);
    if (why === undefined) continue;
    if (e.change === 'symlink') {
      out.push({
        path: e.path,
        change: e.change,
        bytes: 0,
        ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}),
        why,
      });
      continue;
    }
    // Past the budget (a large install), a file is listed with its size only: it still holds the run.
    if (e.bytes > left.bytes) {
      out.push({ path: e.path, change: e.change, bytes: e.bytes, why });
      continue;
    }
    left.bytes -= e.bytes;
    let sha256 = await sha256Of(nestedPath(upper, e.path));
    if (sha256 === undefined) {
      const content = after.readFile(e.path);
      if (content) sha256 = createHash('sha256').update(content).digest('hex');
    }
    out.push({ path: e.path, change: e.change, bytes: e.bytes, ...(sha256 ? { sha256 } : {}), why });
  }
  return out;
}

/** Entries of a moved directory walked for files the host runs (a larger one counts as one such file). */
const MOVED_DIR_WALK = 10_000;

/**
 * The files the host runs inside a pre-existing directory moved into a disposable path (it carries them along). Their
 * content is read (synchronously, through the view) within what is left of the run's hash budget; past it a file is
 * listed unread, and still holds the run.
 */
function movedDirFiles(e: Effect, after: TreeView, left: { bytes: number }): HostRunFile[] {
  const out: HostRunFile[] = [];
  const stack = [e.path];
  let seen = 0;
  while (stack.length) {
    const dir = stack.pop() as string;
    for (const name of after.list(dir)) {
      const p = `${dir}/${name}`;
      if (++seen > MOVED_DIR_WALK)
        return [
          ...out,
          { path: e.path, change: e.change, bytes: 0, why: 'a moved directory too large to look through' },
        ];
      if (after.isDir(p)) {
        stack.push(p);
        continue;
      }
      const why = hostRunsPath(p);
      if (why === undefined) continue;
      const link = after.readLink?.(p);
      if (link !== undefined) {
        out.push({ path: p, change: e.change, bytes: 0, linkTarget: link, why });
        continue;
      }
      if (left.bytes <= 0) {
        out.push({ path: p, change: e.change, bytes: 0, why: `${why} (past the hash budget: not read)` });
        continue;
      }
      const content = after.readFile(p);
      left.bytes -= content?.length ?? 0;
      out.push({
        path: p,
        change: e.change,
        bytes: content?.length ?? 0,
        ...(content ? { sha256: createHash('sha256').update(content).digest('hex') } : {}),
        why,
      });
    }
  }
  return out;
}

/** One file as the operator reads it: path, change, size or link target, hash, and why the host runs it. */
export function describeHostRunFile(f: HostRunFile): string {
  const what =
    f.linkTarget !== undefined
      ? `symlink → ${f.linkTarget}`
      : `${f.bytes} bytes${f.sha256 ? `, sha256 ${f.sha256}` : ', not hashed'}`;
  return `${f.change} ${f.path} (${what}; ${f.why})`;
}

const SHOWN = 10;

/** The hold reason for a run that created or changed files the host runs in disposable paths. */
export function hostRunHoldReason(files: readonly HostRunFile[]): string {
  const shown = files.slice(0, SHOWN).map(describeHostRunFile);
  const more = files.length > SHOWN ? `, and ${files.length - SHOWN} more` : '';
  return `creates or changes ${files.length} file${files.length === 1 ? '' : 's'} the host runs, in disposable paths that are not journaled (exec.disposable; exec.disposableHostRun: show lists them without asking): ${shown.join('; ')}${more}`;
}
