import { closeSync, fchownSync, fsyncSync, linkSync, openSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { randomHex } from './ids.js';

/**
 * Writes a file atomically: a temp file beside it is written and fsync'd, then renamed over
 * the target, so a crash leaves either the old or the new content, never a torn file.
 */
export function writeFileAtomic(
  file: string,
  content: string | Buffer,
  mode = 0o600,
  /** Owner of the new file, set on the temp file's descriptor before the rename: no name is ever followed. */
  owner?: { readonly uid: number; readonly gid: number },
): void {
  const tmp = `${file}.${randomHex(6)}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/**
 * Creates `file` with its whole content at once, only when it does not exist yet (a temp file hard-linked into
 * place): never a torn file, never an overwrite. False when the file was already there.
 */
export function createFileAtomic(file: string, content: string | Buffer, mode = 0o600): boolean {
  const tmp = `${file}.${randomHex(6)}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw cause;
  } finally {
    unlinkSync(tmp);
  }
}
