/**
 * The workspace as it would be after an undo, for the host-executed judge (L11.7): undo is a write path like any
 * other. Putting a renamed directory back can complete a git directory whose config the model wrote while it did
 * not look like one (`mv gd/refs gd/r`, write `gd/config`, undo) — so an undo is judged before it changes anything.
 *
 * The view redirects paths: each reversed change says what stands at a path afterwards — a pre-image kept in the
 * journal, what stands now at another path (a rename put back), or nothing. Changes are applied in undo order, and
 * a later one sees what earlier ones put in place (a path's redirect moves with its subtree).
 */
import { lstatSync } from 'node:fs';
import { nestedPath } from '../../core/index.js';
import { fsTreeView, type HostFileChange } from '../host-executed/index.js';
import {
  ancestorsOf,
  joinRel,
  parentOf,
  relativeUnder,
  type EntryKind,
  type TreeView,
} from '../host-executed/tree-view.js';

/**
 * Where the content at a path comes from: a path in a tree on disk (the workspace, a journal entry's directory),
 * or nothing.
 */
type Source = { readonly view: TreeView; readonly root: string; readonly rel: string } | 'gone';

/** One reversed change, in undo order. */
export type UndoStep =
  /** `path` gets the pre-image at `blob` (a file, link or directory) of a journal entry's directory. */
  | { readonly kind: 'restore'; readonly path: string; readonly entryDir: string; readonly blob: string }
  /** `path` is removed (a created file's undo, or a deletion with no pre-image kept). */
  | { readonly kind: 'remove'; readonly path: string }
  /** What stands at `from` now moves to `to` (a rename put back). */
  | { readonly kind: 'move'; readonly from: string; readonly to: string }
  /** `path` gets permission bits `mode`. */
  | { readonly kind: 'mode'; readonly path: string; readonly mode: number };

export interface UndoPlan {
  readonly view: TreeView;
  /** The changes to judge: every path an undo writes, with what it writes. */
  readonly changes: readonly HostFileChange[];
}

/** `workspaceRoot`: the workspace's real path. */
export function undoPlan(workspaceRoot: string, steps: readonly UndoStep[]): UndoPlan {
  const absoluteRoots = [workspaceRoot];
  const workspace = fsTreeView(workspaceRoot);
  const redirects = new Map<string, Source>();
  const entryViews = new Map<string, TreeView>();
  const modes = new Map<string, number>();
  const touched = new Set<string>();

  const entryView = (dir: string): TreeView => {
    let v = entryViews.get(dir);
    // Pointers in a restored git directory are read by the host's git where they land: in the workspace.
    if (!v) entryViews.set(dir, (v = fsTreeView(dir, { absoluteRoots })));
    return v;
  };

  /** The nearest redirect at or above `p`, and `p` below it. */
  function nearest(p: string): { key: string; rest: string } | undefined {
    if (redirects.has(p)) return { key: p, rest: '' };
    for (const a of ancestorsOf(p)) if (redirects.has(a)) return { key: a, rest: relativeUnder(a, p) ?? '' };
    return undefined;
  }

  function resolve(p: string): Source {
    const n = nearest(p);
    if (!n) return { view: workspace, root: workspaceRoot, rel: p };
    const s = redirects.get(n.key) as Source;
    return s === 'gone' ? 'gone' : { ...s, rel: joinRel(s.rel, n.rest) };
  }

  /** Redirects strictly below `p`. */
  const below = (p: string) => [...redirects.keys()].filter((k) => k !== p && relativeUnder(p, k) !== undefined);

  function place(path: string, source: Source, carried: ReadonlyArray<[string, Source]> = []): void {
    for (const k of below(path)) redirects.delete(k);
    for (const k of [...modes.keys()]) if (relativeUnder(path, k) !== undefined) modes.delete(k);
    redirects.set(path, source);
    for (const [rest, s] of carried) redirects.set(joinRel(path, rest), s);
    touched.add(path);
  }

  for (const step of steps) {
    if (step.kind === 'restore')
      place(step.path, { view: entryView(step.entryDir), root: step.entryDir, rel: step.blob });
    else if (step.kind === 'remove') place(step.path, 'gone');
    else if (step.kind === 'mode') {
      modes.set(step.path, step.mode);
      touched.add(step.path);
    } else {
      const source = resolve(step.from);
      const carried = below(step.from).map((k): [string, Source] => [
        relativeUnder(step.from, k) as string,
        redirects.get(k) as Source,
      ]);
      const mode = modes.get(step.from);
      place(step.to, source, carried);
      if (mode !== undefined) modes.set(step.to, mode);
      place(step.from, 'gone');
    }
  }

  /** A path that holds nothing of its own but has something placed below it: a directory the undo creates. */
  const impliedDir = (p: string): boolean =>
    below(p).some((k) => {
      const s = redirects.get(k);
      return s !== 'gone' && s !== undefined && s.view.kindOf?.(s.rel) !== 'missing';
    });

  function kindOf(p: string): EntryKind {
    if (p !== '' && kindOf(parentOf(p)) !== 'dir') return 'missing';
    const s = resolve(p);
    const k: EntryKind = s === 'gone' ? 'missing' : (s.view.kindOf?.(s.rel) ?? 'missing');
    return k === 'missing' && impliedDir(p) ? 'dir' : k;
  }

  const view: TreeView = {
    kindOf,
    exists: (p) => kindOf(p) !== 'missing',
    isDir: (p) => kindOf(p) === 'dir',
    readFile(p) {
      if (kindOf(p) !== 'file') return undefined;
      const s = resolve(p);
      return s === 'gone' ? undefined : s.view.readFile(s.rel);
    },
    readLink(p) {
      if (kindOf(p) !== 'symlink') return undefined;
      const s = resolve(p);
      return s === 'gone' ? undefined : s.view.readLink?.(s.rel);
    },
    list(p) {
      if (kindOf(p) !== 'dir') return [];
      const s = resolve(p);
      const names = new Set(s === 'gone' ? [] : s.view.list(s.rel));
      for (const k of below(p)) {
        const rest = relativeUnder(p, k) as string;
        names.add(rest.split('/')[0] as string);
      }
      return [...names].filter((n) => kindOf(joinRel(p, n)) !== 'missing').sort();
    },
    absoluteRoots,
  };

  const changes: HostFileChange[] = [];
  const seen = new Set<string>();
  const add = (c: HostFileChange) => {
    const key = `${c.kind}:${c.path}`;
    if (seen.has(key)) return;
    seen.add(key);
    changes.push(c);
  };
  /** Everything at and below `p` in the view after the undo, as changes the undo makes. */
  function addTree(p: string, depth = 0): void {
    const k = kindOf(p);
    if (k === 'missing') return add({ path: p, kind: 'deleted' });
    if (k === 'dir') {
      add({ path: p, kind: 'dir' });
      // A restored directory's whole content is written by the undo; deep trees are bounded by the journal's cap.
      if (depth < 64) for (const n of view.list(p)) addTree(joinRel(p, n), depth + 1);
      return;
    }
    if (k === 'symlink') {
      const target = view.readLink?.(p);
      return add({ path: p, kind: 'symlink', ...(target !== undefined ? { linkTarget: target } : {}) });
    }
    if (k === 'special') return add({ path: p, kind: 'special' });
    const mode = modes.get(p) ?? modeOf(resolve(p));
    add({ path: p, kind: 'file', ...(mode !== undefined ? { mode } : {}) });
  }
  for (const p of touched) {
    addTree(p);
    // Directories the undo creates on the way are changes of their own: one may complete a git directory.
    for (const a of ancestorsOf(p))
      if (a !== '' && !workspace.exists(a) && view.isDir(a)) add({ path: a, kind: 'dir' });
  }
  for (const [p, mode] of modes) if (kindOf(p) !== 'missing') add({ path: p, kind: 'mode', mode });
  return { view, changes };
}

/** Permission bits of the file a source names; undefined when it cannot be read. */
function modeOf(s: Source): number | undefined {
  if (s === 'gone') return undefined;
  const st = lstatSync(s.rel === '' ? s.root : nestedPath(s.root, s.rel), { throwIfNoEntry: false });
  return st ? st.mode & 0o7777 : undefined;
}
