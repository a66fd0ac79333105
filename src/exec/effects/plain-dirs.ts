/**
 * Whether an upper layer of directories only can be read without its overlay xattrs (gate L11.7): asked while the
 * run's merged view is still mounted (the holder waits; nothing of the run is left), it holds when every upper
 * directory shows exactly what the workspace has at its path — each workspace entry visible, each visible entry
 * that is not in the upper layer the workspace's own (the same inode for a non-directory; overlayfs gives merged
 * directories inode numbers of its own, so a directory by name), and at least one of them visible where the
 * workspace directory has entries (a directory whose entries are all shadowed could be opaque). Then no directory
 * is opaque or redirected in a way that shows, and the effect set read as plain merged directories is the run's.
 *
 * Whatever is read this way is also what is applied (the judge and the apply read the same upper tree), so a
 * wrong "yes" could only leave out what the run did, never apply what was not judged. Anything unexpected says
 * no: the holder then dumps the xattrs as before.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { nestedPath } from '../../core/index.js';
import { join, lstatOrUndefined } from './upper-scan.js';

/** Beyond this many entries the xattr dump (one process) is cheaper than the comparison. */
const MAX_ENTRIES = 2000;

export interface PlainDirsInput {
  /** The upper layer (directories only). */
  readonly upper: string;
  /** The merged view, still mounted. */
  readonly merged: string;
  /** Real path of the workspace (the lower layer). */
  readonly workspace: string;
}

export function showsWorkspaceOnly(input: PlainDirsInput): boolean {
  let budget = MAX_ENTRIES;
  const check = (rel: string, lowerIsDir: boolean): boolean => {
    const at = (root: string) => (rel === '' ? root : nestedPath(root, rel));
    const upper = new Set(readdirSync(at(input.upper)));
    const merged = new Set(readdirSync(at(input.merged)));
    // Only a real directory of the workspace, reached through real directories, shows through.
    const lower = new Set(lowerIsDir ? readdirSync(at(input.workspace)) : []);
    budget -= upper.size + merged.size + lower.size;
    if (budget < 0) return false;
    let shown = 0;
    for (const name of lower) {
      if (upper.has(name)) continue;
      if (!merged.has(name)) return false;
      shown++;
    }
    if (lower.size > 0 && shown === 0) return false;
    for (const name of merged) {
      if (upper.has(name)) continue;
      if (!lower.has(name)) return false;
      const m = lstatSync(nestedPath(input.merged, join(rel, name)));
      const l = lstatSync(nestedPath(input.workspace, join(rel, name)));
      if (m.isDirectory() !== l.isDirectory()) return false;
      if (!m.isDirectory() && (m.ino !== l.ino || (m.mode & 0o170000) !== (l.mode & 0o170000))) return false;
    }
    for (const name of upper) {
      if (!merged.has(name)) return false;
      const child = join(rel, name);
      if (!lstatSync(nestedPath(input.upper, child)).isDirectory()) return false;
      const below = lowerIsDir && !!lstatOrUndefined(nestedPath(input.workspace, child))?.isDirectory();
      if (!check(child, below)) return false;
    }
    return true;
  };
  return check('', lstatSync(input.workspace).isDirectory());
}
