/**
 * Git directories in a tree view: any directory git would open, wherever it sits. git opens a `.git` directory, the
 * target of a `.git` file's `gitdir:` or of a `commondir` file, and — for bare repositories, in any directory a
 * command runs in — a directory shaped like a repository: `HEAD` with `objects/` and `refs/`, or `HEAD` with a
 * `commondir` (a linked worktree's). `objects/` with `refs/` alone counts too: that is what a `commondir` must
 * name. The judge treats what a pointer names as a git directory whatever its shape, and judges a directory
 * again in full when a change completes its shape.
 */
import { baseName, joinRel, segmentsOf, type TreeView } from './tree-view.js';

export function isGitDirectory(view: TreeView, dir: string): boolean {
  if (!view.isDir(dir)) return false;
  if (baseName(dir).toLowerCase() === '.git') return true;
  const has = (name: string): boolean => view.exists(joinRel(dir, name));
  if (has('objects') && has('refs')) return true;
  return has('HEAD') && has('commondir');
}

/** Every git directory in the view (the workspace root included), sorted. Symlinks are not followed. */
export function gitDirectoriesOf(view: TreeView): string[] {
  const found: string[] = [];
  const stack: string[] = [''];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    if (isGitDirectory(view, dir)) found.push(dir);
    for (const name of view.list(dir)) {
      const p = joinRel(dir, name);
      if (view.isDir(p)) stack.push(p);
    }
  }
  return found.sort();
}

/** Where a pointer leads: a workspace-relative path, or why it counts as outside. */
export type PointerTarget =
  { readonly inside: true; readonly path: string } | { readonly inside: false; readonly why: string };

const MAX_LINK_HOPS = 40;

function underRoot(view: TreeView, absolute: string): string[] | undefined {
  for (const root of view.absoluteRoots ?? []) {
    const r = root.replace(/\/+$/, '');
    if (absolute === r) return [];
    if (r !== '' && absolute.startsWith(`${r}/`)) return absolute.slice(r.length + 1).split('/');
    if (r === '' && absolute.startsWith('/')) return absolute.slice(1).split('/');
  }
  return undefined;
}

/**
 * Resolves a pointer the way the host would: relative to `baseDir`, or absolute (inside only under one of the view's
 * absolute roots), through the view's symlinks. Leaving the workspace, or a step that cannot be resolved, is outside.
 */
export function resolvePointer(view: TreeView, baseDir: string, target: string): PointerTarget {
  if (target === '') return { inside: false, why: 'it is empty' };
  if (target.includes('\0')) return { inside: false, why: 'it contains a NUL byte' };
  let pending: string[];
  if (target.startsWith('/')) {
    const rel = underRoot(view, target);
    if (rel === undefined) return { inside: false, why: `the absolute path ${target} is outside the workspace` };
    pending = rel;
  } else pending = [...(segmentsOf(baseDir) ?? []), ...target.split('/')];
  const out: string[] = [];
  let hops = 0;
  let i = 0;
  while (i < pending.length) {
    const s = pending[i++] as string;
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (out.length === 0) return { inside: false, why: `${target} leads out of the workspace` };
      out.pop();
      continue;
    }
    out.push(s);
    const here = out.join('/');
    const link = view.readLink?.(here);
    if (link !== undefined) {
      if (++hops > MAX_LINK_HOPS) return { inside: false, why: `${target} goes through too many symlinks` };
      out.pop();
      const rest = pending.slice(i);
      if (link.startsWith('/')) {
        const rel = underRoot(view, link);
        if (rel === undefined)
          return { inside: false, why: `${target} goes through a symlink to ${link}, outside the workspace` };
        out.length = 0;
        pending = [...rel, ...rest];
      } else pending = [...link.split('/'), ...rest];
      i = 0;
      continue;
    }
    // Without readLink a symlink looks like an entry that is neither a file nor a directory: cannot resolve it.
    if (i < pending.length && view.exists(here) && !view.isDir(here) && view.readFile(here) === undefined)
      return { inside: false, why: `${target} goes through ${here}, which cannot be resolved` };
  }
  return { inside: true, path: out.join('/') };
}

/** The path a `.git` file names (`gitdir: <path>`, newlines trimmed as git does), or undefined when it names none. */
export function gitfileTarget(content: Buffer): string | undefined {
  let text = content.toString('utf8');
  while (text.endsWith('\n') || text.endsWith('\r')) text = text.slice(0, -1);
  if (!text.startsWith('gitdir: ') || text.includes('\n') || text.includes('\0')) return undefined;
  return text.slice('gitdir: '.length);
}

/** The path in a `commondir` file or a linked worktree's `gitdir` file (trailing newlines trimmed). */
export function pointerFileTarget(content: Buffer): string | undefined {
  let text = content.toString('utf8');
  while (text.endsWith('\n') || text.endsWith('\r')) text = text.slice(0, -1);
  if (text === '' || text.includes('\n') || text.includes('\0')) return undefined;
  return text;
}
