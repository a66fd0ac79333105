/**
 * The workspace tree as the judge sees it: workspace-relative posix paths ('' is the workspace root, no leading
 * './' or '/'), and no method follows a symlink — a symlink is an entry of its own (`readLink`), never the
 * directory or file it points at. The judge always looks at the tree *as it would be after the change*.
 */

export type EntryKind = 'file' | 'dir' | 'symlink' | 'special' | 'missing';

export interface TreeView {
  /** True for any entry at `p` (file, directory, symlink, special file). */
  exists(p: string): boolean;
  /** True only for a real directory (a symlink to a directory is not one). */
  isDir(p: string): boolean;
  /** Content of a regular file; undefined for anything else or when it cannot be read. */
  readFile(p: string): Buffer | undefined;
  /** Names of the entries of a directory (not paths); empty for anything else. */
  list(p: string): string[];
  /** Target of a symlink, as stored; undefined for anything else. Without it, symlinks cannot be resolved (fail closed). */
  readLink?(p: string): string | undefined;
  /** What is at `p`, without reading it (optional: without it a file is told from a special file by reading it). */
  kindOf?(p: string): EntryKind;
  /**
   * Absolute host paths that name the workspace root (its real path). A git pointer (`gitdir:`, `commondir`)
   * with an absolute path counts as inside the workspace only under one of these. The host's git reads pointers as
   * host paths, so a sandbox's own mount point belongs here only when it is the same path.
   */
  readonly absoluteRoots?: readonly string[];
}

/** A path split into names; undefined when it is not a clean workspace-relative posix path. */
export function segmentsOf(p: string): string[] | undefined {
  if (p === '') return [];
  if (p.includes('\0') || p.startsWith('/') || p.length > 4096) return undefined;
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') return undefined;
    out.push(s);
  }
  return out;
}

export function joinRel(...parts: readonly string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}

export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Proper ancestors of `p`, nearest first, ending with the root (''). */
export function ancestorsOf(p: string): string[] {
  const out: string[] = [];
  let cur = p;
  while (cur !== '') {
    cur = parentOf(cur);
    out.push(cur);
  }
  return out;
}

/** `p` relative to its ancestor `dir` ('' when equal); undefined when `dir` is not an ancestor. */
export function relativeUnder(dir: string, p: string): string | undefined {
  if (dir === '') return p;
  if (p === dir) return '';
  return p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : undefined;
}

/** One entry an overlay puts over a base view. */
export type OverlayEntry =
  | { readonly kind: 'file'; readonly content: Buffer }
  | { readonly kind: 'dir' }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'special' }
  | { readonly kind: 'deleted' };

/**
 * `base` with some paths replaced: how the tree looks after a planned change (the write tool plans one file and the
 * directories it creates). A deleted or non-directory entry hides everything the base had below it.
 */
export function overlayView(base: TreeView, entries: ReadonlyMap<string, OverlayEntry>): TreeView {
  /** Directories implied by the entries (ancestors of anything that is not deleted). */
  const implied = new Set<string>();
  /** The overlay's own names under each directory. */
  const children = new Map<string, Set<string>>();
  const addChild = (p: string): void => {
    const parent = parentOf(p);
    const set = children.get(parent) ?? new Set<string>();
    set.add(baseName(p));
    children.set(parent, set);
  };
  for (const [p, e] of entries) {
    if (p !== '') addChild(p);
    if (e.kind === 'deleted') continue;
    for (const a of ancestorsOf(p)) {
      if (implied.has(a)) break;
      implied.add(a);
      if (a !== '') addChild(a);
    }
  }

  /** True when an ancestor of `p` was replaced by something that is not a directory (or deleted). */
  function hiddenByAncestor(p: string): boolean {
    for (const a of ancestorsOf(p)) {
      const up = entries.get(a);
      if (up && up.kind !== 'dir') return true;
    }
    return false;
  }

  /** The overlay's own say on `p`: its entry, an implied directory, or hidden by an ancestor entry. */
  function own(p: string): OverlayEntry | 'hidden' | undefined {
    const e = entries.get(p);
    // Deleted, then something created below it: a new directory.
    if (e && !(e.kind === 'deleted' && implied.has(p))) return e;
    if (implied.has(p)) return { kind: 'dir' };
    return hiddenByAncestor(p) ? 'hidden' : undefined;
  }

  const view: TreeView = {
    exists(p) {
      const o = own(p);
      if (o === 'hidden') return false;
      if (o) return o.kind !== 'deleted';
      return base.exists(p);
    },
    isDir(p) {
      const o = own(p);
      if (o === 'hidden') return false;
      if (o) return o.kind === 'dir';
      return base.isDir(p);
    },
    readFile(p) {
      const o = own(p);
      if (o === 'hidden') return undefined;
      if (o) return o.kind === 'file' ? o.content : undefined;
      return base.readFile(p);
    },
    list(p) {
      if (!view.isDir(p)) return [];
      // Below a deleted or replaced entry the base shows nothing.
      const fromBase = hiddenByAncestor(p) || (entries.get(p)?.kind ?? 'dir') !== 'dir' ? [] : base.list(p);
      const names = new Set([...fromBase, ...(children.get(p) ?? [])]);
      return [...names].filter((n) => view.exists(joinRel(p, n))).sort();
    },
    readLink(p) {
      const o = own(p);
      if (o === 'hidden') return undefined;
      if (o) return o.kind === 'symlink' ? o.target : undefined;
      return base.readLink?.(p);
    },
    ...(base.kindOf
      ? {
          kindOf(p: string): EntryKind {
            const o = own(p);
            if (o === 'hidden') return 'missing';
            if (o) return o.kind === 'deleted' ? 'missing' : o.kind;
            return (base.kindOf as (q: string) => EntryKind)(p);
          },
        }
      : {}),
    ...(base.absoluteRoots ? { absoluteRoots: base.absoluteRoots } : {}),
  };
  return view;
}
