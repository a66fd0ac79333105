/**
 * Workspace-confined file primitives shared by the fs tools. Paths from the model go through
 * `safePath`; files are opened with O_NOFOLLOW and re-checked on the open descriptor so a symlink
 * swapped in after the check is not followed.
 */
import {
  closeSync,
  fchownSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
  isInside,
  readFdFully,
  relativeTo,
  safePath,
  writeFileAtomic,
} from '../../../core/index.js';

export const READ_MAX_BYTES = 1024 * 1024;
export const WRITE_MAX_BYTES = 5 * 1024 * 1024;
const PROC_FD = '/proc/self/fd';

function fsError(code: string, message: string): BulwarkError {
  return bulwarkError(`tool.fs.${code}`, message, {
    status: 400,
    ...(code === 'escape' ? { layer: WORKSPACE_GATE } : {}),
  });
}

/** The fs tools' paths stay in the workspace by the same safePath as exec's working directory: the same gate. */
const WORKSPACE_GATE = 'L11.4';

/** safePath for a path the model gave; a refusal names the gate. */
export function confinedPath(workspace: string, untrusted: string): Result<string, BulwarkError> {
  const p = safePath(workspace, untrusted);
  return p.ok ? p : err({ ...p.error, layer: WORKSPACE_GATE });
}

function errnoOf(cause: unknown): string | undefined {
  return typeof cause === 'object' && cause !== null && 'code' in cause
    ? String((cause as { code: unknown }).code)
    : undefined;
}

/** The fd's real path (Linux /proc) must still be inside the workspace; elsewhere the pre-open check stands. */
function fdStaysInside(fd: number, workspace: string): boolean {
  let target: string;
  try {
    target = readlinkSync(childPath(PROC_FD, String(fd)));
  } catch (cause) {
    return errnoOf(cause) === 'ENOENT';
  }
  return isInside(realpathSync(workspace), target);
}

/** Reads a regular file inside the workspace as UTF-8 text, refusing binaries and files over `maxBytes`. */
export function readWorkspaceFile(
  workspace: string,
  untrusted: string,
  maxBytes: number,
): Result<string, BulwarkError> {
  const p = confinedPath(workspace, untrusted);
  if (!p.ok) return p;
  let fd: number;
  try {
    fd = openSync(p.value, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = errnoOf(cause);
    if (code === 'ENOENT') return err(fsError('not_found', `no such file: ${untrusted}`));
    if (code === 'ELOOP')
      return err(fsError('symlink', `${untrusted} is a symlink that changed after the check; refused`));
    if (code === 'EISDIR') return err(fsError('is_dir', `${untrusted} is a directory; use ls`));
    return err(fsError('unreadable', `cannot open ${untrusted}: ${code ?? describeCause(cause)}`));
  }
  try {
    if (!fdStaysInside(fd, workspace))
      return err(fsError('escape', `${untrusted} resolves outside the workspace; refused`));
    const st = fstatSync(fd);
    if (st.isDirectory()) return err(fsError('is_dir', `${untrusted} is a directory; use ls`));
    if (!st.isFile()) return err(fsError('not_regular', `${untrusted} is not a regular file`));
    if (st.size > maxBytes) {
      return err(fsError('too_large', `${untrusted} is ${st.size} bytes; the limit is ${maxBytes} bytes`));
    }
    const data = readFdFully(fd, st.size);
    if (data.includes(0)) return err(fsError('binary', `${untrusted} is a binary file; only text files can be read`));
    return ok(data.toString('utf8'));
  } catch (cause) {
    return err(fsError('unreadable', `cannot read ${untrusted}: ${errnoOf(cause) ?? describeCause(cause)}`));
  } finally {
    closeSync(fd);
  }
}

/**
 * What the daemon (root) creates in a workspace owned by someone else (the sandbox user) is given to that owner,
 * so the commands that run as the owner can use it. Always through the new entry's own descriptor: a name a
 * command running in the workspace swaps for a symlink must never lead root's chown to a host file.
 */
function ownerFor(realWorkspace: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const st = lstatSync(realWorkspace);
  return st.uid !== 0 ? { uid: st.uid, gid: st.gid } : undefined;
}

const DIR_NOFOLLOW = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Creates the missing directories between the workspace and `realTarget`'s parent, one name at a time below the
 * descriptor of the one before (never through a path a concurrent command could re-point): each stays inside.
 */
function ensureParents(realWorkspace: string, realTarget: string, untrusted: string): Result<void, BulwarkError> {
  const parts = relativeTo(realWorkspace, realTarget)
    .split(/[\\/]/)
    .filter((s) => s !== '');
  parts.pop();
  if (parts.length === 0) return ok(undefined);
  const owner = ownerFor(realWorkspace);
  const viaProc = existsSync(PROC_FD);
  let fd = openSync(realWorkspace, DIR_NOFOLLOW);
  let path = realWorkspace;
  try {
    for (const name of parts) {
      const at = viaProc ? childPath(PROC_FD, String(fd), name) : childPath(path, name);
      let made = false;
      try {
        mkdirSync(at, { mode: 0o700 });
        made = true;
      } catch (cause) {
        if (errnoOf(cause) !== 'EEXIST')
          return err(fsError('mkdir', `cannot create the directory for ${untrusted}: ${errnoOf(cause) ?? 'error'}`));
      }
      let next: number;
      try {
        next = openSync(at, DIR_NOFOLLOW);
      } catch (cause) {
        const code = errnoOf(cause);
        if (code === 'ENOTDIR' || code === 'ELOOP')
          return err(fsError('escape', `a parent of ${untrusted} is not a directory inside the workspace; refused`));
        // Changed under us (removed, replaced) between mkdir and the open.
        return err(
          fsError('raced', `a parent of ${untrusted} changed while being created (${code ?? 'error'}); try again`),
        );
      }
      if (made && owner) fchownSync(next, owner.uid, owner.gid);
      closeSync(fd);
      fd = next;
      path = childPath(path, name);
    }
    // Without /proc the names were paths: the result is checked by its real path, as before the descriptor walk.
    if (!viaProc && !isInside(realWorkspace, realpathSync(path)))
      return err(fsError('escape', `a parent of ${untrusted} is not a directory inside the workspace; refused`));
    return ok(undefined);
  } finally {
    closeSync(fd);
  }
}

/**
 * A directory inside the workspace held open by descriptor. On Linux, `/proc/self/fd/<fd>/<name>` names
 * entries relative to that descriptor, so swapping a parent for a symlink after the check changes nothing.
 */
interface HeldDir {
  /** Path through which entries of the held directory are named. */
  readonly base: string;
  close(): void;
}

function holdDir(realWorkspace: string, realDir: string, untrusted: string): Result<HeldDir, BulwarkError> {
  let fd: number;
  try {
    fd = openSync(realDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (cause) {
    const code = errnoOf(cause);
    if (code === 'ENOENT') return err(fsError('not_found', `no such directory: ${untrusted}`));
    if (code === 'ENOTDIR' || code === 'ELOOP')
      return err(fsError('not_dir', `${untrusted} is not a directory inside the workspace`));
    return err(fsError('unreadable', `cannot open ${untrusted}: ${code ?? describeCause(cause)}`));
  }
  if (!fdStaysInside(fd, realWorkspace)) {
    closeSync(fd);
    return err(fsError('escape', `${untrusted} resolves outside the workspace; refused`));
  }
  const viaProc = existsSync(childPath(PROC_FD, String(fd)));
  return ok({ base: viaProc ? childPath(PROC_FD, String(fd)) : realDir, close: () => closeSync(fd) });
}

export interface DirEntry {
  readonly name: string;
  readonly kind: 'dir' | 'file' | 'symlink' | 'other' | 'unreadable';
  readonly size: number;
}

/** Lists a directory inside the workspace through a held descriptor; at most `max` entries are inspected. */
export function listWorkspaceDir(
  workspace: string,
  untrusted: string,
  max: number,
): Result<{ entries: DirEntry[]; total: number }, BulwarkError> {
  const p = confinedPath(workspace, untrusted);
  if (!p.ok) return p;
  const held = holdDir(realpathSync(workspace), p.value, untrusted);
  if (!held.ok) return held;
  try {
    const names = readdirSync(held.value.base).sort();
    const entries = names.slice(0, max).map((name): DirEntry => {
      try {
        const st = lstatSync(childPath(held.value.base, name));
        const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
        return { name, kind, size: st.size };
      } catch {
        // Removed or unreadable between readdir and lstat: listed as such, not an error for the whole listing.
        return { name, kind: 'unreadable', size: 0 };
      }
    });
    return ok({ entries, total: names.length });
  } catch (cause) {
    return err(fsError('unreadable', `cannot list ${untrusted}: ${errnoOf(cause) ?? describeCause(cause)}`));
  } finally {
    held.value.close();
  }
}

/** Writes text atomically to a path inside the workspace; refuses directories and symlinks leading outside. */
export function writeWorkspaceFile(
  workspace: string,
  untrusted: string,
  content: string,
): Result<{ bytes: number; created: boolean }, BulwarkError> {
  const bytes = Buffer.byteLength(content);
  if (bytes > WRITE_MAX_BYTES)
    return err(fsError('too_large', `content is ${bytes} bytes; the limit is ${WRITE_MAX_BYTES} bytes`));
  const p = confinedPath(workspace, untrusted);
  if (!p.ok) return p;
  const realWorkspace = realpathSync(workspace);
  if (p.value === realWorkspace) return err(fsError('is_dir', `${untrusted} is the workspace directory itself`));
  const parents = ensureParents(realWorkspace, p.value, untrusted);
  if (!parents.ok) return parents;
  const held = holdDir(realWorkspace, dirname(p.value), untrusted);
  if (!held.ok) return held;
  try {
    const target = childPath(held.value.base, basename(p.value));
    let created = true;
    let mode = 0o600;
    try {
      const st = lstatSync(target);
      if (st.isSymbolicLink()) return err(fsError('symlink', `${untrusted} became a symlink after the check; refused`));
      if (!st.isFile()) return err(fsError('not_regular', `${untrusted} exists and is not a regular file`));
      created = false;
      mode = st.mode & 0o777;
    } catch (cause) {
      if (errnoOf(cause) !== 'ENOENT')
        return err(fsError('unwritable', `cannot inspect ${untrusted}: ${errnoOf(cause) ?? 'error'}`));
    }
    try {
      // The temp file is created O_EXCL and renamed over the name: a symlink at the name is replaced, never followed.
      writeFileAtomic(target, content, mode, ownerFor(realWorkspace));
    } catch (cause) {
      return err(fsError('unwritable', `cannot write ${untrusted}: ${errnoOf(cause) ?? describeCause(cause)}`));
    }
    return ok({ bytes, created });
  } finally {
    held.value.close();
  }
}
