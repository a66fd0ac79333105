/**
 * Does overlayfs take this workspace as the lower layer of a copy-on-write view (L11.7)? The start probe
 * (overlay-probe.ts) proves the host can mount views at all, on a scratch directory of the data dir; a workspace on
 * another filesystem can still be refused (NFS, some FUSE, vfat, an overlay already stacked two deep, …). So each
 * workspace filesystem is probed for real, once per device id: the view's own mount, over the workspace, in a
 * private mount namespace with a throwaway tmpfs upper (nothing is written to the workspace). A refused workspace
 * gets a clear error naming its filesystem, before anything of a run starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { bulwarkError, type BulwarkError, childPath, describeCause, err, ok, type Result } from '../core/index.js';
import { VIEW_OVERLAY_OPTIONS } from './sandbox/overlay-holder.js';
import { describeFs, workspaceFs, type WorkspaceFs } from './workspace-fs.js';
import { isTransientMountFailure, mountReason } from './mount-reason.js';

const PROBE = [
  'set -e',
  'mount -t tmpfs -o size=64k,mode=0700 bulwark-probe "$1/t"',
  'mkdir "$1/t/u" "$1/t/w"',
  `mount -t overlay bulwark-probe -o "lowerdir=$2,upperdir=$1/t/u,workdir=$1/t/w,${VIEW_OVERLAY_OPTIONS}" "$1/m"`,
].join('\n');

export const LOWER_FIX =
  'keep the workspace (agents[].workspace) on a local filesystem overlayfs accepts as a lower layer (ext4, xfs, btrfs, tmpfs; not NFS, most FUSE filesystems, vfat, or an overlay that already sits on another overlay)';

function refused(workspace: string, fs: WorkspaceFs, why: string): BulwarkError {
  return bulwarkError(
    'exec.effects.lower_refused',
    `the workspace ${workspace} is on ${describeFs(fs)}, which overlayfs refuses as the lower layer of a copy-on-write view (${why}); nothing ran and nothing changed. Fix: ${LOWER_FIX}`,
    {
      layer: 'L11.7',
      details: { workspace, filesystem: fs.type, ...(fs.mountPoint ? { mountPoint: fs.mountPoint } : {}) },
    },
  );
}

function unreadable(workspace: string, cause: unknown): BulwarkError {
  return bulwarkError('exec.workspace', `cannot read the workspace ${workspace}: ${describeCause(cause)}`, {
    layer: 'L11.7',
  });
}

export interface OverlayLowersOptions {
  readonly unshare: string;
  /** Root-only scratch directory for the probes' mount points. */
  readonly scratchParent: string;
}

/** The verdict on one filesystem: the filesystem as first seen, and why overlayfs refused it (absent: it takes it). */
interface Kept {
  readonly fs: WorkspaceFs;
  readonly refused?: string;
}

export class OverlayLowers {
  private readonly byDev = new Map<number, Kept>();
  /** The device each checked workspace was on (what a refusal at run time is kept against). */
  private readonly devOf = new Map<string, number>();

  constructor(private readonly o: OverlayLowersOptions) {}

  /**
   * The workspace's filesystem when overlayfs takes it as a lower layer; probed once per device id (a kept verdict
   * costs one stat: mountinfo is read only for a new filesystem).
   */
  check(workspace: string): Result<WorkspaceFs, BulwarkError> {
    let dev: number;
    try {
      dev = statSync(workspace).dev;
    } catch (cause) {
      return err(unreadable(workspace, cause));
    }
    // overlayfs reads its layers from a comma- and colon-separated option string: the view refuses such a path with
    // its own message (overlay-view.ts), and it says nothing about the filesystem.
    if (/[,:\\\n]/.test(workspace)) return ok({ dev, type: 'unknown' });
    this.devOf.set(workspace, dev);
    let kept = this.byDev.get(dev);
    if (!kept) {
      let fs: WorkspaceFs;
      try {
        fs = workspaceFs(workspace);
      } catch (cause) {
        return err(unreadable(workspace, cause));
      }
      try {
        kept = this.probe(workspace, fs);
      } catch (cause) {
        // The probe itself failed (scratch dir, spawn): not a verdict on the filesystem, so it is not kept.
        return err(
          bulwarkError(
            'exec.effects.lower_probe',
            `cannot check whether overlayfs takes the workspace ${workspace} (${describeFs(fs)}) as a lower layer: ${describeCause(cause)}; nothing ran`,
            { layer: 'L11.7' },
          ),
        );
      }
      this.byDev.set(dev, kept);
    }
    return kept.refused === undefined ? ok(kept.fs) : err(refused(workspace, kept.fs, kept.refused));
  }

  /**
   * A view's mount was refused at run time although the probe passed. A refusal of the moment (out of mounts or
   * memory) says nothing about the filesystem: the verdict stays. Any other refusal means the filesystem may have
   * changed under the same device id: its verdict is dropped, so the next run probes it again (and, if overlayfs
   * now refuses it, is refused with the probe's reason) instead of being refused until the daemon restarts.
   */
  refusedAtRun(workspace: string, reason: string): BulwarkError {
    const dev = this.devOf.get(workspace);
    const fs = (dev !== undefined ? this.byDev.get(dev)?.fs : undefined) ?? { dev: -1, type: 'unknown' };
    const said = reason ? ` (mount: ${reason})` : '';
    if (isTransientMountFailure(reason))
      return bulwarkError(
        'exec.effects.mount_refused',
        `the copy-on-write view of the workspace ${workspace} could not be mounted${said}: the host is out of mounts or memory for the moment (fs.mount-max, free memory); nothing ran and nothing changed. Run the command again`,
        { layer: 'L11.7', details: { workspace, reason, transient: true } },
      );
    if (dev !== undefined) this.byDev.delete(dev);
    return bulwarkError(
      'exec.effects.mount_refused',
      `the copy-on-write view of the workspace ${workspace} (${describeFs(fs)}) could not be mounted at run time${said}, although overlayfs took this filesystem when it was checked: nothing ran and nothing changed. The filesystem is checked again before the next run; if overlayfs refuses it then, that run says why. Fix, if it keeps failing: ${LOWER_FIX}`,
      { layer: 'L11.7', details: { workspace, filesystem: fs.type, reason } },
    );
  }

  private probe(workspace: string, fs: WorkspaceFs): Kept {
    let dir: string | undefined;
    try {
      mkdirSync(this.o.scratchParent, { recursive: true, mode: 0o700 });
      dir = mkdtempSync(childPath(this.o.scratchParent, 'lower-probe-'));
      mkdirSync(childPath(dir, 't'));
      mkdirSync(childPath(dir, 'm'));
      const r = spawnSync(
        this.o.unshare,
        ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', PROBE, 'lower-probe', dir, workspace],
        { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, timeout: 10_000 },
      );
      if (r.status === 0) return { fs };
      const said = mountReason(r.stderr || r.error?.message || `exit ${String(r.status ?? r.signal)}`, `${dir}/m`);
      // Out of mounts or memory is not a verdict on the filesystem: reported as a failed probe, not kept.
      if (isTransientMountFailure(said)) throw new Error(`mount: ${said}`);
      return { fs, refused: `mount: ${said}` };
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
}
