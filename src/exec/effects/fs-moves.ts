/**
 * Moving files between the workspace, a run's retained upper layer and the journal: rename(2) when both sides
 * are on one filesystem, else a copy that keeps symlinks as links, then removal of the source.
 */
import { cpSync, lchownSync, lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { childPath } from '../../core/index.js';

/** A copy as it is: links kept as links, times kept, nothing overwritten. */
const AS_IS = {
  recursive: true,
  verbatimSymlinks: true,
  errorOnExist: true,
  force: false,
  preserveTimestamps: true,
} as const;

export function moveEntry(from: string, to: string): void {
  try {
    renameSync(from, to);
    return;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EXDEV') throw cause;
  }
  try {
    cpSync(from, to, AS_IS);
  } catch (cause) {
    rmSync(to, { recursive: true, force: true });
    throw cause;
  }
  rmSync(from, { recursive: true, force: true });
}

/**
 * Copies a workspace entry (a whole directory) into the journal as it is: links kept as links, modes, times and
 * owners kept, so that an undo puts back what was there.
 */
export function copyPreImage(from: string, to: string): void {
  cpSync(from, to, AS_IS);
  const owners = (src: string, dest: string): void => {
    const st = lstatSync(src);
    lchownSync(dest, st.uid, st.gid);
    if (st.isDirectory()) for (const name of readdirSync(src)) owners(childPath(src, name), childPath(dest, name));
  };
  owners(from, to);
}
