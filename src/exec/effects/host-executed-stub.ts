/**
 * STUB — replaced on merge by the real host-executed judge (src/exec/host-executed/, issue 13 part b), which is
 * the only list of files the host or the user's tools run on their own. This stub exists so exec effects can be
 * built against the agreed interface; it refuses only `.git/config`, `.git/hooks/*` and `.envrc`.
 */
import { err, ok, type Result } from '../../core/result.js';

export interface HostChange {
  /** Workspace-relative, '/'-separated. */
  readonly path: string;
  readonly kind: 'file' | 'dir' | 'symlink' | 'special' | 'deleted' | 'mode';
  readonly content?: Buffer;
  readonly linkTarget?: string;
}

/** The tree as it would be after the change (paths workspace-relative). */
export interface ResultView {
  exists(p: string): boolean;
  readFile(p: string): Buffer | undefined;
  list(p: string): string[];
}

export interface HostExecutedRefusal {
  readonly path: string;
  readonly key?: string;
  readonly reason: string;
  readonly rule: string;
}

export function judgeHostExecuted(change: HostChange, view: ResultView): Result<void, HostExecutedRefusal> {
  if (change.kind === 'deleted') return ok(undefined);
  const p = change.path;
  const parts = p.split('/');
  const hooks = parts.indexOf('hooks');
  const inGitDir = (dir: string) => dir === '.git' || dir.endsWith('/.git') || isGitDirectory(view, dir);
  if (
    p === '.envrc' ||
    p.endsWith('/.envrc') ||
    (parts.at(-1) === 'config' && inGitDir(parts.slice(0, -1).join('/'))) ||
    (hooks > 0 && inGitDir(parts.slice(0, hooks).join('/')))
  )
    return err({ path: p, reason: 'the host runs this file without the user choosing to run code', rule: 'stub' });
  return ok(undefined);
}

export function isGitDirectory(view: ResultView, dir: string): boolean {
  const at = (n: string) => (dir === '' ? n : `${dir}/${n}`);
  return view.exists(at('HEAD')) && view.exists(at('objects')) && view.exists(at('refs'));
}
