/**
 * git run as root on the host (an operator's `sudo git fetch`, `git commit` in a shell that happens to be root)
 * leaves root-owned object directories, refs and logs in a repository the sandbox user owns: the next sandboxed
 * `git commit` or `git fetch` then fails with "insufficient permission". Before a run, what git itself rewrites is
 * handed back to the repository's owner — only entries owned by root, only in a `.git` directory the sandbox's
 * user owns (a repository root owns stays root's), never what the host executes (config, hooks, pointers: the
 * host-executed table), never through a symlink, never a hard-linked file.
 *
 * Runs under the workspace lease with nothing of an earlier run left alive, so nothing swaps a path meanwhile.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { bulwarkError, type BulwarkError, childPath, describeCause, err, ok, type Result } from '../core/index.js';
import { chownTree } from './chown-tree.js';
import { lstatOrUndefined } from './effects/upper-scan.js';

/**
 * In a git directory (and in each `worktrees/<name>`): what git writes on fetch, commit, merge or checkout.
 * `dirsOnly`: git never rewrites those files in place (objects are immutable, refs replaced by rename), so only
 * the directories it creates files in need a writable owner.
 */
export const GIT_LEFTOVERS: ReadonlyArray<{
  readonly name: string;
  readonly dirsOnly: boolean;
  readonly maxDepth?: number;
}> = [
  // objects/<xx>/, pack/ and info/ hold only files: not listed (a thousand-object repository costs no readdirs).
  { name: 'objects', dirsOnly: true, maxDepth: 1 },
  { name: 'refs', dirsOnly: true },
  { name: 'lfs', dirsOnly: true },
  { name: 'logs', dirsOnly: false },
  { name: 'rr-cache', dirsOnly: false },
  ...[
    'HEAD',
    'index',
    'packed-refs',
    'shallow',
    'FETCH_HEAD',
    'ORIG_HEAD',
    'MERGE_HEAD',
    'MERGE_MSG',
    'MERGE_MODE',
    'MERGE_RR',
    'SQUASH_MSG',
    'AUTO_MERGE',
    'CHERRY_PICK_HEAD',
    'REVERT_HEAD',
    'COMMIT_EDITMSG',
  ].map((name) => ({ name, dirsOnly: false })),
];

const ROOT = 0;

/**
 * `objects/` is the costly part (a stat per fan-out directory, on every run): skipped while its listing is unchanged
 * since a pass that handed everything. Its mtime says whether an entry was added; one that changed within the last
 * second is not trusted (a directory made in the same clock tick as the pass leaves the mtime as it was).
 */
const SETTLED_NS = 1_000_000_000n;
const CHECKED_MAX = 256;
const checked = new Map<string, string>();

function listingStamp(p: string): string | undefined {
  const st = lstatSync(p, { bigint: true });
  if (!st.isDirectory()) return undefined;
  if (BigInt(Date.now()) * 1_000_000n - st.mtimeNs < SETTLED_NS) return undefined;
  return `${st.dev}:${st.ino}:${st.mtimeNs}`;
}

function handDir(gitDir: string, uid: number, gid: number): Result<number, BulwarkError> {
  let handed = 0;
  for (const { name, dirsOnly, maxDepth } of GIT_LEFTOVERS) {
    const p = childPath(gitDir, name);
    if (!lstatOrUndefined(p)) continue;
    const stamp = maxDepth === 1 ? listingStamp(p) : undefined;
    if (stamp !== undefined && checked.get(p) === `${uid}:${gid}:${stamp}`) continue;
    const r = chownTree(p, uid, gid, {
      onlyFromUid: ROOT,
      dirsOnly,
      // What root's git writes is readable by all (umask 022); a root-only file here was put there by someone else.
      sharedFilesOnly: true,
      ...(maxDepth !== undefined ? { maxDepth } : {}),
      code: 'exec.git_leftovers',
    });
    if (r.ok && stamp !== undefined) {
      checked.delete(p);
      checked.set(p, `${uid}:${gid}:${stamp}`);
      if (checked.size > CHECKED_MAX) checked.delete(checked.keys().next().value as string);
    }
    if (!r.ok)
      return err({
        ...r.error,
        message: `${r.error.message}; nothing ran (root-owned entries there keep the sandbox's git from writing). Fix as root: chown -R ${uid}:${gid} ${p}`,
      });
    handed += r.value;
  }
  return ok(handed);
}

/**
 * Hands root's leftovers in `<workspace>/.git` (and its linked worktrees' directories) to uid:gid. A `.git` that is
 * not a real directory, or not owned by uid, is left alone. Returns how many entries changed owner.
 */
export function handGitLeftovers(workspace: string, uid: number, gid: number): Result<number, BulwarkError> {
  if (uid === ROOT) return ok(0);
  const gitDir = childPath(workspace, '.git');
  let handed = 0;
  try {
    const st = lstatOrUndefined(gitDir);
    if (!st?.isDirectory() || st.uid !== uid) return ok(0);
    const own = handDir(gitDir, uid, gid);
    if (!own.ok) return own;
    handed += own.value;
    const worktrees = childPath(gitDir, 'worktrees');
    if (!lstatOrUndefined(worktrees)?.isDirectory()) return ok(handed);
    for (const e of readdirSync(worktrees, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const wt = childPath(worktrees, e.name);
      if (lstatSync(wt).uid !== uid) continue;
      const r = handDir(wt, uid, gid);
      if (!r.ok) return r;
      handed += r.value;
    }
    return ok(handed);
  } catch (cause) {
    return err(
      bulwarkError('exec.git_leftovers', `cannot read ${gitDir}: ${describeCause(cause)}`, { layer: 'L11.5' }),
    );
  }
}
