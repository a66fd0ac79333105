/**
 * Persistence paths inside a workspace: files other programs run or trust later, outside the
 * sandbox (git hooks run on the operator's next commit, shell rc files, package-manager and MCP
 * configs, editor task files). The sandbox mounts them read-only so a command cannot plant
 * something that executes on the host afterwards.
 */
import { lstatSync, mkdirSync, renameSync } from 'node:fs';
import { randomHex } from '../core/ids.js';
import { childPath } from '../core/safe-path.js';

/** Built-in list; `d:` marks directories. Paths are relative to the workspace. */
const BUILT_IN = [
  'd:.git/hooks',
  '.git/config',
  '.git/info/attributes',
  '.gitmodules',
  '.gitconfig',
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.profile',
  '.zshrc',
  '.zshenv',
  '.zprofile',
  '.zlogin',
  '.inputrc',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pnpmfile.cjs',
  '.envrc',
  '.mcp.json',
  '.ripgreprc',
  '.pypirc',
  '.curlrc',
  '.wgetrc',
  'd:.vscode',
  'd:.idea',
  'd:.devcontainer',
  'd:.claude',
  'd:.cursor',
  'd:.ssh',
  'd:.config/autostart',
  'd:.config/systemd',
  'd:.cargo',
  'd:.docker',
];

export interface ProtectedEntry {
  /** Path relative to the workspace. */
  readonly rel: string;
  readonly dir: boolean;
}

export function protectedEntries(extra: readonly string[] = []): ProtectedEntry[] {
  const out = BUILT_IN.map((p) => (p.startsWith('d:') ? { rel: p.slice(2), dir: true } : { rel: p, dir: false }));
  for (const e of extra) out.push({ rel: e.replace(/\/+$/, ''), dir: e.endsWith('/') });
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
    // Only plant placeholders for missing paths inside an existing .git (hooks) — elsewhere a
    // missing file cannot be protected without leaving an empty file in the workspace.
    else if (e.rel.startsWith('.git/')) out.push({ host, inside, kind: e.dir ? 'missing-dir' : 'missing-file' });
  }
  return out;
}

/**
 * Persistence paths a run could still create: the missing ones outside `.git/` (a placeholder
 * there would litter the workspace). Checked before a run; whatever of them exists afterwards
 * was planted by the command and is moved out of the workspace (see `quarantineNew`).
 */
export function missingCreatable(workspace: string, entries: readonly ProtectedEntry[]): ProtectedEntry[] {
  return entries.filter((e) => {
    if (e.rel.startsWith('.git/')) return false;
    let p = workspace;
    for (const part of e.rel.split('/')) p = childPath(p, part);
    return kindOf(p) === 'missing';
  });
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
