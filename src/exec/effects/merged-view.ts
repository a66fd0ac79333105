/**
 * The workspace as it would be after applying a run's retained upper layer, read without applying it: the tree the
 * host-executed judge looks at (a directory becoming a git directory, a config file's full content). It is exactly
 * what the overlay's merged directory showed, rebuilt from the upper tree (whiteouts, opaque and redirected
 * directories) over the workspace — the merged directory itself only ever existed inside the run's private mount
 * namespace and is unmounted before anything is judged, so no process of the run can change what is judged.
 *
 * Lower-layer lookups go through `before` (a TreeView of the workspace as it is): the judge's view of the tree
 * before the run, so each workspace path is looked up once for both. Nothing is followed: a path through a symlink
 * does not exist, as in fsTreeView.
 */
import { nestedPath } from '../../core/index.js';
import { MAX_VIEW_FILE_BYTES, readRegularNoFollow, type EntryKind, type TreeView } from '../host-executed/index.js';
import type { UpperDir, UpperEntry } from './types.js';
import { join } from './upper-scan.js';

type Where =
  | { readonly layer: 'upper'; readonly rel: string; readonly entry: Exclude<UpperEntry, { kind: 'whiteout' }> }
  | { readonly layer: 'upper-root'; readonly dir: UpperDir }
  | { readonly layer: 'lower'; readonly rel: string }
  | undefined;

/**
 * `root` is the upper tree, `upper` its host path, `before` the workspace as it is and `workspace` its real path
 * (the absolute root the host's git reads pointers against, when `before` names none).
 */
export function mergedView(root: UpperDir, upper: string, before: TreeView, workspace: string): TreeView {
  const cache = new Map<string, Where>();

  function resolve(p: string): Where {
    if (cache.has(p)) return cache.get(p);
    const parts = p === '' ? [] : p.split('/');
    let where: Where = { layer: 'upper-root', dir: root };
    let dir: UpperDir | undefined = root;
    let lower: string | undefined = '';
    for (const [i, name] of parts.entries()) {
      const last = i === parts.length - 1;
      const e: UpperEntry | undefined = dir?.entries.get(name);
      if (e) {
        if (e.kind === 'whiteout') {
          where = undefined;
          break;
        }
        if (e.kind === 'dir') {
          dir = e.dir;
          lower = e.dir.lowerSource;
          where = { layer: 'upper-root', dir: e.dir };
          continue;
        }
        where = last ? { layer: 'upper', rel: parts.slice(0, i + 1).join('/'), entry: e } : undefined;
        break;
      }
      if (lower === undefined) {
        where = undefined;
        break;
      }
      const next = join(lower, name);
      const kind = before.kindOf ? before.kindOf(next) : before.isDir(next) ? 'dir' : 'file';
      if (kind === 'missing' || (!last && kind !== 'dir')) {
        where = undefined;
        break;
      }
      dir = undefined;
      lower = next;
      where = { layer: 'lower', rel: next };
    }
    cache.set(p, where);
    return where;
  }

  function kindOf(p: string): EntryKind {
    const w = resolve(p);
    if (!w) return 'missing';
    if (w.layer === 'upper-root') return 'dir';
    if (w.layer === 'lower') return before.kindOf ? before.kindOf(w.rel) : before.isDir(w.rel) ? 'dir' : 'file';
    return w.entry.kind === 'dir' ? 'dir' : w.entry.kind;
  }

  return {
    kindOf,
    exists: (p) => kindOf(p) !== 'missing',
    isDir: (p) => kindOf(p) === 'dir',
    readFile(p) {
      const w = resolve(p);
      if (!w || w.layer === 'upper-root') return undefined;
      if (w.layer === 'lower') return before.readFile(w.rel);
      return w.entry.kind === 'file' ? readRegularNoFollow(nestedPath(upper, w.rel), MAX_VIEW_FILE_BYTES) : undefined;
    },
    readLink(p) {
      const w = resolve(p);
      if (!w || w.layer === 'upper-root') return undefined;
      if (w.layer === 'lower') return before.readLink?.(w.rel);
      return w.entry.kind === 'symlink' ? w.entry.target : undefined;
    },
    list(p) {
      const w = resolve(p);
      if (!w) return [];
      if (w.layer === 'lower') return before.list(w.rel);
      if (w.layer === 'upper') return [];
      const names = new Set<string>();
      if (w.dir.lowerSource !== undefined) for (const n of before.list(w.dir.lowerSource)) names.add(n);
      for (const [n, e] of w.dir.entries) {
        if (e.kind === 'whiteout') names.delete(n);
        else names.add(n);
      }
      return [...names].sort();
    },
    absoluteRoots: before.absoluteRoots ?? [workspace],
  };
}
