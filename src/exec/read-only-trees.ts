/**
 * Folders outside the workspace that a run sees read-only (installed Agent Skills, so a skill's scripts can run but
 * no command can edit one that runs later). Each appears at `/skills/<name>` inside the sandbox. On a copy-on-write
 * run the sandbox starts as an unprivileged host user who cannot reach the data dir, so the run gets a private copy
 * owned by root and readable by all (files 0444, folders 0555), removed with the run; otherwise the folder itself is
 * bound. Either way the bind is read-only: a write fails with EROFS whoever the sandbox user is.
 */
import { chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { bulwarkError, type BulwarkError, childPath, describeCause, err, ok, type Result } from '../core/index.js';

export const READ_ONLY_ROOT = '/skills';
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface ReadOnlyTree {
  /** The folder's name under /skills inside the sandbox (lower-case letters, digits, hyphens). */
  readonly name: string;
  /** Real host path of the folder. */
  readonly host: string;
}

/** A bind of the sandbox's plan: host folder → path inside. */
export interface ReadOnlyBind {
  readonly host: string;
  readonly inside: string;
}

function refused(message: string): BulwarkError {
  return bulwarkError('exec.read_only_tree', message, { layer: 'L11.5', status: 500 });
}

function lockDown(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = childPath(dir, e.name);
    if (e.isDirectory()) lockDown(p);
    else chmodSync(p, 0o444);
  }
  chmodSync(dir, 0o555);
}

/**
 * The binds for `trees`. With `copyInto` (a parent folder the sandbox user can traverse), the trees are copied into
 * a fresh folder there first; `copied` is that folder, for the run to remove.
 */
export function readOnlyBinds(
  trees: readonly ReadOnlyTree[],
  copyInto?: string,
): Result<{ binds: ReadOnlyBind[]; copied?: string }, BulwarkError> {
  const names = new Set<string>();
  for (const t of trees) {
    if (!NAME.test(t.name) || names.has(t.name))
      return err(refused(`"${t.name}" is not a usable name under ${READ_ONLY_ROOT} (or appears twice)`));
    names.add(t.name);
    try {
      const st = lstatSync(t.host);
      if (!st.isDirectory()) return err(refused(`${t.host} is not a folder`));
    } catch (cause) {
      return err(refused(`cannot read ${t.host}: ${describeCause(cause)}`));
    }
  }
  if (trees.length === 0) return ok({ binds: [] });
  const inside = (name: string): string => `${READ_ONLY_ROOT}/${name}`;
  if (copyInto === undefined) return ok({ binds: trees.map((t) => ({ host: t.host, inside: inside(t.name) })) });
  let copied: string | undefined;
  try {
    copied = mkdtempSync(childPath(copyInto, 'bulwark-ro-'));
    const dir = copied;
    chmodSync(dir, 0o755);
    const binds = trees.map((t) => {
      const to = childPath(dir, t.name);
      // Plain files and folders only: the skill store installs nothing else, and links are not followed here.
      cpSync(t.host, to, { recursive: true, dereference: false, verbatimSymlinks: true, errorOnExist: true });
      lockDown(to);
      return { host: to, inside: inside(t.name) };
    });
    return ok({ binds, copied: dir });
  } catch (cause) {
    if (copied) rmSync(copied, { recursive: true, force: true });
    return err(refused(`cannot stage the read-only folders: ${describeCause(cause)}`));
  }
}
