/**
 * The absolute paths a git pointer written in a run may use for the workspace. git inside the sandbox records
 * linked worktrees by absolute path (`gitdir: /workspace/.git/worktrees/wt`, `/workspace/wt/.git`), so the judge
 * reads the sandbox's mount point as the workspace and judges what it names there. The host's git reads the same
 * pointer as a host path: that is only as safe as the judgement when the host's `/workspace` is the workspace
 * itself or does not exist (the pointer then opens nothing on the host). When it is another directory, a pointer
 * through it would lead the host's git somewhere never judged, so the mount point does not count then.
 */
import { realpathSync } from 'node:fs';
import { fsTreeView, type FsTreeViewOptions } from './host-executed/index.js';
import type { TreeView } from './host-executed/index.js';
import { INSIDE_WORKSPACE } from './sandbox/bwrap.js';

/** `workspace` is a real path; `mountPoint` is the sandbox's (a parameter for tests). */
export function pointerRoots(workspace: string, mountPoint = INSIDE_WORKSPACE): string[] {
  let hostSide: string | undefined;
  try {
    hostSide = realpathSync(mountPoint);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw cause;
  }
  return hostSide === undefined || hostSide === workspace ? [...new Set([workspace, mountPoint])] : [workspace];
}

/**
 * The workspace as the host-executed judge reads it, on every write path (exec's effects, the write and edit tools):
 * a pointer to `/workspace/…` means the same on each.
 */
export function workspaceTreeView(
  workspace: string,
  options: Omit<FsTreeViewOptions, 'absoluteRoots'> = {},
  mountPoint?: string,
): TreeView {
  return fsTreeView(workspace, { ...options, absoluteRoots: pointerRoots(workspace, mountPoint) });
}
