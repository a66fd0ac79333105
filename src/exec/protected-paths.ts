/**
 * Host-executed paths a run without a copy-on-write view (L11.7 degraded, or macOS) is kept from writing: the sandbox
 * mounts them read-only (macOS: denies writes), and whatever of them a run creates anyway is moved out of the
 * workspace afterwards (quarantine). There is no list of its own here: the paths are the judge's table
 * (host-executed/table.ts) at the workspace root and in its `.git`, as far as a path without a wildcard can name
 * them — deeper or wildcard paths are only caught by the effect check, which needs the copy-on-write view.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync } from 'node:fs';
import { absoluteFrom, childPath, isInside, randomHex, relativeTo } from '../core/index.js';
import { HOST_EXECUTED, type HostExecutedRule } from './host-executed/index.js';
import { pointerRoots } from './pointer-roots.js';

export interface ProtectedEntry {
  /** Path relative to the workspace. */
  readonly rel: string;
  readonly dir: boolean;
  /**
   * When missing: an empty read-only placeholder is mounted (it stays behind, empty, so only where git tolerates
   * one: inside `.git`), or it is quarantined after the run if the command created it.
   */
  readonly whenMissing: 'placeholder' | 'quarantine';
}

/** The `.git` of the workspace root is where git-dir entries are protected; the repository itself stays writable. */
const ROOT_GIT_DIR = '.git';

function fromRule(rule: HostExecutedRule, pattern: string): ProtectedEntry | undefined {
  // `.git` itself is the repository (git writes objects and refs there on every commit): its entries are protected.
  if (rule.id === 'git.dotgit') return undefined;
  const segs = pattern.split('/');
  const last = segs.at(-1) as string;
  const parents = segs.slice(0, -1);
  if (parents.some((s) => s.includes('*'))) return undefined;
  const inGit = rule.scope === 'git-dir';
  const dir = last === '**' || last === '*';
  if (!dir && last.includes('*')) return undefined;
  const rel = [...(inGit ? [ROOT_GIT_DIR] : []), ...(dir ? parents : segs)].join('/');
  // Only git's hook directories and its config may appear empty; a pointer or todo list must not (git would follow
  // or run it), and other files are not left behind empty: those are quarantined instead.
  const placeholderOk = inGit && (dir || pattern === 'config');
  return { rel, dir, whenMissing: placeholderOk ? 'placeholder' : 'quarantine' };
}

const FROM_TABLE: readonly ProtectedEntry[] = (() => {
  const byRel = new Map<string, ProtectedEntry>();
  for (const rule of HOST_EXECUTED)
    for (const pattern of rule.paths) {
      const e = fromRule(rule, pattern);
      if (e && !byRel.has(e.rel)) byRel.set(e.rel, e);
    }
  return [...byRel.values()];
})();

/** The table's protectable paths plus `extra` (exec.protectedPaths; a trailing `/` marks a directory). */
export function protectedEntries(extra: readonly string[] = []): ProtectedEntry[] {
  const out = [...FROM_TABLE];
  for (const e of extra) {
    const rel = e.replace(/\/+$/, '');
    out.push({
      rel,
      dir: e.endsWith('/'),
      whenMissing: rel.startsWith(`${ROOT_GIT_DIR}/`) ? 'placeholder' : 'quarantine',
    });
  }
  return out;
}

/** Largest `.git` or `commondir` pointer file read (git's own are one short line). */
const POINTER_MAX = 4096;

function readPointer(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw cause;
  }
  try {
    const buf = Buffer.alloc(POINTER_MAX);
    return buf.subarray(0, readSync(fd, buf, 0, POINTER_MAX, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * A pointer's target inside the workspace (relative), or undefined when it names nothing there. git in the sandbox
 * writes its mount point (`gitdir: /workspace/…`): read as the workspace when pointer-roots.ts allows it.
 */
function pointerInside(workspace: string, base: string, value: string | undefined): string | undefined {
  if (!value?.trim()) return undefined;
  let target = value.trim();
  const mount = pointerRoots(workspace).find((r) => r !== workspace && target.startsWith(`${r}/`));
  if (mount !== undefined) target = `${workspace}${target.slice(mount.length)}`;
  let real: string;
  try {
    real = realpathSync(absoluteFrom(base, target));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
  const rel = relativeTo(workspace, real);
  return isInside(workspace, real) && rel !== '' && kindOf(real) === 'dir' ? rel : undefined;
}

/**
 * When the workspace's `.git` is a file (a linked worktree, a submodule): the file itself, and the `.git` entries of
 * `entries` again in each git directory it leads to inside the workspace (its `gitdir:`, that one's `commondir`) —
 * where the host's git reads config and hooks from. `workspace` is a real path. Targets outside the workspace are
 * not reachable from the sandbox at all.
 */
export function linkedGitEntries(workspace: string, entries: readonly ProtectedEntry[]): ProtectedEntry[] {
  const dotgit = childPath(workspace, ROOT_GIT_DIR);
  if (kindOf(dotgit) !== 'file') return [];
  const out: ProtectedEntry[] = [{ rel: ROOT_GIT_DIR, dir: false, whenMissing: 'quarantine' }];
  const gitdir = pointerInside(workspace, workspace, /^gitdir:(.*)$/m.exec(readPointer(dotgit) ?? '')?.[1]);
  const dirs: string[] = [];
  if (gitdir) {
    dirs.push(gitdir);
    const gitdirAbs = childPath(workspace, ...gitdir.split('/'));
    const common = pointerInside(workspace, gitdirAbs, readPointer(childPath(gitdirAbs, 'commondir')));
    if (common && common !== gitdir) dirs.push(common);
  }
  for (const dir of dirs)
    for (const e of entries)
      if (e.rel.startsWith(`${ROOT_GIT_DIR}/`)) out.push({ ...e, rel: `${dir}${e.rel.slice(ROOT_GIT_DIR.length)}` });
  return out;
}

function kindOf(p: string): 'file' | 'dir' | 'symlink' | 'missing' {
  try {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return 'symlink';
    return st.isDirectory() ? 'dir' : 'file';
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT' || (cause as NodeJS.ErrnoException).code === 'ENOTDIR')
      return 'missing';
    throw cause;
  }
}

export interface ProtectedMount {
  readonly host: string;
  readonly inside: string;
  readonly kind: 'file' | 'dir' | 'missing-file' | 'missing-dir';
}

/**
 * The read-only mounts for one run. An existing path is bound over itself; a missing one whose
 * parent exists gets an empty read-only placeholder (bwrap leaves an empty mount point on the
 * host), so it cannot be created either. A symlink is protected as an empty placeholder: binding
 * it would follow the link out of the workspace.
 */
export function protectedMounts(
  workspace: string,
  insideWorkspace: string,
  entries: readonly ProtectedEntry[],
): ProtectedMount[] {
  const out: ProtectedMount[] = [];
  for (const e of entries) {
    const parts = e.rel.split('/');
    let host = workspace;
    let parentOk = true;
    for (const [i, part] of parts.entries()) {
      if (i < parts.length - 1) {
        host = childPath(host, part);
        if (kindOf(host) !== 'dir') {
          parentOk = false;
          break;
        }
      } else host = childPath(host, part);
    }
    if (!parentOk) continue;
    const inside = `${insideWorkspace}/${e.rel}`;
    const k = kindOf(host);
    if (k === 'file') out.push({ host, inside, kind: 'file' });
    else if (k === 'dir') out.push({ host, inside, kind: 'dir' });
    else if (k === 'symlink') out.push({ host, inside, kind: e.dir ? 'missing-dir' : 'missing-file' });
    // Placeholders only where an empty one is harmless (inside an existing .git): elsewhere a missing file cannot
    // be protected without leaving an empty file in the workspace, and it is quarantined after the run instead.
    else if (e.whenMissing === 'placeholder') out.push({ host, inside, kind: e.dir ? 'missing-dir' : 'missing-file' });
  }
  return out;
}

/** Moves each entry of `candidates` that now exists into `quarantineDir`; returns the relative paths moved. */
export function quarantineNew(
  workspace: string,
  candidates: readonly ProtectedEntry[],
  quarantineDir: string,
): string[] {
  const moved: string[] = [];
  for (const e of candidates) {
    let p = workspace;
    for (const part of e.rel.split('/')) p = childPath(p, part);
    if (kindOf(p) === 'missing') continue;
    mkdirSync(quarantineDir, { recursive: true, mode: 0o700 });
    renameSync(p, childPath(quarantineDir, `${Date.now()}-${randomHex(4)}-${e.rel.replace(/\//g, '_')}`));
    moved.push(e.rel);
  }
  return moved;
}
