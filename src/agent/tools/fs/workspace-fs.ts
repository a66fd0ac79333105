/**
 * Workspace-confined file primitives shared by the fs tools. Paths from the model go through
 * `safePath`; files are opened with O_NOFOLLOW and re-checked on the open descriptor so a symlink
 * swapped in after the check is not followed.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, readlinkSync, realpathSync } from 'node:fs';
import { bulwarkError, describeCause, type BulwarkError } from '../../../core/errors.js';
import { err, ok, type Result } from '../../../core/result.js';
import { childPath, isInside, relativeTo, safePath } from '../../../core/safe-path.js';
import { writeFileAtomic } from '../../../core/atomic-write.js';

export const READ_MAX_BYTES = 1024 * 1024;
export const WRITE_MAX_BYTES = 5 * 1024 * 1024;

function fsError(code: string, message: string): BulwarkError {
  return bulwarkError(`tool.fs.${code}`, message, { status: 400 });
}

function errnoOf(cause: unknown): string | undefined {
  return typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : undefined;
}

/** The fd's real path (Linux /proc) must still be inside the workspace; elsewhere the pre-open check stands. */
function fdStaysInside(fd: number, workspace: string): boolean {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (cause) {
    return errnoOf(cause) === 'ENOENT';
  }
  return isInside(realpathSync(workspace), target);
}

export function resolveInWorkspace(workspace: string, untrusted: string): Result<string, BulwarkError> {
  return safePath(workspace, untrusted);
}

/** Reads a regular file inside the workspace as UTF-8 text, refusing binaries and files over `maxBytes`. */
export function readWorkspaceFile(workspace: string, untrusted: string, maxBytes: number): Result<string, BulwarkError> {
  const p = safePath(workspace, untrusted);
  if (!p.ok) return p;
  let fd: number;
  try {
    fd = openSync(p.value, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = errnoOf(cause);
    if (code === 'ENOENT') return err(fsError('not_found', `no such file: ${untrusted}`));
    if (code === 'ELOOP') return err(fsError('symlink', `${untrusted} is a symlink that changed after the check; refused`));
    if (code === 'EISDIR') return err(fsError('is_dir', `${untrusted} is a directory; use ls`));
    return err(fsError('unreadable', `cannot open ${untrusted}: ${code ?? describeCause(cause)}`));
  }
  try {
    if (!fdStaysInside(fd, workspace)) return err(fsError('escape', `${untrusted} resolves outside the workspace; refused`));
    const st = fstatSync(fd);
    if (st.isDirectory()) return err(fsError('is_dir', `${untrusted} is a directory; use ls`));
    if (!st.isFile()) return err(fsError('not_regular', `${untrusted} is not a regular file`));
    if (st.size > maxBytes) {
      return err(fsError('too_large', `${untrusted} is ${st.size} bytes; the limit is ${maxBytes} bytes`));
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    const data = buf.subarray(0, off);
    if (data.includes(0)) return err(fsError('binary', `${untrusted} is a binary file; only text files can be read`));
    return ok(data.toString('utf8'));
  } catch (cause) {
    return err(fsError('unreadable', `cannot read ${untrusted}: ${errnoOf(cause) ?? describeCause(cause)}`));
  } finally {
    closeSync(fd);
  }
}

/** Creates the missing directories between the workspace and `realTarget`'s parent, checking each stays inside. */
function ensureParents(realWorkspace: string, realTarget: string, untrusted: string): Result<void, BulwarkError> {
  const parts = relativeTo(realWorkspace, realTarget).split(/[\\/]/).filter((s) => s !== '');
  parts.pop();
  let dir = realWorkspace;
  for (const name of parts) {
    dir = childPath(dir, name);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (cause) {
      if (errnoOf(cause) !== 'EEXIST') return err(fsError('mkdir', `cannot create the directory for ${untrusted}: ${errnoOf(cause) ?? 'error'}`));
    }
    const st = lstatSync(dir);
    if (st.isSymbolicLink() || !st.isDirectory() || !isInside(realWorkspace, realpathSync(dir))) {
      return err(fsError('escape', `a parent of ${untrusted} is not a directory inside the workspace; refused`));
    }
  }
  return ok(undefined);
}

/** Writes text atomically to a path inside the workspace; refuses directories and symlinks leading outside. */
export function writeWorkspaceFile(workspace: string, untrusted: string, content: string): Result<{ bytes: number; created: boolean }, BulwarkError> {
  const bytes = Buffer.byteLength(content);
  if (bytes > WRITE_MAX_BYTES) return err(fsError('too_large', `content is ${bytes} bytes; the limit is ${WRITE_MAX_BYTES} bytes`));
  const p = safePath(workspace, untrusted);
  if (!p.ok) return p;
  const realWorkspace = realpathSync(workspace);
  if (p.value === realWorkspace) return err(fsError('is_dir', `${untrusted} is the workspace directory itself`));
  const parents = ensureParents(realWorkspace, p.value, untrusted);
  if (!parents.ok) return parents;
  let created = true;
  let mode = 0o600;
  try {
    const st = lstatSync(p.value);
    if (st.isSymbolicLink()) return err(fsError('symlink', `${untrusted} became a symlink after the check; refused`));
    if (!st.isFile()) return err(fsError('not_regular', `${untrusted} exists and is not a regular file`));
    created = false;
    mode = st.mode & 0o777;
  } catch (cause) {
    if (errnoOf(cause) !== 'ENOENT') return err(fsError('unwritable', `cannot inspect ${untrusted}: ${errnoOf(cause) ?? 'error'}`));
  }
  try {
    writeFileAtomic(p.value, content, mode);
  } catch (cause) {
    return err(fsError('unwritable', `cannot write ${untrusted}: ${errnoOf(cause) ?? describeCause(cause)}`));
  }
  return ok({ bytes, created });
}
