/**
 * A TreeView over a real directory (the workspace, or an overlay's merged directory). Nothing is followed: each
 * path is looked up name by name with lstat, and a path through a symlink or a file does not exist. Lookups are
 * cached for the life of the view, so make a fresh view for each decision.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { childPath } from '../../core/index.js';
import { readRegularNoFollow } from './read-regular.js';
import { segmentsOf, type EntryKind, type TreeView } from './tree-view.js';

/** Files larger than this are not read (the judge refuses what it cannot read where content matters). */
export const MAX_VIEW_FILE_BYTES = 4 * 1024 * 1024;

type Kind = EntryKind;

export interface FsTreeViewOptions {
  /**
   * Absolute host paths that name this root (see TreeView.absoluteRoots); default: the root itself. For an overlay's
   * merged directory pass the workspace's real path: that is where the host's git will read the pointers.
   */
  readonly absoluteRoots?: readonly string[];
  readonly maxFileBytes?: number;
}

export function fsTreeView(root: string, options: FsTreeViewOptions = {}): TreeView {
  const kinds = new Map<string, Kind>();
  const maxBytes = options.maxFileBytes ?? MAX_VIEW_FILE_BYTES;

  function hostPath(segs: readonly string[]): string {
    return segs.length === 0 ? root : childPath(root, ...segs);
  }

  function kindOf(p: string): Kind {
    const cached = kinds.get(p);
    if (cached) return cached;
    const segs = segmentsOf(p);
    let k: Kind = 'missing';
    if (segs !== undefined) {
      // Every ancestor must be a real directory: a path through a symlink is not in the tree.
      const parent = segs.length > 0 ? kindOf(segs.slice(0, -1).join('/')) : 'dir';
      if (parent === 'dir') k = lstatKind(hostPath(segs));
    }
    kinds.set(p, k);
    return k;
  }

  return {
    kindOf,
    exists: (p) => kindOf(p) !== 'missing',
    isDir: (p) => kindOf(p) === 'dir',
    readFile(p) {
      if (kindOf(p) !== 'file') return undefined;
      return readRegularNoFollow(hostPath(segmentsOf(p) ?? []), maxBytes);
    },
    list(p) {
      if (kindOf(p) !== 'dir') return [];
      try {
        return readdirSync(hostPath(segmentsOf(p) ?? [])).sort();
      } catch (cause) {
        // An unreadable directory lists as empty; its entries are then missing too, and the judge refuses what it needs.
        if (errno(cause) !== undefined) return [];
        throw cause;
      }
    },
    readLink(p) {
      if (kindOf(p) !== 'symlink') return undefined;
      try {
        return readlinkSync(hostPath(segmentsOf(p) ?? []));
      } catch (cause) {
        if (errno(cause) !== undefined) return undefined;
        throw cause;
      }
    },
    absoluteRoots: options.absoluteRoots ?? [root],
  };
}

function errno(cause: unknown): string | undefined {
  return typeof cause === 'object' && cause !== null && 'code' in cause
    ? String((cause as { code: unknown }).code)
    : undefined;
}

function lstatKind(p: string): Kind {
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isDirectory()) return 'dir';
    return st.isFile() ? 'file' : 'special';
  } catch (cause) {
    if (errno(cause) !== undefined) return 'missing';
    throw cause;
  }
}
