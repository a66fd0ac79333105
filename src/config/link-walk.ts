/**
 * What a path depends on, resolved hop by hop as the kernel resolves it: every directory in which a name on the way
 * is looked up, and every symbolic link followed (a relative target from the link's own directory, `..` from where
 * the walk has arrived). Whoever can rename entries in one of those directories can change what the path names, so
 * checking the path as written and its final real path is not enough: the middle of a link chain counts too.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { bulwarkError, describeCause, err, ok, type BulwarkError, type Result } from '../core/index.js';

/**
 * Fewer than the kernel's 40: a chain this long is no honest layout, only more places to re-point. The bound also
 * ends a loop.
 */
export const MAX_LINK_HOPS = 16;

/** One symbolic link the walk followed: where it is (its directory resolved), what it says, who owns it. */
export interface LinkHop {
  readonly path: string;
  readonly target: string;
  readonly uid: number;
}

export interface PathWalk {
  /** The real directories whose entries were looked up, each once, in the order met. */
  readonly dirs: readonly string[];
  readonly links: readonly LinkHop[];
  /** The real path the walk ends at (the deepest existing point when `exists` is false). */
  readonly end: string;
  readonly exists: boolean;
}

function errnoCode(cause: unknown): string | undefined {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The names of a path, last first (so the next one is `pop()`), empty and `.` dropped. */
function namesOf(p: string): string[] {
  return p
    .split('/')
    .filter((n) => n !== '' && n !== '.')
    .reverse();
}

function chainOf(links: readonly LinkHop[]): string {
  return links.map((l) => `${l.path} → ${l.target}`).join(', ');
}

/** The walk met a name that does not exist: fine at the end of the path as written, not inside a link's target. */
function missing(
  file: string,
  next: string,
  dirs: string[],
  links: LinkHop[],
  unresolved: LinkHop | undefined,
): Result<PathWalk, BulwarkError> {
  if (unresolved === undefined) return ok({ dirs, links, end: next, exists: false });
  return err(
    bulwarkError(
      'ownership.dangling_link',
      `${file} leads through the symbolic link ${unresolved.path} to ${next}, which does not exist (${chainOf(links)})`,
    ),
  );
}

/**
 * Walks `file` (relative to `cwd` unless absolute; `..` is not collapsed before links are followed, as open() does
 * not). A missing tail is no error (the path may be about to be created); a link whose target does not exist, more
 * than MAX_LINK_HOPS links, or a lookup that fails otherwise is.
 */
export function walkPath(file: string, cwd = process.cwd()): Result<PathWalk, BulwarkError> {
  const pending = namesOf(path.isAbsolute(file) ? file : `${cwd}/${file}`);
  const dirs: string[] = [];
  const seen = new Set<string>();
  const links: LinkHop[] = [];
  // Links whose target is still being walked, with how many names were pending below that target.
  const open: Array<{ hop: LinkHop; below: number }> = [];
  let cur = '/';
  while (pending.length > 0) {
    const name = pending.pop() as string;
    while (open.length > 0 && (open.at(-1)?.below ?? 0) > pending.length) open.pop();
    if (name === '..') {
      cur = path.dirname(cur);
      continue;
    }
    if (!seen.has(cur)) {
      seen.add(cur);
      dirs.push(cur);
    }
    const next = cur === '/' ? `/${name}` : `${cur}/${name}`;
    let st: Stats;
    try {
      st = lstatSync(next);
    } catch (cause) {
      const code = errnoCode(cause);
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        return err(
          bulwarkError('ownership.unreadable', `cannot inspect ${next} on the way to ${file}: ${describeCause(cause)}`),
        );
      return missing(file, next, dirs, links, open[0]?.hop);
    }
    if (st.isSymbolicLink()) {
      if (links.length >= MAX_LINK_HOPS)
        return err(
          bulwarkError(
            'ownership.too_many_links',
            `${file} leads through more than ${MAX_LINK_HOPS} symbolic links (a loop, or a chain too long to check): ${chainOf(links.slice(0, 4))}, …`,
          ),
        );
      let target: string;
      try {
        target = readlinkSync(next);
      } catch (cause) {
        return err(
          bulwarkError(
            'ownership.unreadable',
            `cannot read the symbolic link ${next} on the way to ${file}: ${describeCause(cause)}`,
          ),
        );
      }
      const hop = { path: next, target, uid: st.uid };
      links.push(hop);
      open.push({ hop, below: pending.length });
      pending.push(...namesOf(target));
      if (path.isAbsolute(target)) cur = '/';
      continue;
    }
    if (pending.length > 0 && !st.isDirectory()) return missing(file, next, dirs, links, open[0]?.hop);
    cur = next;
  }
  return ok({ dirs, links, end: cur, exists: true });
}
