/**
 * Without a copy-on-write view, protected paths are mounted read-only where they are — but a read-only mount moves
 * with its parent directory: `mv .git old && mkdir .git && printf '[core]\n\tfsmonitor = …' > .git/config` leaves a
 * fresh, writable `.git/config` at the protected path (so do `.cargo/config.toml`, a `.git` replaced by a `gitdir:`
 * file, or a `git init` where there was no repository). So each protected path's identity (device and inode) is
 * noted before the run, and whatever sits at such a path afterwards that is not what was there is quarantined.
 */
import { readdirSync } from 'node:fs';
import { childPath } from '../core/index.js';
import type { ProtectedEntry } from './protected-paths.js';
import { lstatOrUndefined as stat } from './effects/upper-scan.js';

/** What was at each protected path before the run: `dev:ino`, or undefined when nothing was. */
export type Identities = ReadonlyMap<string, string | undefined>;

/** The workspace's `.git` itself: the repository git opens (a dir, or a `gitdir:` file in a linked worktree). */
const DOT_GIT: ProtectedEntry = { rel: '.git', dir: true, whenMissing: 'quarantine' };

function at(workspace: string, rel: string): string {
  return childPath(workspace, ...rel.split('/'));
}

/** The entries whose identity is watched: `.git` first (a replaced `.git` is moved out whole), then the rest. */
export function watchedEntries(entries: readonly ProtectedEntry[]): ProtectedEntry[] {
  return [DOT_GIT, ...entries.filter((e) => e.rel !== DOT_GIT.rel)];
}

export function identities(workspace: string, entries: readonly ProtectedEntry[]): Identities {
  const out = new Map<string, string | undefined>();
  for (const e of entries) {
    const st = stat(at(workspace, e.rel));
    out.set(e.rel, st ? `${st.dev}:${st.ino}` : undefined);
  }
  return out;
}

/** An empty file or directory: what bwrap leaves behind as a read-only placeholder's mount point. */
function empty(p: string): boolean {
  const st = stat(p);
  if (!st) return true;
  if (st.isFile()) return st.size === 0;
  return st.isDirectory() && readdirSync(p).length === 0;
}

/**
 * The entries that now hold something other than before the run (in `watchedEntries` order). A new `.git`
 * directory where there was none is the agent's `git init`: kept, its config and hooks are judged as entries. An
 * empty leftover of a placeholder is not a change.
 */
export function changedSince(
  workspace: string,
  entries: readonly ProtectedEntry[],
  before: Identities,
): ProtectedEntry[] {
  const out: ProtectedEntry[] = [];
  for (const e of entries) {
    const p = at(workspace, e.rel);
    const st = stat(p);
    if (!st) continue;
    const was = before.get(e.rel);
    if (was === `${st.dev}:${st.ino}`) continue;
    if (was === undefined && e === DOT_GIT && st.isDirectory()) continue;
    if (was === undefined && e.whenMissing === 'placeholder' && empty(p)) continue;
    out.push(e);
  }
  return out;
}
