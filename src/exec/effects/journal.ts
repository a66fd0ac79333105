/**
 * The per-workspace undo journal: every applied deletion or modification keeps its pre-image here, outside the
 * workspace and every sandbox view (moved in by rename on the same filesystem, else copied). Entries are capped
 * in total size; the oldest are dropped first (audited by the caller). `undo` puts pre-images back.
 *
 *   <root>/<workspace key>/<entry id>/entry.json   what the entry changed
 *   <root>/<workspace key>/<entry id>/<n>          pre-image n (a file, a link or a whole directory)
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { fileClockAfter, parseFileClock } from './file-clock.js';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  randomHex,
  err,
  ok,
  type Result,
  childPath,
  isInside,
  nestedPath,
} from '../../core/index.js';
import { moveEntry } from './fs-moves.js';
import { DEFAULT_LOCK_WAIT_MS, lockFreeSoon, withWorkspaceLock } from './workspace-lock.js';
import { describeRefusals, fsTreeView, HOST_FILES_GATE, judgeChanges } from '../host-executed/index.js';
import { undoPlan, type UndoStep } from './undo-view.js';
import type { ChangeKind } from './types.js';

export interface JournalChange {
  readonly path: string;
  readonly change: ChangeKind | 'moved-dir';
  readonly from?: string;
  /** Name of the pre-image inside the entry's directory. */
  readonly blob?: string;
  /**
   * A moved directory's copy as it was before the move, inside the entry's directory: kept when the move took user
   * files into a disposable path, where a later run may delete them without the journal. Undo restores it.
   */
  readonly source?: string;
  /** Permission bits before (mode changes). */
  readonly mode?: number;
  readonly bytes?: number;
}

/** A path an undo could not put back, and why. */
export interface NotRestored {
  readonly path: string;
  readonly reason: string;
}

export interface UndoResult {
  /** Paths of the changes reversed. */
  readonly restored: readonly string[];
  readonly notRestored: readonly NotRestored[];
}

type Reversed = 'restored' | 'target-gone' | 'nothing';

/** The message an undo with paths it could not restore fails with (the rest was restored). */
export function notRestoredText(lost: readonly NotRestored[]): string {
  return `could not restore ${lost.map((l) => l.reason).join(', ')}; everything else of the undone entries was restored`;
}

export interface JournalEntry {
  readonly id: string;
  readonly at: string;
  readonly tool: string;
  readonly turn?: string;
  readonly sessionId?: string;
  readonly agentId?: string;
  readonly command?: string;
  readonly changes: readonly JournalChange[];
  /** Bytes of pre-images kept. */
  readonly bytes: number;
  /** Set once undone. */
  readonly undoneAt?: string;
  /**
   * Set when an undo reversed the entry but could not put these paths (changes' `path`) back: the entry stays
   * not undone, and the next undo retries only them (the rest was reversed, its pre-images used).
   */
  readonly unrestored?: readonly string[];
  /**
   * The kernel's file time just after the entry's changes (nanoseconds, decimal): every change of the entry is
   * earlier, every later change of the workspace at or after it. Entries written before it was kept compare with `at`.
   */
  readonly fileClock?: string;
}

/** What an undo of the entry still has to reverse. */
function pending(e: JournalEntry): JournalEntry {
  const left = e.unrestored;
  return left ? { ...e, changes: e.changes.filter((c) => left.includes(c.path)) } : e;
}

export interface JournalOptions {
  readonly root: string;
  readonly maxBytes: number;
  /** Called for each entry dropped to make room (the caller audits it). */
  readonly onDrop?: (workspace: string, entry: JournalEntry) => void;
  /** How long a change waits for another process changing the same workspace (default 10 s). */
  readonly lockWaitMs?: number;
}

function journalError(code: string, message: string, status = 400): BulwarkError {
  return bulwarkError(`journal.${code}`, message, { layer: 'L11.7', status });
}

/** Bytes a path occupies (a directory: all of it). */
export function sizeOf(p: string): number {
  const st = lstatSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdirSync(p)) n += sizeOf(childPath(p, name));
  return n;
}

export class Journal {
  constructor(private readonly o: JournalOptions) {}

  /** Journal directory of one workspace (created 0700). */
  dirOf(workspace: string): string {
    const key = createHash('sha256').update(workspace).digest('hex').slice(0, 24);
    const dir = childPath(this.o.root, key);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /**
   * Runs `fn` as this process's turn at changing `workspace` (an apply, a journaled write, an undo with the choice of
   * entries it undoes): another process's turn — the daemon's, a CLI's — is waited for, then refused.
   */
  exclusive<T>(workspace: string, fn: () => Result<T, BulwarkError>): Result<T, BulwarkError> {
    return withWorkspaceLock(this.lockFile(workspace), this.o.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, fn);
  }

  /** Waits, without blocking the event loop, until no other process has its turn at `workspace` (see lockFreeSoon). */
  turnFree(workspace: string): Promise<void> {
    return lockFreeSoon(this.lockFile(workspace), this.o.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  }

  private lockFile(workspace: string): string {
    return childPath(this.dirOf(workspace), 'lock');
  }

  /** Starts an entry: a directory pre-images are moved into; `commit` records it, `abandon` removes it. */
  begin(workspace: string): { readonly id: string; readonly dir: string } {
    const id = `${Date.now().toString().padStart(15, '0')}-${randomHex(4)}`;
    const dir = childPath(this.dirOf(workspace), id);
    mkdirSync(dir, { mode: 0o700 });
    return { id, dir };
  }

  commit(workspace: string, entry: JournalEntry): Result<void, BulwarkError> {
    try {
      writeFileAtomic(childPath(this.dirOf(workspace), entry.id, 'entry.json'), JSON.stringify(entry), 0o600);
      return ok(undefined);
    } catch (cause) {
      return err(journalError('write', `cannot record the journal entry: ${describeCause(cause)}`));
    }
  }

  /** Records a new entry with the file clock read after its changes (see `fileClock`). */
  record(workspace: string, entry: Omit<JournalEntry, 'fileClock'>): Result<void, BulwarkError> {
    let clock: bigint;
    try {
      clock = fileClockAfter(childPath(this.dirOf(workspace), 'clock'));
    } catch (cause) {
      return err(journalError('write', `cannot read the file clock for the journal entry: ${describeCause(cause)}`));
    }
    return this.commit(workspace, { ...entry, fileClock: clock.toString() });
  }

  abandon(workspace: string, id: string): void {
    rmSync(childPath(this.dirOf(workspace), id), { recursive: true, force: true });
  }

  /** Entries, oldest first (incomplete ones — no entry.json — are skipped). */
  list(workspace: string): JournalEntry[] {
    const dir = this.dirOf(workspace);
    const out: JournalEntry[] = [];
    for (const id of readdirSync(dir).sort()) {
      const f = childPath(dir, id, 'entry.json');
      if (existsSync(f)) out.push(JSON.parse(readFileSync(f, 'utf8')) as JournalEntry);
    }
    return out;
  }

  /** Total bytes of kept pre-images. */
  used(workspace: string): number {
    return this.list(workspace).reduce((n, e) => n + e.bytes, 0);
  }

  /** True when a pre-image of `bytes` fits in the journal (older entries are dropped to make room). */
  canKeep(bytes: number): boolean {
    return bytes <= this.o.maxBytes;
  }

  /** How many of the oldest entries reserve(workspace, bytes) would drop to make room (0: it fits as it is). */
  wouldDrop(workspace: string, bytes: number): number {
    if (bytes > this.o.maxBytes) return 0;
    const entries = this.list(workspace);
    let used = entries.reduce((n, e) => n + e.bytes, 0);
    let dropped = 0;
    for (const e of entries) {
      if (used + bytes <= this.o.maxBytes) break;
      used -= e.bytes;
      dropped++;
    }
    return dropped;
  }

  /**
   * Makes room for `bytes` of pre-images, dropping the oldest entries; refuses when even an empty journal is
   * too small (nothing is applied then).
   */
  reserve(workspace: string, bytes: number): Result<void, BulwarkError> {
    if (bytes > this.o.maxBytes)
      return err(
        journalError(
          'full',
          `the undo journal cannot keep this change: its pre-images are ${bytes} bytes, more than exec.journal.maxMb (${Math.floor(this.o.maxBytes / 1048576)} MiB) in all; nothing was applied. Raise exec.journal.maxMb, or make the change in smaller steps`,
        ),
      );
    const entries = this.list(workspace);
    let used = entries.reduce((n, e) => n + e.bytes, 0);
    for (const e of entries) {
      if (used + bytes <= this.o.maxBytes) break;
      this.abandon(workspace, e.id);
      used -= e.bytes;
      this.o.onDrop?.(workspace, e);
    }
    return ok(undefined);
  }

  pathOf(workspace: string, id: string, blob: string): string {
    return childPath(this.dirOf(workspace), id, blob);
  }

  /**
   * Undoes entries (newest first): `entries` must be the newest not-yet-undone entries of the workspace, so
   * nothing undone sits under a later change. Each change is reversed; the entry is marked undone. A path that could
   * not be put back (a renamed file or directory whose new path is gone, with no copy kept) is listed in
   * `notRestored`, never in `restored`: the caller reports it as a failure, and the entry stays not undone with
   * that path remembered (`unrestored`), so the next undo retries it.
   */
  undo(workspace: string, all: readonly JournalEntry[]): Result<UndoResult, BulwarkError> {
    return this.exclusive(workspace, () => this.undoHeld(workspace, all));
  }

  private undoHeld(workspace: string, all: readonly JournalEntry[]): Result<UndoResult, BulwarkError> {
    const entries = all.map(pending);
    const checked = this.checkUndo(workspace, entries);
    if (!checked.ok) return checked;
    const judged = this.judgeUndo(workspace, entries);
    if (!judged.ok) return judged;
    const restored: string[] = [];
    const notRestored: NotRestored[] = [];
    const original = new Map(all.map((e) => [e.id, e]));
    for (const e of [...entries].sort((a, b) => (a.id < b.id ? 1 : -1))) {
      const lost: JournalChange[] = [];
      const order = [...e.changes].reverse();
      for (const [i, c] of order.entries()) {
        const r = this.reverse(workspace, e, c);
        if (!r.ok) {
          // Stopped part-way (a full disk): what was put back stays put back, and the entry remembers the rest, so
          // the next undo goes on from here instead of asking for pre-images already used.
          const { unrestored: _was, ...entry } = original.get(e.id) ?? e;
          const rest = [...lost, ...order.slice(i)].map((x) => x.path);
          const marked = this.commit(workspace, { ...entry, unrestored: rest });
          return marked.ok ? r : marked;
        }
        if (r.value === 'restored') restored.push(c.path);
        else if (r.value === 'target-gone') lost.push(c);
      }
      // Another change of the entry may have put the old path back (a file moved away is also kept as deleted).
      const left: string[] = [];
      for (const c of lost) {
        const back = c.from !== undefined ? guardedPath(workspace, c.from) : undefined;
        if (back?.ok && lstatSync(back.value, { throwIfNoEntry: false })) restored.push(c.path);
        else {
          left.push(c.path);
          notRestored.push({
            path: c.from ?? c.path,
            reason: `${c.from ?? c.path} (moved to ${c.path}, which is gone; no copy was kept)`,
          });
        }
      }
      const { unrestored: _was, ...entry } = original.get(e.id) ?? e;
      const marked = this.commit(
        workspace,
        left.length ? { ...entry, unrestored: left } : { ...entry, undoneAt: new Date().toISOString() },
      );
      if (!marked.ok) return marked;
    }
    return ok({ restored, notRestored });
  }

  /**
   * Refuses an undo before it changes anything: a pre-image missing from the journal, a path whose parent now
   * leads outside the workspace, or a file changed after the entry that would restore it (undo would overwrite
   * that later work). A path touched by several of the entries is checked against the newest one.
   */
  private checkUndo(workspace: string, entries: readonly JournalEntry[]): Result<void, BulwarkError> {
    const newest = new Map<string, JournalEntry>();
    for (const e of [...entries].sort((a, b) => (a.id < b.id ? 1 : -1)))
      for (const c of e.changes) if (!newest.has(c.path)) newest.set(c.path, e);
    // Paths where one of these entries leaves a directory, and every path they journal (checked on its own).
    const expectsDir = new Set<string>();
    const journaled = new Set<string>();
    for (const e of entries)
      for (const c of e.changes) {
        journaled.add(c.path);
        if (c.from !== undefined) journaled.add(c.from);
        if (c.change === 'dir' || c.change === 'moved-dir') expectsDir.add(c.path);
      }
    for (const e of entries)
      for (const c of e.changes) {
        const at = guardedPath(workspace, c.path);
        if (!at.ok)
          return err(journalError(at.error.code.replace(/^journal\./, ''), `${at.error.message}; nothing was undone`));
        const kept = [c.blob, c.source].filter((b): b is string => b !== undefined);
        if (kept.some((b) => !lstatSync(this.pathOf(workspace, e.id, b), { throwIfNoEntry: false })))
          return err(
            journalError(
              'missing_pre_image',
              `the pre-image of ${c.path} is gone from the journal (entry ${e.id}); nothing was undone`,
            ),
          );
        if (newest.get(c.path) !== e || c.change === 'mode') continue;
        // The inode change time: set when the change was applied, before the entry was recorded, and not settable by
        // a command (a future mtime must not make its change un-undoable); later means someone changed it since.
        const since = changedSince(e);
        for (const rel of c.from !== undefined ? [c.path, c.from] : [c.path]) {
          const p = guardedPath(workspace, rel);
          const now = p.ok ? lstatSync(p.value, { bigint: true, throwIfNoEntry: false }) : undefined;
          // Undo removes what stands at these paths recursively: a directory there must be the entry's own, and hold
          // nothing changed after it (a directory's own times move with every entry inside, so its contents are read).
          const later =
            now === undefined
              ? undefined
              : !now.isDirectory()
                ? since(now)
                  ? { rel, ctimeNs: now.ctimeNs }
                  : undefined
                : !expectsDir.has(rel)
                  ? { rel, ctimeNs: now.ctimeNs }
                  : changedInside(workspace, rel, since, journaled);
          if (later)
            return err(
              journalError(
                'stale',
                `${later.rel} was changed after entry ${e.id} (${new Date(Number(later.ctimeNs / 1_000_000n)).toISOString()}, entry at ${e.at}); undo would overwrite that change, so nothing was undone`,
                409,
              ),
            );
        }
      }
    return ok(undefined);
  }

  /**
   * Undo is a write path like the tools and exec (L11.7): the workspace as the undo would leave it is judged for
   * host-executed files before anything changes — putting a renamed directory back can complete a git directory
   * whose config was written while it did not look like one.
   */
  private judgeUndo(workspace: string, entries: readonly JournalEntry[]): Result<void, BulwarkError> {
    const steps: UndoStep[] = [];
    for (const e of [...entries].sort((a, b) => (a.id < b.id ? 1 : -1))) {
      const entryDir = childPath(this.dirOf(workspace), e.id);
      for (const c of [...e.changes].reverse()) {
        if (c.change === 'renamed' || c.change === 'moved-dir') {
          if (c.from === undefined || c.from === c.path) continue;
          if (c.source !== undefined) {
            steps.push({ kind: 'remove', path: c.path });
            steps.push({ kind: 'restore', path: c.from, entryDir, blob: c.source });
          } else steps.push({ kind: 'move', from: c.path, to: c.from });
        } else if (c.change === 'mode') {
          if (c.mode !== undefined) steps.push({ kind: 'mode', path: c.path, mode: c.mode });
        } else {
          steps.push({ kind: 'remove', path: c.path });
          if (c.blob !== undefined) steps.push({ kind: 'restore', path: c.path, entryDir, blob: c.blob });
        }
      }
    }
    const root = realpathSync(workspace);
    const plan = undoPlan(root, steps);
    const judged = judgeChanges(plan.changes, plan.view, { before: fsTreeView(root) });
    if (judged.ok) return ok(undefined);
    return err(
      journalError(
        'host_file',
        `the undo would leave a file the host executes (${HOST_FILES_GATE}); nothing was undone.\n${describeRefusals(judged.error)}\nRemove or fix the file named above (it was written after the entries being undone), then undo again.`,
        403,
      ),
    );
  }

  /** Reverses one change; says whether it put something back, or could not because the moved entry is gone. */
  private reverse(workspace: string, e: JournalEntry, c: JournalChange): Result<Reversed, BulwarkError> {
    const at = guardedPath(workspace, c.path);
    if (!at.ok) return at;
    try {
      if (c.change === 'renamed' || c.change === 'moved-dir') {
        // Moved away and back in one run (`mv d x && mv x d`): the overlay records a rename onto itself; nothing moves.
        if (c.from === undefined || c.from === c.path) return ok('restored');
        const back = guardedPath(workspace, c.from);
        if (!back.ok) return back;
        if (c.source !== undefined) {
          // The copy kept at apply: what the moved directory held then, whatever happened to it since.
          putBack(this.pathOf(workspace, e.id, c.source), back.value);
          rmSync(at.value, { recursive: true, force: true });
          return ok('restored');
        }
        if (!lstatSync(at.value, { throwIfNoEntry: false })) return ok('target-gone');
        rmSync(back.value, { recursive: true, force: true });
        moveEntry(at.value, back.value);
        return ok('restored');
      }
      if (c.change === 'mode') {
        // A file that is gone has no mode to put back (nor is it restored).
        if (c.mode === undefined || !existsSync(at.value)) return ok('nothing');
        chmodSync(at.value, c.mode);
        return ok('restored');
      }
      const blob = c.blob !== undefined ? this.pathOf(workspace, e.id, c.blob) : undefined;
      if (blob !== undefined && existsSync(blob)) putBack(blob, at.value);
      else rmSync(at.value, { recursive: true, force: true });
      return ok('restored');
    } catch (cause) {
      return err(journalError('undo', `cannot restore ${c.path}: ${describeCause(cause)}`));
    }
  }
}

/**
 * Puts a kept pre-image back at `at`: first moved beside it under a temporary name (a copy when the journal is on
 * another filesystem — the step that can fail, with a full disk), and only then is what stands at `at` replaced by a
 * rename. A failed copy leaves both the workspace and the journal's pre-image as they were.
 */
function putBack(kept: string, at: string): void {
  mkdirSync(path.dirname(at), { recursive: true });
  const staged = `${at}.bulwark-undo-${randomHex(6)}`;
  moveEntry(kept, staged);
  try {
    rmSync(at, { recursive: true, force: true });
    renameSync(staged, at);
  } catch (cause) {
    // The pre-image goes back to the journal, so a later undo can still use it.
    moveEntry(staged, kept);
    throw cause;
  }
}

/**
 * A workspace path for an undo: its parent must resolve inside the workspace (a symlink planted after the change
 * must not make the daemon write elsewhere); the last name itself is replaced, never followed.
 */
function guardedPath(workspace: string, rel: string): Result<string, BulwarkError> {
  let abs: string;
  try {
    abs = nestedPath(workspace, rel);
  } catch {
    return err(journalError('bad_path', `the journal names an invalid path: ${rel}`));
  }
  let dir = path.dirname(abs);
  while (!existsSync(dir) && dir !== workspace) dir = path.dirname(dir);
  if (!isInside(realpathSync(workspace), realpathSync(dir)))
    return err(journalError('escape', `${rel}: a parent directory now leads outside the workspace; not restored`));
  return ok(abs);
}

/** Most entries read below a directory before an undo gives up and calls it changed. */
const MAX_UNDO_SCAN = 100_000;

type ChangedSince = (st: BigIntStats) => boolean;

/** Whether an inode changed after the entry: its file clock, or for older entries its wall-clock time. */
function changedSince(e: JournalEntry): ChangedSince {
  const clock = parseFileClock(e.fileClock);
  if (clock !== undefined) return (st) => st.ctimeNs >= clock;
  const at = BigInt(Date.parse(e.at) + 1) * 1_000_000n;
  return (st) => st.ctimeNs >= at;
}

/**
 * The first entry below `rel` (not itself journaled) whose inode changed after the entry: a file or directory
 * someone added, moved in or edited since. Reading stops at MAX_UNDO_SCAN entries, which counts as changed.
 */
function changedInside(
  workspace: string,
  rel: string,
  since: ChangedSince,
  journaled: ReadonlySet<string>,
): { rel: string; ctimeNs: bigint } | undefined {
  const stack = [rel];
  let seen = 0;
  while (stack.length) {
    const dir = stack.pop() as string;
    let names: string[];
    try {
      names = readdirSync(nestedPath(workspace, dir));
    } catch {
      // Unreadable now, so not as the entry left it: refuse rather than remove what cannot be seen.
      return { rel: dir, ctimeNs: BigInt(Date.now()) * 1_000_000n };
    }
    for (const name of names) {
      const child = `${dir}/${name}`;
      if (++seen > MAX_UNDO_SCAN) return { rel: child, ctimeNs: BigInt(Date.now()) * 1_000_000n };
      if (journaled.has(child)) continue;
      const st = lstatSync(nestedPath(workspace, child), { bigint: true });
      if (since(st)) return { rel: child, ctimeNs: st.ctimeNs };
      if (st.isDirectory()) stack.push(child);
    }
  }
  return undefined;
}
