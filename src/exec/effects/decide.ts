/**
 * Gate L11.7's decision on a run's effect set:
 *   - a change to a file the host executes on its own → refused, never applied;
 *   - a new file carrying a known secret value (leak index) → refused;
 *   - deleting, truncating, replacing by a non-regular file, removing the owner's read/write, or touching more
 *     than `holdOver.files` pre-existing files → held for the operator;
 *   - everything else → applied and journaled.
 * Files created earlier in the same turn, disposable paths (caches, build output) and git housekeeping inside a
 * git directory are never a reason to hold; disposable paths are not journaled either — except that a file the host
 * runs (host-run.ts: a .pyc, a virtualenv command, an npm shim, an executable) created or changed in a disposable
 * path is listed with its size and hash and holds the run (unless `exec.disposableHostRun: show`).
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { nestedPath } from '../../core/index.js';
import {
  describeRefusals,
  isGitDirectory,
  judgeChanges,
  type HostFileChange,
  type HostFileRefusal,
  type TreeView,
} from '../host-executed/index.js';
import { hostRunFiles, hostRunHoldReason, type HostRunFile } from './host-run.js';
import { PathGlobs } from './path-globs.js';
import type { Effect, EffectSet } from './types.js';

export interface EffectPolicy {
  readonly holdOverFiles: number;
  readonly disposable: PathGlobs;
  /**
   * Files the host runs (a .pyc, a virtualenv command, an npm shim, an executable) created or changed in disposable
   * paths: hold (the default) asks the operator; show only lists them in the run's report and audit.
   */
  readonly disposableHostRun?: 'hold' | 'show';
  /** Scans new content for known secret values; returns what was found (never the value). */
  readonly leakCheck?: (text: string) => string | undefined;
}

/** The tree after the run (the merged view) and before it (the workspace as it is). */
export interface EffectViews {
  readonly after: TreeView;
  readonly before: TreeView;
}

export type Verdict =
  | { readonly verdict: 'apply'; readonly hostRun?: readonly HostRunFile[] }
  | { readonly verdict: 'hold'; readonly reasons: readonly string[]; readonly hostRun?: readonly HostRunFile[] }
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

/**
 * A rename out of the user's files into a disposable path (a cache, build output): disposable paths are deleted
 * without asking and without the journal, so this is judged as deleting the file, and its pre-image is kept.
 */
export function intoDisposablePath(e: Effect, disposable: PathGlobs): boolean {
  return e.change === 'renamed' && e.from !== undefined && !disposable.matches(e.from) && disposable.matches(e.path);
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

/** New content is read in pieces of this size, each overlapping the last by LEAK_OVERLAP (a form cut between two). */
const LEAK_CHUNK = 1024 * 1024;
/** Longer than any form the leak index matches (a PEM key in spaced hex or character codes stays far below). */
const LEAK_OVERLAP = 64 * 1024;
/** What one run's new content may total before it is held instead of scanned. */
const LEAK_SCAN_BUDGET = 256 * 1024 * 1024;

/** The text a leak check reads of an effect besides file content: its path, where it came from, a link's target. */
function effectNames(e: Effect): string {
  return [e.path, e.from, e.linkTarget].filter((t): t is string => t !== undefined).join('\n');
}

/**
 * Scans the new content of one effect in overlapping pieces; returns what the check found, or 'over-budget' when
 * the run's new content is more than LEAK_SCAN_BUDGET (left unscanned: the caller holds the run). Every piece is
 * read asynchronously, so a run that wrote hundreds of MiB does not hold the daemon's event loop for the whole scan
 * (other sessions, the gateway and streaming answers go on between pieces).
 */
async function leakInContent(
  e: Effect,
  upper: string,
  views: EffectViews,
  check: (text: string) => string | undefined,
  budget: { left: number },
): Promise<string | undefined> {
  if (e.change === 'renamed' && !e.modified) {
    const content = views.after.readFile(e.path);
    return content ? check(content.toString('utf8')) : undefined;
  }
  if (e.change !== 'created' && e.change !== 'modified' && !e.modified) return undefined;
  // The upper layer is the finished run's: never a symlink followed or a fifo waited on, whatever it claims to be.
  let file: FileHandle;
  try {
    file = await open(nestedPath(upper, e.path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
    throw cause;
  }
  try {
    const st = await file.stat();
    if (!st.isFile()) return undefined;
    if (st.size > budget.left) return OVER_BUDGET;
    budget.left -= st.size;
    const buf = Buffer.alloc(Math.min(st.size, LEAK_CHUNK + LEAK_OVERLAP));
    for (let pos = 0; pos < st.size; pos += LEAK_CHUNK) {
      const { bytesRead: n } = await file.read(buf, 0, buf.length, pos);
      const found = check(buf.toString('utf8', 0, n));
      if (found) return found;
      if (pos + n >= st.size) break;
    }
    return undefined;
  } finally {
    await file.close();
  }
}

const OVER_BUDGET = 'over-budget';

/**
 * The host-executed part of the decision alone: a refusal, or undefined when the run plants nothing. One judgement
 * for the whole run, against the tree before it: only what the run changed is judged. A held run is judged again
 * with it right before it is applied, against the workspace as it is then.
 */
export function hostFilesVerdict(
  set: EffectSet,
  views: EffectViews,
): Extract<Verdict, { verdict: 'refuse' }> | undefined {
  const judged = judgeChanges(set.effects.map(hostChange), views.after, { before: views.before });
  return judged.ok ? undefined : refusal(judged.error);
}

export async function decide(
  set: EffectSet,
  upper: string,
  views: EffectViews,
  policy: EffectPolicy,
  createdThisTurn: ReadonlySet<string>,
): Promise<Verdict> {
  const refused = hostFilesVerdict(set, views);
  if (refused) return refused;
  const reasons: string[] = [];
  if (policy.leakCheck) {
    const budget = { left: LEAK_SCAN_BUDGET };
    let unscanned = 0;
    for (const e of set.effects) {
      // A name is chosen by the command as freely as content: a value decoded into a file name is a leak too.
      const named = policy.leakCheck(effectNames(e));
      const found = named ?? (await leakInContent(e, upper, views, policy.leakCheck, budget));
      if (found === OVER_BUDGET) {
        unscanned++;
        continue;
      }
      if (found)
        return {
          verdict: 'refuse',
          gate: 'L11.7',
          path: named ? '(a path of the run)' : e.path,
          rule: 'leak-index',
          reason: `${named ? 'a path the run made' : e.path} would hold a known secret value (${found}); the run's changes were discarded`,
          refusals: [],
        };
    }
    if (unscanned > 0)
      reasons.push(
        `writes more new content than the secret scan reads (${LEAK_SCAN_BUDGET / 1024 / 1024} MiB): ${unscanned} file${unscanned === 1 ? '' : 's'} not scanned for known secret values`,
      );
  }
  let touched = 0;
  const deleted: string[] = [];
  const intoDisposable: Effect[] = [];
  for (const e of set.effects) {
    if (e.before && intoDisposablePath(e, policy.disposable) && !createdThisTurn.has(e.from ?? '')) {
      intoDisposable.push(e);
      touched++;
      continue;
    }
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
  if (intoDisposable.length) {
    const shown = intoDisposable.slice(0, 5).map((e) => `${e.from} → ${e.path}`);
    reasons.unshift(
      `moves ${intoDisposable.length} pre-existing file${intoDisposable.length === 1 ? '' : 's'} into disposable paths (exec.disposable), where later runs delete without asking or journaling: as good as deleting ${intoDisposable.length === 1 ? 'it' : 'them'} (${shown.join(', ')}${intoDisposable.length > 5 ? ', …' : ''})`,
    );
  }
  if (deleted.length)
    reasons.unshift(
      `deletes ${deleted.length} pre-existing file${deleted.length === 1 ? '' : 's'} (${deleted.slice(0, 5).join(', ')}${deleted.length > 5 ? ', …' : ''})`,
    );
  if (touched > policy.holdOverFiles)
    reasons.push(`changes ${touched} pre-existing files (more than exec.holdOver.files: ${policy.holdOverFiles})`);
  // Never exempt as created this turn: a later run of the turn could swap an approved .pyc for another.
  const hostRun = await hostRunFiles(set.effects, upper, views.after, policy.disposable);
  if (hostRun.length && policy.disposableHostRun !== 'show') reasons.unshift(hostRunHoldReason(hostRun));
  const shown = hostRun.length ? { hostRun } : {};
  return reasons.length ? { verdict: 'hold', reasons, ...shown } : { verdict: 'apply', ...shown };
}

function refusal(refusals: readonly HostFileRefusal[]): Extract<Verdict, { verdict: 'refuse' }> {
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
