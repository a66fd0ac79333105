/**
 * A transactional run's workspace view (gate L11.7): the run gets a copy-on-write overlay of the workspace, held
 * by the overlay holder (sandbox/overlay-holder.ts) in a private mount namespace; the workspace itself is not
 * touched while the command runs. Once the run's cgroup is empty (the holder has unmounted the overlay and
 * copied the upper layer out), `settle` reads the effect set; the runner decides and applies or discards it.
 *
 * Editing the workspace from outside while a command runs is unsupported (overlayfs leaves it undefined); a
 * pre-image changed meanwhile is caught at apply time as stale.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statfsSync } from 'node:fs';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  randomHex,
  err,
  ok,
  type Result,
  childPath,
  nestedPath,
} from '../core/index.js';
import type { EffectViews } from './effects/decide.js';
import { mergedView } from './effects/merged-view.js';
import { isTransientMountFailure, mountReason } from './mount-reason.js';
import { showsWorkspaceOnly } from './effects/plain-dirs.js';
import { parseXattrDump } from './effects/overlay-xattrs.js';
import { workspaceTreeView } from './pointer-roots.js';
import type { EffectSet } from './effects/types.js';
import { scanUpper } from './effects/upper-scan.js';
import { openParkedUpper, viewPointName, type OverlaySpec } from './sandbox/overlay-holder.js';
import type { SandboxIdentity } from './sandbox-identity.js';
import { describeMemoryKilled, type MemoryKilled } from './memory-cgroup.js';

export interface OverlayViewOptions {
  readonly workspace: string;
  /** Root-only directory on disk (ideally the workspace's filesystem) for per-run view directories. */
  readonly viewsDir: string;
  readonly quotaMb: number;
  /** Most entries the run may leave in its upper layer (exec.limits.workspaceFiles). */
  readonly maxFiles: number;
  readonly identity: SandboxIdentity;
  /** The daemon's owner tag (orphans.ts): the mount point is named after it, so a dead daemon's are swept. */
  readonly ownerTag?: string;
  /**
   * The run directory and mount point of a parked holder (made at park time), and the holder's pid (its upper
   * tmpfs is opened here); else they are made here.
   */
  readonly parked?: { readonly runDir: string; readonly mountPoint: string; readonly holderPid: number };
}

/** What the run left: its effect set to judge, or why there is nothing to apply. */
export type OverlayOutcome =
  | {
      readonly kind: 'effects';
      readonly set: EffectSet;
      /** Host path of the retained upper layer. */
      readonly upper: string;
      /** The tree after the run (rebuilt from the upper layer) and before it, as the effect judge reads them. */
      readonly views: EffectViews;
      /**
       * The effect set and both views read again against the workspace as it is now (after the operator took their
       * time, while other runs may have changed it).
       */
      rescan(): { readonly set: EffectSet; readonly views: EffectViews };
    }
  | { readonly kind: 'discarded'; readonly gate: 'L11.5' | 'L11.7' | 'L11.8'; readonly reason: string };

export interface OverlayView {
  readonly runDir: string;
  /** The merged view's (host-side empty) mount point; removed with the run. */
  readonly mountPoint: string;
  readonly spec: OverlaySpec;
  /** A parked holder's upper tmpfs, held open (see openParkedUpper); the caller closes it when the run is released. */
  readonly upperFd?: number;
  /**
   * A parked holder's question after a run that wrote something, while its merged view is still mounted (see
   * sandbox/overlay-holder.ts ASK_DAEMON): `d` (only directories) or `f`. The answer is the usage of its upper tmpfs
   * as `stat -f -c '%c %d %a %S'` prints it, then for `d` whether the directories can be read without their xattrs
   * (effects/plain-dirs.ts: `plain` or `dump`), for `f` `copy`. Never throws: what cannot be compared says `dump`;
   * a usage that cannot be read answers nothing, and the holder keeps nothing (settle says why).
   */
  answerHolder(holderPid: number, question: string): string;
  /** Called once the run's cgroup is empty. `ended` says how the run ended (timeout and kill discard). */
  settle(ended: {
    timedOut: boolean;
    cancelled: boolean;
    signal: string | null;
    memoryKilled?: MemoryKilled;
  }): Result<OverlayOutcome, BulwarkError>;
}

/**
 * Where merged views are mounted (inside each run's private namespace): a directory every user can traverse, so
 * the unprivileged sandbox user can reach the view. On the host only an empty directory shows.
 */
export const MOUNT_PARENT = '/tmp';

function viewError(code: string, message: string, details?: Record<string, unknown>): BulwarkError {
  return bulwarkError(`exec.effects.${code}`, message, { layer: 'L11.7', ...(details ? { details } : {}) });
}

/**
 * An upper layer of directories only, from the holder's list (`find -printf '%m %P\0'`, parents first): each
 * directory made with its permission bits. Throws on an entry it does not understand: nothing misread is judged.
 */
export function rebuildDirs(upper: string, list: Buffer): void {
  mkdirSync(upper, { mode: 0o700 });
  for (const raw of list.toString('utf8').split('\0')) {
    if (raw === '') continue;
    const m = /^([0-7]{1,4}) (.+)$/s.exec(raw);
    if (!m?.[1] || !m[2]) throw new SyntaxError(`unexpected entry in the upper layer's directory list: ${raw}`);
    const dir = nestedPath(upper, m[2]);
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, parseInt(m[1], 8));
  }
}

export function openOverlayView(o: OverlayViewOptions): Result<OverlayView, BulwarkError> {
  // overlayfs reads its layers from a comma- and colon-separated option string: such a path would be misread.
  if (/[,:\\\n]/.test(o.workspace))
    return err(
      viewError(
        'workspace_path',
        `the workspace path ${JSON.stringify(o.workspace)} contains a comma, colon, backslash or newline, which overlayfs cannot take as a layer; nothing ran. Move the workspace (agents[].workspace) to a plain path`,
      ),
    );
  const id = `${Date.now()}-${randomHex(6)}`;
  const runDir = o.parked?.runDir ?? childPath(o.viewsDir, id);
  const mountPoint = o.parked?.mountPoint ?? childPath(MOUNT_PARENT, viewPointName(o.ownerTag, id));
  if (!o.parked)
    try {
      mkdirSync(o.viewsDir, { recursive: true, mode: 0o700 });
      mkdirSync(runDir, { mode: 0o700 });
      mkdirSync(childPath(runDir, 't'), { mode: 0o700 });
      mkdirSync(mountPoint, { mode: 0o700 });
    } catch (cause) {
      return err(viewError('view_dir', `cannot prepare the run's copy-on-write view: ${describeCause(cause)}`));
    }
  let upperFd: number | undefined;
  let provenPlain = false;
  let usageProblem: string | undefined;
  if (o.parked)
    try {
      upperFd = openParkedUpper(o.parked.holderPid, runDir);
    } catch (cause) {
      return err(viewError('view_dir', `cannot open the parked copy-on-write view: ${describeCause(cause)}`));
    }
  const spec: OverlaySpec = {
    runDir,
    mountPoint,
    rootMode: (lstatSync(o.workspace).mode & 0o7777).toString(8),
    lower: o.workspace,
    quotaKb: Math.floor(o.quotaMb * 1024),
    maxFiles: o.maxFiles,
    uid: o.identity.uid,
    gid: o.identity.gid,
  };
  const read = (name: string) => {
    const f = childPath(runDir, name);
    return existsSync(f) ? readFileSync(f, 'utf8').trim() : '';
  };
  return ok({
    runDir,
    mountPoint,
    spec,
    ...(upperFd !== undefined ? { upperFd } : {}),
    answerHolder(holderPid, question) {
      if (upperFd === undefined) {
        usageProblem = 'the daemon holds no descriptor on the upper layer';
        return '';
      }
      let usage: string;
      try {
        // tmpfs counts blocks in its block size (f_frsize = f_bsize): the fields `stat -f` reads.
        const s = statfsSync(`/proc/self/fd/${upperFd}`);
        usage = `${s.files} ${s.ffree} ${s.bavail} ${s.bsize}`;
      } catch (cause) {
        usageProblem = `the usage of the upper layer could not be read: ${describeCause(cause)}`;
        return '';
      }
      if (question !== 'd') return `${usage} copy`;
      try {
        provenPlain = showsWorkspaceOnly({
          upper: `/proc/self/fd/${upperFd}/upper`,
          merged: nestedPath(`/proc/${holderPid}/root`, mountPoint.replace(/^\/+/, '')),
          workspace: o.workspace,
        });
      } catch {
        // Unreadable (the holder went away, a name vanished): no proof, so the holder dumps the xattrs.
        provenPlain = false;
      }
      return `${usage} ${provenPlain ? 'plain' : 'dump'}`;
    },
    settle(ended) {
      const status = read('status');
      if (status === 'mount-tmpfs' || status === 'mount-overlay') {
        const reason = mountReason(read('mount.err'), status === 'mount-tmpfs' ? `${runDir}/t` : mountPoint);
        return err(
          viewError(
            'mount_refused',
            status === 'mount-tmpfs'
              ? `the run's upper layer (a tmpfs) could not be mounted${reason ? ` (mount: ${reason})` : ''}: nothing ran and nothing changed. ${isTransientMountFailure(reason) ? 'The host is out of mounts or memory for the moment (fs.mount-max, free memory); run the command again' : '`bulwark doctor` checks the host'}`
              : `the copy-on-write view of the workspace could not be mounted${reason ? ` (mount: ${reason})` : ''}: nothing ran and nothing changed`,
            { status, ...(reason ? { reason } : {}) },
          ),
        );
      }
      if (status === 'stale-lower')
        return err(
          viewError(
            'stale_lower',
            `the workspace ${o.workspace} the copy-on-write view would have been mounted over was not the daemon's (a filesystem was mounted on or above it, or it was replaced, after the view's holder started): nothing ran and nothing changed; run the command again`,
            { status },
          ),
        );
      if (ended.memoryKilled)
        return ok({
          kind: 'discarded',
          gate: 'L11.5',
          reason: `${describeMemoryKilled(ended.memoryKilled)}; everything it changed was discarded`,
        });
      if (ended.timedOut || ended.cancelled || ended.signal || status === 'running')
        return ok({
          kind: 'discarded',
          gate: 'L11.7',
          reason: `the command ${ended.timedOut ? 'timed out' : ended.cancelled ? 'was cancelled' : 'was killed'}; everything it changed was discarded`,
        });
      if (status === '')
        return err(
          viewError('not_started', 'the copy-on-write view did not start (see the command output); nothing changed'),
        );
      if (status === 'quota')
        return ok({
          kind: 'discarded',
          gate: 'L11.8',
          reason: `the command wrote more than exec.limits.workspaceWriteMb (${o.quotaMb} MiB) into the workspace and got "no space left"; everything it changed was discarded`,
        });
      if (status === 'files')
        return ok({
          kind: 'discarded',
          gate: 'L11.8',
          reason: `the command left more than exec.limits.workspaceFiles (${o.maxFiles}) new files, directories, links or deletions in the workspace (or got "no space left" making them); everything it changed was discarded`,
        });
      if (status === 'busy')
        return ok({
          kind: 'discarded',
          gate: 'L11.7',
          reason:
            'something of the command still held the workspace when it ended; everything it changed was discarded',
        });
      if (status === 'copy' || status === 'xattrs')
        return ok({
          kind: 'discarded',
          gate: 'L11.7',
          reason: usageProblem
            ? `the command's changes could not be judged (${usageProblem}); everything it changed was discarded`
            : `the command's changes could not be kept for judging (${read(status === 'copy' ? 'copy.err' : 'xattrs.err') || status}; is the data dir's disk full?); everything it changed was discarded`,
        });
      if (!['done', 'empty', 'dirs', 'kept', 'kept-plain'].includes(status))
        return err(viewError('status', `the view ended in an unknown state: ${status}`));
      const kept = status === 'kept' || status === 'kept-plain';
      if (kept && upperFd === undefined)
        return err(
          viewError('status', 'the view kept its upper layer, but no descriptor holds it; nothing was applied'),
        );
      if (status === 'kept-plain' && !provenPlain)
        return err(
          viewError('status', 'the view skipped its xattrs without the daemon having compared it; nothing was applied'),
        );
      try {
        // Only directories, left on the parked holder's tmpfs: read where they are (nothing of the run is left).
        const upper = kept ? `/proc/self/fd/${upperFd}/upper` : childPath(runDir, 'upper');
        // The holder copied nothing: the command wrote nothing.
        if (status === 'empty') mkdirSync(upper, { mode: 0o700 });
        // Only directories: rebuilt from their list, as the copy would have made them (the scan reads their modes).
        if (status === 'dirs') rebuildDirs(upper, readFileSync(childPath(runDir, 'dirs')));
        const xattrs = parseXattrDump(read('xattrs'));
        const rescan = () => {
          const set = scanUpper({ upper, workspace: o.workspace, xattrs }, xattrs.get(''));
          // The host's git reads pointers against the workspace's real path; git in the sandbox writes them against
          // its mount point: the absolute roots of both views (see pointer-roots.ts for when the mount point counts).
          const before = workspaceTreeView(o.workspace);
          return { set, views: { before, after: mergedView(set.root, upper, before, o.workspace) } };
        };
        const { set, views } = rescan();
        // The upper tmpfs counts allocated blocks; a file that is mostly holes passes it but is written out in full
        // wherever it is copied (to a workspace on another filesystem, into the journal): its length counts.
        if (set.bytesWritten > spec.quotaKb * 1024)
          return ok({
            kind: 'discarded',
            gate: 'L11.8',
            reason: `the command's files add up to ${set.bytesWritten} bytes (their length, holes included), more than exec.limits.workspaceWriteMb allows this run (${spec.quotaKb} KiB); everything it changed was discarded`,
          });
        return ok({ kind: 'effects', set, upper, views, rescan });
      } catch (cause) {
        return err(
          viewError('read', `the command's changes could not be read: ${describeCause(cause)}; nothing was applied`),
        );
      }
    },
  });
}
