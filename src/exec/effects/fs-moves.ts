/**
 * Moving files between the workspace, a run's retained upper layer and the journal: rename(2) when both sides
 * are on one filesystem, else a copy that keeps symlinks as links, then removal of the source.
 */
import { cpSync, renameSync, rmSync } from 'node:fs';

export function moveEntry(from: string, to: string): void {
  try {
    renameSync(from, to);
    return;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EXDEV') throw cause;
  }
  try {
    cpSync(from, to, {
      recursive: true,
      verbatimSymlinks: true,
      errorOnExist: true,
      force: false,
      preserveTimestamps: true,
    });
  } catch (cause) {
    rmSync(to, { recursive: true, force: true });
    throw cause;
  }
  rmSync(from, { recursive: true, force: true });
}
