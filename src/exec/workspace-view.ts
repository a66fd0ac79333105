/**
 * The workspace as one run sees it, and what happens to the run's changes once its processes are gone.
 *
 * Today the view is the workspace itself: persistence paths that exist are mounted read-only by the sandbox,
 * and the ones a command could still create are noted before the run and moved out of the workspace after it
 * (quarantine). A copy-on-write view (exec effects, L11.7) fits the same shape: `open` mounts an overlay and
 * `root` is its merged directory; `settle` reads the effects from the upper layer once the cgroup is empty.
 */
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { changedSince, identities, watchedEntries } from './protected-identity.js';
import { linkedGitEntries, quarantineNew, type ProtectedEntry } from './protected-paths.js';

export interface ViewOutcome {
  /** Persistence paths the command created (e.g. .bashrc, .mcp.json), moved out of the workspace. */
  readonly quarantined: readonly string[];
}

export interface WorkspaceView {
  /** Real host path the sandbox shows as the workspace. */
  readonly root: string;
  /** Paths inside `root` the sandbox keeps read-only. */
  readonly protectedPaths: readonly ProtectedEntry[];
  /** Called once nothing of the run is left running: applies (or refuses) what the run changed. */
  settle(): Result<ViewOutcome, BulwarkError>;
}

export interface DirectViewOptions {
  /** Real path of the workspace. */
  readonly workspace: string;
  readonly protectedPaths: readonly ProtectedEntry[];
  /** Where created persistence files go (outside every workspace); no quarantine when absent. */
  readonly quarantineDir?: string;
}

/** The workspace itself, bound read-write, with new persistence files quarantined after the run. */
export function openDirectView(o: DirectViewOptions): WorkspaceView {
  // A linked worktree's git directory is protected like `.git` (git reads its config and hooks from there).
  const protectedPaths = [...o.protectedPaths, ...linkedGitEntries(o.workspace, o.protectedPaths)];
  // What is at each protected path now: whatever is there after the run and is not that was planted (created, or
  // put there by moving its read-only parent aside).
  const watched = watchedEntries(protectedPaths);
  const before = o.quarantineDir ? identities(o.workspace, watched) : undefined;
  return {
    root: o.workspace,
    protectedPaths,
    settle() {
      if (!o.quarantineDir || !before) return ok({ quarantined: [] });
      try {
        const planted = changedSince(o.workspace, watched, before);
        return ok({ quarantined: planted.length ? quarantineNew(o.workspace, planted, o.quarantineDir) : [] });
      } catch (cause) {
        return err(
          bulwarkError(
            'exec.quarantine',
            `the command created a persistence file that could not be moved out of the workspace: ${describeCause(cause)}`,
            { layer: 'L11.5' },
          ),
        );
      }
    },
  };
}
