/**
 * Gate L11.7's decision on a run's effect set:
 *   - a change to a file the host executes on its own → refused, never applied;
 *   - a new file carrying a known secret value (leak index) → refused;
 *   - deleting, truncating, replacing by a non-regular file, removing the owner's read/write, or touching more
 *     than `holdOver.files` pre-existing files → held for the operator;
 *   - everything else → applied and journaled.
 * Files created earlier in the same turn, disposable paths (caches, build output) and git housekeeping inside a
 * git directory are never a reason to hold; disposable paths are not journaled either.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { nestedPath } from '../../core/index.js';
import {
  describeRefusals,
  isGitDirectory,
  judgeChanges,
  type HostFileChange,
  type HostFileRefusal,
  type TreeView,
} from '../host-executed/index.js';
import { PathGlobs } from './path-globs.js';
import type { Effect, EffectSet } from './types.js';

export interface EffectPolicy {
  readonly holdOverFiles: number;
  readonly disposable: PathGlobs;
  /** Scans new content for known secret values; returns what was found (never the value). */
  readonly leakCheck?: (text: string) => string | undefined;
}

/** The tree after the run (the merged view) and before it (the workspace as it is). */
export interface EffectViews {
  readonly after: TreeView;
  readonly before: TreeView;
}

export type Verdict =
  | { readonly verdict: 'apply' }
  | { readonly verdict: 'hold'; readonly reasons: readonly string[] }
  | {
      readonly verdict: 'refuse';
      readonly gate: 'L11.7';
      readonly reason: string;
      readonly path: string;
      readonly rule: string;
      readonly key?: string;
      /** Every host-executed refusal of the run (empty for a leak-index refusal). */
      readonly refusals: readonly HostFileRefusal[];
    };

const LEAK_SCAN_MAX = 1024 * 1024;
const GIT_HOUSEKEEPING = /^(objects|refs|logs)(\/|$)|^packed-refs$|\.lock$/;

/** The path inside the nearest git directory (any directory git would open) that holds `path`. */
export function insideGitDir(path: string, view: TreeView): string | undefined {
  const parts = path.split('/');
  for (let i = parts.length - 2; i >= 0; i--) {
    const dir = parts.slice(0, i + 1).join('/');
    if (isGitDirectory(view, dir)) return parts.slice(i + 1).join('/');
  }
  return undefined;
}

/**
 * Git's own bookkeeping in a git directory. A deleted path is judged in the tree before the run (after it, its
 * directory may be gone); a written one in the tree after it.
 */
export function isGitHousekeeping(e: Effect, views: EffectViews): boolean {
  const inner = insideGitDir(e.path, e.change === 'deleted' ? views.before : views.after);
  return inner !== undefined && GIT_HOUSEKEEPING.test(inner);
}

/** Whether a path's change needs no operator: disposable, created this turn, or git housekeeping. */
export function exempt(e: Effect, policy: EffectPolicy, createdThisTurn: ReadonlySet<string>, views: EffectViews) {
  return policy.disposable.matches(e.path) || createdThisTurn.has(e.path) || isGitHousekeeping(e, views);
}

/** An effect as the host-executed judge takes a change (content and link targets are read from the view). */
export function hostChange(e: Effect): HostFileChange {
  switch (e.change) {
    case 'deleted':
      return { path: e.path, kind: 'deleted' };
    case 'dir':
      return { path: e.path, kind: 'dir' };
    case 'mode':
      return { path: e.path, kind: 'mode', ...(e.mode !== undefined ? { mode: e.mode } : {}) };
    case 'symlink':
      return { path: e.path, kind: 'symlink', ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}) };
    case 'special':
      return { path: e.path, kind: 'special' };
    default:
      return { path: e.path, kind: 'file', ...(e.mode !== undefined ? { mode: e.mode } : {}) };
  }
}

function leakScanned(e: Effect, upper: string, views: EffectViews): Buffer | undefined {
  if (e.change === 'created' || e.change === 'modified' || e.modified) {
    const abs = nestedPath(upper, e.path);
    return lstatSync(abs).size <= LEAK_SCAN_MAX ? readFileSync(abs) : undefined;
  }
  if (e.change === 'renamed') return views.after.readFile(e.path);
  return undefined;
}

export function decide(
  set: EffectSet,
  upper: string,
  views: EffectViews,
  policy: EffectPolicy,
  createdThisTurn: ReadonlySet<string>,
): Verdict {
  // One judgement for the whole run, against the tree before it: only what the run changed is judged.
  const judged = judgeChanges(set.effects.map(hostChange), views.after, { before: views.before });
  if (!judged.ok) return refusal(judged.error);
  if (policy.leakCheck)
    for (const e of set.effects) {
      const content = leakScanned(e, upper, views);
      const found = content && policy.leakCheck(content.toString('utf8'));
      if (found)
        return {
          verdict: 'refuse',
          gate: 'L11.7',
          path: e.path,
          rule: 'leak-index',
          reason: `${e.path} would hold a known secret value (${found}); the run's changes were discarded`,
          refusals: [],
        };
    }
  const reasons: string[] = [];
  let touched = 0;
  const deleted: string[] = [];
  for (const e of set.effects) {
    // A rename alone changes no content; a file edited and moved (modified) counts as an edit.
    if (!e.before || (e.change === 'renamed' && !e.modified) || e.change === 'dir') continue;
    if (exempt(e, policy, createdThisTurn, views)) continue;
    if (e.change === 'deleted') deleted.push(e.path);
    else if ((e.change === 'modified' || e.change === 'renamed') && e.bytes === 0 && e.before.size > 0)
      reasons.push(`truncates ${e.path} to 0 bytes`);
    else if ((e.change === 'symlink' || e.change === 'special') && e.before.kind === 'file')
      reasons.push(`replaces the file ${e.path} by a ${e.change === 'symlink' ? 'symlink' : 'special file'}`);
    else if (e.change === 'mode' && e.mode !== undefined && (e.before.mode & 0o600 & ~e.mode) !== 0)
      reasons.push(`removes the owner's read/write permission on ${e.path}`);
    if (e.change !== 'mode') touched++;
  }
  if (deleted.length)
    reasons.unshift(
      `deletes ${deleted.length} pre-existing file${deleted.length === 1 ? '' : 's'} (${deleted.slice(0, 5).join(', ')}${deleted.length > 5 ? ', …' : ''})`,
    );
  if (touched > policy.holdOverFiles)
    reasons.push(`changes ${touched} pre-existing files (more than exec.holdOver.files: ${policy.holdOverFiles})`);
  return reasons.length ? { verdict: 'hold', reasons } : { verdict: 'apply' };
}

function refusal(refusals: readonly HostFileRefusal[]): Verdict {
  const first = refusals[0] as HostFileRefusal;
  return {
    verdict: 'refuse',
    gate: 'L11.7',
    path: first.path,
    rule: first.rule,
    ...(first.key !== undefined ? { key: first.key } : {}),
    reason: `the run would plant what the host runs on its own, so none of its changes were applied:\n${describeRefusals(refusals)}`,
    refusals,
  };
}
