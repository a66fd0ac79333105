/**
 * The judge of host-executed files, for every write path (the write/edit tools, exec's effects, installers): given
 * one change and the tree as it would be after it, does the change plant something the host or the user's tools
 * would run or load on their own? The table (table.ts) says which paths count and how each is judged.
 *
 * - A file, symlink, special file or mode change is judged at its path: against the table's `anywhere` and `root`
 *   entries, and against the `git-dir` entries of every git directory above it.
 * - A symlink or special file at (or above) a host-executed path is refused: it would make something else load
 *   there. A `.git` symlink is a pointer and is judged as one.
 * - A directory (created, or renamed into place) is judged by everything in it.
 * - A change that completes a git directory's shape (`HEAD`, `objects`, `refs`, `commondir`), or a pointer that
 *   names a directory (`.git` file or symlink, `commondir`, a worktree's `gitdir`), judges that whole git directory
 *   as if its config and hooks had just been written: a directory *becoming* a git directory is the same as writing
 *   its config. A pointer leading outside the workspace is refused.
 * - Deletions plant nothing and pass.
 */
import { err, ok, type Result } from '../../core/index.js';
import { judgeGitConfig, judgeGitmodules, type ConfigProblem } from './git-config-judge.js';
import { parseGitConfig, type GitConfigEntry } from './git-config-parse.js';
import { gitfileTarget, isGitDirectory, pointerFileTarget, resolvePointer } from './git-dirs.js';
import { compilePattern, isAboveAt, matchesAt, type PathPattern } from './path-pattern.js';
import { hostFileRefusal, type HostFileRefusal } from './refusal.js';
import { HOST_EXECUTED, type HostExecutedRule } from './table.js';
import {
  ancestorsOf,
  baseName,
  joinRel,
  parentOf,
  relativeUnder,
  segmentsOf,
  type EntryKind,
  type TreeView,
} from './tree-view.js';

export type ChangeKind = 'file' | 'dir' | 'symlink' | 'special' | 'deleted' | 'mode';

export interface HostFileChange {
  /** Workspace-relative posix path. */
  readonly path: string;
  readonly kind: ChangeKind;
  /** New content of a file (else read from the view). */
  readonly content?: Buffer;
  /** Target of a symlink (else read from the view). */
  readonly linkTarget?: string;
  /** New permission bits (file or mode change). */
  readonly mode?: number;
}

interface CompiledEntry {
  readonly rule: HostExecutedRule;
  readonly pattern: PathPattern;
}

const COMPILED: readonly CompiledEntry[] = HOST_EXECUTED.flatMap((rule) =>
  rule.paths.map((p) => ({ rule, pattern: compilePattern(p) })),
);
const BY_SCOPE = {
  'git-dir': COMPILED.filter((e) => e.rule.scope === 'git-dir'),
  root: COMPILED.filter((e) => e.rule.scope === 'root'),
  anywhere: COMPILED.filter((e) => e.rule.scope === 'anywhere'),
};
/** `anywhere` entries by their first name (entries starting with a wildcard are tried at every depth). */
const ANYWHERE_BY_FIRST = new Map<string, CompiledEntry[]>();
const ANYWHERE_WILD: CompiledEntry[] = [];
for (const e of BY_SCOPE.anywhere) {
  const first = e.pattern.segs[0] as string;
  if (first.includes('*')) ANYWHERE_WILD.push(e);
  else ANYWHERE_BY_FIRST.set(first, [...(ANYWHERE_BY_FIRST.get(first) ?? []), e]);
}

/** Names whose appearance can complete a git directory's shape. */
const SHAPE_NAMES: ReadonlySet<string> = new Set(['head', 'objects', 'refs', 'commondir']);

/** What a host-executed entry at a path is matched as. */
interface Hit {
  readonly entry: CompiledEntry;
  /** The git directory a `git-dir` entry is relative to. */
  readonly gitDir?: string;
  /** The path is a directory above a match rather than the match itself. */
  readonly above: boolean;
}

export interface JudgeOptions {
  /**
   * The tree before the changes. With it, only what changes is judged: a file identical to what was there passes,
   * git config entries that were already there pass (only added or changed ones meet the allow-list), and a git
   * directory is judged in full only when it was not one before. Without it, everything in view is judged as new
   * (fail closed: the operator's own extra config keys then count as planted).
   */
  readonly before?: TreeView;
}

/** One decision over one view: caches git-directory checks and judges each path and git directory once. */
class Judge {
  private readonly gitDirCache = new Map<string, boolean>();
  private readonly beforeGitDirCache = new Map<string, boolean>();
  private readonly judgedPaths = new Set<string>();
  private readonly judgedGitDirs = new Set<string>();
  readonly refusals: HostFileRefusal[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly view: TreeView,
    private readonly before: TreeView | undefined,
  ) {}

  private refuse(r: HostFileRefusal): void {
    const id = `${r.path}\0${r.rule}\0${r.key ?? ''}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.refusals.push(r);
  }

  isGitDir(dir: string): boolean {
    let v = this.gitDirCache.get(dir);
    if (v === undefined) {
      v = isGitDirectory(this.view, dir);
      this.gitDirCache.set(dir, v);
    }
    return v;
  }

  /** Whether `dir` was a git directory before the changes (never, without a before-view: judged as new). */
  private wasGitDir(dir: string): boolean {
    const before = this.before;
    if (!before) return false;
    let v = this.beforeGitDirCache.get(dir);
    if (v === undefined) {
      v = isGitDirectory(before, dir);
      this.beforeGitDirCache.set(dir, v);
    }
    return v;
  }

  private kindInView(p: string, view: TreeView = this.view): EntryKind {
    if (view.kindOf) return view.kindOf(p);
    if (!view.exists(p)) return 'missing';
    if (view.isDir(p)) return 'dir';
    if (view.readLink?.(p) !== undefined) return 'symlink';
    return view.readFile(p) !== undefined ? 'file' : 'special';
  }

  /** The entry at `p` is exactly what was there before (a mode change that may add execute bits never is). */
  private unchanged(p: string, kind: EntryKind | ChangeKind, c: HostFileChange | undefined): boolean {
    const before = this.before;
    if (!before || c?.kind === 'mode' || ((c?.mode ?? 0) & 0o111) !== 0) return false;
    if (this.kindInView(p, before) !== kind) return false;
    if (kind === 'file') {
      const now = c?.content ?? this.view.readFile(p);
      const then = before.readFile(p);
      return now !== undefined && then !== undefined && now.equals(then);
    }
    if (kind === 'symlink') {
      const now = c?.linkTarget ?? this.view.readLink?.(p);
      return now !== undefined && now === before.readLink?.(p);
    }
    return kind === 'special';
  }

  change(c: HostFileChange): void {
    if (c.kind === 'deleted') return;
    const segs = segmentsOf(c.path);
    if (segs === undefined || (segs.length === 0 && c.kind !== 'dir')) {
      this.refuse(
        hostFileRefusal(
          c.path,
          'path.invalid',
          'not a clean workspace-relative path',
          'a change that cannot be placed cannot be judged',
        ),
      );
      return;
    }
    const path = segs.join('/');
    // A path through a symlink lands where the symlink leads: judge it there too.
    const parentPath = parentOf(path);
    const parent =
      parentPath === '' ? ({ inside: true, path: '' } as const) : resolvePointer(this.view, '', parentPath);
    if (!parent.inside) {
      this.refuse(
        hostFileRefusal(c.path, 'path.outside', `leads outside the workspace: ${parent.why}`, 'it cannot be judged'),
      );
      return;
    }
    const real = path === '' ? '' : joinRel(parent.path, baseName(path));
    for (const p of real === path ? [path] : [path, real]) {
      if (c.kind === 'dir') this.subtree(p);
      else this.path(p, c.kind === 'mode' ? this.kindInView(p) : c.kind, { ...c, path: p });
    }
  }

  /** A directory appeared: everything in it is judged, and it may itself have become a git directory. */
  private subtree(dir: string, force = false): void {
    const stack = [dir];
    while (stack.length > 0) {
      const d = stack.pop() as string;
      const git = this.isGitDir(d);
      if (git && !this.wasGitDir(d)) this.gitDir(d);
      this.afterShape(d);
      for (const name of this.view.list(d)) {
        const p = joinRel(d, name);
        const k = this.kindInView(p);
        // Everything, object stores included: a renamed directory may hide anything anywhere.
        if (k === 'dir') stack.push(p);
        else if (k !== 'missing') this.path(p, k, undefined, force);
      }
    }
  }

  /** Judges an entry (not a directory) at `path`. `c` carries what the change said about it, when it is the change. */
  private path(path: string, kind: EntryKind | ChangeKind, c: HostFileChange | undefined, force = false): void {
    if (kind === 'missing' || kind === 'dir' || kind === 'deleted') return;
    const key = `${path}\0${kind}`;
    // `force`: judged again, as new, now that a directory above is known to be a (new) git directory.
    if (this.judgedPaths.has(key) && c === undefined && !force) return;
    this.judgedPaths.add(key);
    if (!force && this.unchanged(path, kind, c)) return;
    const names = (segmentsOf(path) ?? []).map((n) => n.toLowerCase());
    for (const hit of this.hits(path, names)) this.judgeHit(path, kind, hit, c, force);
    this.afterShape(path);
  }

  /** Every table entry that matches `path` (or that `path` is a directory above). */
  private hits(path: string, names: readonly string[]): Hit[] {
    const out: Hit[] = [];
    for (const e of BY_SCOPE.root) {
      if (matchesAt(e.pattern, names, 0)) out.push({ entry: e, above: false });
      else if (isAboveAt(e.pattern, names, 0)) out.push({ entry: e, above: true });
    }
    for (let i = 0; i < names.length; i++) {
      for (const e of [...(ANYWHERE_BY_FIRST.get(names[i] as string) ?? []), ...ANYWHERE_WILD]) {
        if (matchesAt(e.pattern, names, i)) out.push({ entry: e, above: false });
        else if (isAboveAt(e.pattern, names, i)) out.push({ entry: e, above: true });
      }
    }
    for (const g of ancestorsOf(path)) {
      if (!this.isGitDir(g)) continue;
      const rel = relativeUnder(g, path) as string;
      const relNames = rel.split('/').map((n) => n.toLowerCase());
      for (const e of BY_SCOPE['git-dir']) {
        if (matchesAt(e.pattern, relNames, 0)) out.push({ entry: e, gitDir: g, above: false });
        else if (isAboveAt(e.pattern, relNames, 0)) out.push({ entry: e, gitDir: g, above: true });
      }
    }
    return out;
  }

  private judgeHit(
    path: string,
    kind: EntryKind | ChangeKind,
    hit: Hit,
    c: HostFileChange | undefined,
    fresh: boolean,
  ): void {
    const { rule } = hit.entry;
    const isDotGit = rule.id === 'git.dotgit' && !hit.above;
    if (kind === 'symlink' && !isDotGit) {
      this.refuse(hostFileRefusal(path, rule.id, 'a symlink here makes another file load in its place', rule.reason));
      return;
    }
    if (kind === 'special') {
      this.refuse(hostFileRefusal(path, rule.id, 'a special file (pipe, device, socket) here', rule.reason));
      return;
    }
    if (hit.above) return; // a file where the table expects a directory: nothing loads it
    const content = (): Buffer | undefined => c?.content ?? this.view.readFile(path);
    switch (rule.judge) {
      case 'refuse':
        if (c?.kind === 'mode' && ((c.mode ?? 0) & 0o111) === 0) return; // only making it executable matters
        this.refuse(hostFileRefusal(path, rule.id, 'an agent may not create or change this file', rule.reason));
        return;
      case 'git-config':
        return this.config(path, rule, content(), hit.gitDir, fresh);
      case 'gitmodules': {
        const body = content();
        const problems = body === undefined ? [{ reason: 'cannot be read' }] : judgeGitmodules(body);
        return this.problems(path, rule, this.onlyNew(path, problems, body, fresh));
      }
      case 'git-hooks':
        if (baseName(path).toLowerCase().endsWith('.sample')) return;
        this.refuse(
          hostFileRefusal(path, rule.id, "a git hook (only git's inert *.sample files may be written)", rule.reason),
        );
        return;
      case 'rebase-todo': {
        const body = content();
        const exec = body === undefined ? true : /^[ \t]*(exec|x)([ \t]|$)/m.test(body.toString('utf8'));
        if (exec)
          this.refuse(hostFileRefusal(path, rule.id, 'a todo list with exec lines (or unreadable)', rule.reason));
        return;
      }
      case 'git-pointer':
        return this.pointer(path, kind, rule, hit.gitDir, c);
    }
  }

  private problems(path: string, rule: HostExecutedRule, problems: readonly ConfigProblem[]): void {
    const first = problems[0];
    if (!first) return;
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more: ${problems
            .slice(1)
            .map((p) => p.key ?? p.reason)
            .join(', ')})`
        : '';
    this.refuse(hostFileRefusal(path, rule.id, `${first.reason}${more}`, rule.reason, first.key));
  }

  /**
   * Config problems of entries that were already in the file before the change are not the change's: the operator
   * (or an earlier approved change) put them there. `fresh`: the file is judged as new (its directory just became a
   * git directory), so everything counts.
   */
  private onlyNew(
    path: string,
    problems: readonly ConfigProblem[],
    body: Buffer | undefined,
    fresh: boolean,
  ): readonly ConfigProblem[] {
    const then = fresh ? undefined : this.before?.readFile(path);
    if (then === undefined || body === undefined || problems.length === 0) return problems;
    const old = parseGitConfig(then).result;
    const now = parseGitConfig(body).result;
    if (!old.ok || !now.ok) return problems;
    const count = new Map<string, number>();
    const id = (e: GitConfigEntry): string => `${e.name}\0${e.value === null ? '\u0001' : e.value}`;
    for (const e of old.value) count.set(id(e), (count.get(id(e)) ?? 0) + 1);
    /** Entries of the new file that were there before, by line (a repeated entry counts as often as it was there). */
    const kept = new Set<number>();
    for (const e of now.value) {
      const n = count.get(id(e)) ?? 0;
      if (n > 0) {
        count.set(id(e), n - 1);
        kept.add(e.line);
      }
    }
    return problems.filter((p) => p.line === undefined || !kept.has(p.line));
  }

  private config(
    path: string,
    rule: HostExecutedRule,
    body: Buffer | undefined,
    gitDir: string | undefined,
    fresh: boolean,
  ): void {
    if (body === undefined) {
      this.refuse(hostFileRefusal(path, rule.id, 'a git config that cannot be read here', rule.reason));
      return;
    }
    const configDir = parentOf(path);
    const submodule = gitDir !== undefined && this.isSubmoduleGitDir(configDir);
    const problems = judgeGitConfig(
      body,
      submodule
        ? {
            worktreeInside: (value) => {
              const t = resolvePointer(this.view, configDir, value);
              return t.inside;
            },
          }
        : {},
    );
    this.problems(path, rule, this.onlyNew(path, problems, body, fresh));
  }

  /** `<git dir>/modules/…/<dir>`: where `git submodule add` keeps a submodule's repository. */
  private isSubmoduleGitDir(dir: string): boolean {
    const segs = segmentsOf(dir) ?? [];
    for (let k = segs.length - 2; k >= 0; k--) {
      if ((segs[k] as string).toLowerCase() === 'modules' && this.isGitDir(segs.slice(0, k).join('/'))) return true;
    }
    return false;
  }

  private pointer(
    path: string,
    kind: EntryKind | ChangeKind,
    rule: HostExecutedRule,
    gitDir: string | undefined,
    c: HostFileChange | undefined,
  ): void {
    let target: string | undefined;
    if (kind === 'symlink') target = c?.linkTarget ?? this.view.readLink?.(path);
    else {
      const body = c?.content ?? this.view.readFile(path);
      if (body !== undefined) target = rule.id === 'git.dotgit' ? gitfileTarget(body) : pointerFileTarget(body);
    }
    if (target === undefined) {
      this.refuse(
        hostFileRefusal(path, rule.id, 'a git pointer that names no directory (or cannot be read)', rule.reason),
      );
      return;
    }
    // commondir is relative to the git directory; gitdir: and symlinks to the directory holding them.
    const base =
      rule.id === 'git.pointer' && baseName(path).toLowerCase() === 'commondir' && gitDir !== undefined
        ? gitDir
        : parentOf(path);
    const where = resolvePointer(this.view, base, target);
    if (!where.inside) {
      this.refuse(hostFileRefusal(path, rule.id, `points outside the workspace: ${where.why}`, rule.reason));
      return;
    }
    // What a pointer names is a git directory by definition, shaped yet or not: judged in full now (once shaped
    // later, the change that completes its shape judges it again).
    if (this.view.isDir(where.path) && !this.wasGitDir(where.path)) {
      this.gitDirCache.set(where.path, true);
      this.gitDir(where.path);
    }
  }

  /**
   * `p` (or a directory created on the way to it) may have completed the shape of a git directory above it: a
   * change under its `HEAD`, `objects`, `refs` or `commondir` judges that whole directory.
   */
  private afterShape(p: string): void {
    if (p === '') return;
    for (const g of ancestorsOf(p)) {
      const first = (relativeUnder(g, p) as string).split('/')[0] as string;
      if (SHAPE_NAMES.has(first.toLowerCase()) && this.isGitDir(g) && !this.wasGitDir(g)) this.gitDir(g);
    }
  }

  /** Everything host-executed in one git directory, as if just written. */
  gitDir(g: string): void {
    if (this.judgedGitDirs.has(g)) return;
    this.judgedGitDirs.add(g);
    const at = (...names: string[]): string => joinRel(g, ...names);
    const candidates = [
      at('config'),
      at('config.worktree'),
      at('commondir'),
      at('rebase-merge', 'git-rebase-todo'),
      at('sequencer', 'todo'),
    ];
    for (const w of this.view.list(at('worktrees')))
      candidates.push(at('worktrees', w, 'config.worktree'), at('worktrees', w, 'gitdir'));
    for (const p of candidates) this.path(p, this.kindInView(p), undefined, true);
    const hooks = at('hooks');
    const hooksKind = this.kindInView(hooks);
    if (hooksKind === 'dir') this.subtree(hooks, true);
    else this.path(hooks, hooksKind, undefined, true);
    // Submodule repositories: every `config` under modules/, and each one that is a git directory in full.
    const stack = [at('modules')];
    const modulesKind = this.kindInView(stack[0] as string);
    if (modulesKind !== 'dir') {
      this.path(stack[0] as string, modulesKind, undefined, true);
      return;
    }
    while (stack.length > 0) {
      const d = stack.pop() as string;
      const git = this.isGitDir(d);
      if (git && !this.wasGitDir(d)) this.gitDir(d);
      for (const name of this.view.list(d)) {
        const p = joinRel(d, name);
        const k = this.kindInView(p);
        if (k === 'dir') stack.push(p);
        else if (name.toLowerCase() === 'config' || k === 'symlink' || k === 'special')
          this.path(p, k, undefined, true);
      }
    }
  }
}

/**
 * Judges one change against the tree as it would be after it. Err names the first refusal (`judgeChanges` gives
 * them all); reasons say what, why, and that only the operator can approve it.
 */
export function judgeHostExecuted(
  change: HostFileChange,
  view: TreeView,
  options: JudgeOptions = {},
): Result<void, HostFileRefusal> {
  const r = judgeChanges([change], view, options);
  return r.ok ? r : err(r.error[0] as HostFileRefusal);
}

/** Judges a batch of changes against one view (the tree after all of them); each git directory is judged once. */
export function judgeChanges(
  changes: readonly HostFileChange[],
  view: TreeView,
  options: JudgeOptions = {},
): Result<void, readonly HostFileRefusal[]> {
  const j = new Judge(view, options.before);
  for (const c of changes) j.change(c);
  return j.refusals.length === 0 ? ok(undefined) : err(j.refusals);
}

/** Judges every git directory and every host-executed path of a whole tree (e.g. a workspace before first use). */
export function judgeTree(view: TreeView): Result<void, readonly HostFileRefusal[]> {
  return judgeChanges([{ path: '', kind: 'dir' }], view);
}
