/**
 * Applies a run's retained upper layer to the workspace exactly as judged (gate L11.7): each pre-image is
 * re-checked first (a file changed since the run is stale: nothing is applied), then moved into the journal,
 * and the new entries are moved in from the upper layer. Any failure (disk full, a vanished file) rolls back
 * everything done so far: nothing is half-applied.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
  nestedPath,
} from '../../core/index.js';
import { intoDisposablePath } from './decide.js';
import { copyPreImage, moveEntry } from './fs-moves.js';
import { sizeOf, type Journal, type JournalChange } from './journal.js';
import type { PathGlobs } from './path-globs.js';
import type { Effect, EffectSet, UpperDir, UpperEntry } from './types.js';
import { join } from './upper-scan.js';

export interface ApplyInput {
  readonly set: EffectSet;
  /** Host path of the retained upper layer. */
  readonly upper: string;
  /** Real path of the workspace. */
  readonly workspace: string;
  readonly journal: Journal;
  readonly disposable: PathGlobs;
  /** Owner given to applied entries (the workspace's owner). */
  readonly owner: { readonly uid: number; readonly gid: number };
  readonly meta: { tool: string; turn?: string; sessionId?: string; agentId?: string; command?: string };
}

export interface Applied {
  readonly journalId: string;
  readonly changes: readonly JournalChange[];
}

function applyError(code: string, message: string): BulwarkError {
  return bulwarkError(`exec.effects.${code}`, message, { layer: 'L11.7', status: 409 });
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT' || (cause as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw cause;
  }
}

/** A pre-image that no longer matches what the effect set recorded: the workspace changed since the run. */
export function staleness(set: EffectSet, workspace: string): string | undefined {
  for (const e of set.effects) {
    const at = e.change === 'renamed' ? e.from : e.path;
    if (!e.before || at === undefined) continue;
    const st = lstatOrUndefined(nestedPath(workspace, at));
    if (!st) return `${at} no longer exists`;
    if (
      st.ino !== e.before.ino ||
      (e.before.kind !== 'dir' && (st.size !== e.before.size || st.mtimeMs !== e.before.mtimeMs))
    )
      return `${at} changed after the command ran`;
  }
  return undefined;
}

/** The upper layer's regular file at a path, if there is one. */
function upperFileAt(root: UpperDir, rel: string): boolean {
  let dir: UpperDir | undefined = root;
  const names = rel.split('/');
  for (const [i, name] of names.entries()) {
    const e: UpperEntry | undefined = dir?.entries.get(name);
    if (i === names.length - 1) return e?.kind === 'file';
    dir = e?.kind === 'dir' ? e.dir : undefined;
  }
  return false;
}

/** Paths with an effect of their own other than a rename to them (their old content, if any, is journaled there). */
function writtenPaths(set: EffectSet): Set<string> {
  return new Set(set.effects.filter((e) => e.change !== 'renamed').map((e) => e.path));
}

/**
 * Renames applied by moving the workspace's own file to its new path (undo moves it back): nothing is copied into
 * the journal. Not when the file was also edited or its mode changed (the new path then takes the upper layer's
 * copy), nor when its old path was written again in the same run (that path's old content is journaled), nor when
 * it moves out of the user's files into a disposable path (its old path is journaled as deleted: a later run may
 * delete the disposable path without the journal).
 */
export function renamesInPlace(set: EffectSet, disposable: PathGlobs): Map<string, Effect> {
  const written = writtenPaths(set);
  const out = new Map<string, Effect>();
  for (const e of set.effects)
    if (
      e.change === 'renamed' &&
      e.from !== undefined &&
      !e.modified &&
      e.before?.kind === 'file' &&
      e.mode === e.before.mode &&
      !written.has(e.from) &&
      !intoDisposablePath(e, disposable) &&
      upperFileAt(set.root, e.path)
    )
      out.set(e.path, e);
  return out;
}

/**
 * Bytes the journal must keep for this apply (pre-images of non-disposable paths). A rename moved in place keeps
 * nothing, as does a file showing through a moved directory; any other rename keeps its old copy, and so does a
 * rename out of the user's files into a disposable path (a later run may delete it there without asking).
 */
export function preImageBytes(set: EffectSet, disposable: PathGlobs): number {
  const inPlace = renamesInPlace(set, disposable);
  const written = writtenPaths(set);
  const counted = (e: Effect) =>
    e.change !== 'renamed'
      ? !disposable.matches(e.path)
      : intoDisposablePath(e, disposable) ||
        // The old path is journaled as deleted (unless written again: counted there) and the upper layer's copy
        // placed at the new one.
        (!inPlace.has(e.path) &&
          upperFileAt(set.root, e.path) &&
          e.from !== undefined &&
          !written.has(e.from) &&
          !disposable.matches(e.from));
  return set.effects.reduce((n, e) => n + (e.before && counted(e) ? e.before.size : 0), 0);
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

function redirects(dir: UpperDir, out: Array<{ from: string; to: string }>): void {
  if (dir.redirected && dir.lowerSource !== undefined) out.push({ from: dir.lowerSource, to: dir.path });
  for (const e of dir.entries.values()) if (e.kind === 'dir') redirects(e.dir, out);
}

/** Applies the run's upper layer as this process's turn at the workspace (see `Journal.exclusive`). */
export function applyUpper(input: ApplyInput): Result<Applied, BulwarkError> {
  return input.journal.exclusive(input.workspace, () => applyHeld(input));
}

function applyHeld(input: ApplyInput): Result<Applied, BulwarkError> {
  const { set, upper, workspace, journal } = input;
  const stale = staleness(set, workspace);
  if (stale) return err(applyError('stale', `not applied: ${stale} (stale); nothing was changed`));
  const reserved = journal.reserve(workspace, preImageBytes(set, input.disposable));
  if (!reserved.ok) return reserved;
  const entry = journal.begin(workspace);
  const trash = childPath(entry.dir, 'disposable');
  const stage = childPath(entry.dir, 'moving');
  const undo: Array<() => void> = [];
  const changes: JournalChange[] = [];
  let blobs = 0;
  let kept = 0;
  const ws = (rel: string) => nestedPath(workspace, rel);

  /** Moves what is at a workspace path into the journal (or the disposable trash) and records how to put it back. */
  const preserve = (rel: string, change: JournalChange['change']) => {
    const abs = ws(rel);
    if (!lstatOrUndefined(abs)) return;
    const disposable = input.disposable.matches(rel);
    mkdirSync(trash, { recursive: true, mode: 0o700 });
    const name = String(blobs++);
    const dest = disposable ? childPath(trash, name) : childPath(entry.dir, name);
    const bytes = disposable ? 0 : sizeOf(abs);
    moveEntry(abs, dest);
    undo.push(() => moveEntry(dest, abs));
    if (!disposable) {
      kept += bytes;
      changes.push({ path: rel, change, blob: name, bytes });
    }
  };
  const place = (from: string, rel: string, change: JournalChange['change'], extra: Partial<JournalChange> = {}) => {
    moveEntry(from, ws(rel));
    undo.push(() => moveEntry(ws(rel), from));
    const st = lstatSync(ws(rel));
    if (st.uid !== input.owner.uid || st.gid !== input.owner.gid) lchownSync(ws(rel), input.owner.uid, input.owner.gid);
    // No set-id bits come out of a sandbox.
    if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) chmodSync(ws(rel), st.mode & 0o1777);
    if (!input.disposable.matches(rel) || change === 'moved-dir') changes.push({ path: rel, change, ...extra });
  };
  const byPath = new Map<string, Effect>(set.effects.map((e) => [e.path, e]));
  const inPlace = renamesInPlace(set, input.disposable);
  const inPlaceSlot = new Map([...inPlace.keys()].map((p, i) => [p, childPath(stage, `r${i}`)]));

  const walk = (dir: UpperDir) => {
    for (const [name, e] of dir.entries) {
      const rel = join(dir.path, name);
      const here = lstatOrUndefined(ws(rel));
      if (e.kind === 'whiteout') {
        if (here) preserve(rel, 'deleted');
        continue;
      }
      if (e.kind === 'dir') {
        const d = e.dir;
        if (d.redirected && d.lowerSource !== undefined) {
          if (here) preserve(rel, 'deleted');
          const i = moves.findIndex((m) => m.to === rel);
          const source = sources.get(i);
          place(childPath(stage, String(i)), rel, 'moved-dir', {
            from: d.lowerSource,
            ...(source !== undefined ? { source } : {}),
          });
          // Moved and chmodded in the same run (`chmod 750 d && mv d e`): the directory brought its old mode along.
          const moved = lstatSync(ws(rel)).mode & 0o7777;
          if (moved !== d.mode) {
            chmodSync(ws(rel), d.mode & 0o1777);
            undo.push(() => chmodSync(ws(rel), moved));
            changes.push({ path: rel, change: 'mode', mode: moved });
          }
        } else if (d.lowerSource === undefined) {
          // New, or replacing what was here (rm -rf, then mkdir): the old one goes to the journal.
          if (here) preserve(rel, 'deleted');
          mkdirSync(ws(rel), { mode: d.mode & 0o777 });
          undo.push(() => rmSync(ws(rel), { recursive: true, force: true }));
          if (input.owner.uid !== 0 || input.owner.gid !== 0) lchownSync(ws(rel), input.owner.uid, input.owner.gid);
          if (!input.disposable.matches(rel)) changes.push({ path: rel, change: 'dir' });
        } else if (here && (here.mode & 0o7777) !== d.mode) {
          // Merged in place (what is here now is the directory's lower side, wherever it came from).
          const before = here.mode & 0o7777;
          chmodSync(ws(rel), d.mode & 0o1777);
          undo.push(() => chmodSync(ws(rel), before));
          changes.push({ path: rel, change: 'mode', mode: before });
        }
        walk(d);
        continue;
      }
      const effect = byPath.get(rel);
      if (!effect) continue; // a rewrite with the same content: nothing to apply
      if (effect.change === 'mode' && here) {
        const before = here.mode & 0o7777;
        chmodSync(ws(rel), (effect.mode ?? before) & 0o1777);
        undo.push(() => chmodSync(ws(rel), before));
        changes.push({ path: rel, change: 'mode', mode: before });
        continue;
      }
      if (here) preserve(rel, effect.change === 'created' ? 'modified' : effect.change);
      if (inPlace.has(rel)) {
        place(inPlaceSlot.get(rel) as string, rel, 'renamed', { from: effect.from });
        continue;
      }
      const last = changes.at(-1);
      const blob = last?.path === rel ? last.blob : undefined;
      if (last?.path === rel) changes.pop();
      place(nestedPath(upper, rel), rel, effect.change, {
        ...(blob !== undefined ? { blob } : {}),
        ...(effect.from !== undefined ? { from: effect.from } : {}),
      });
    }
  };

  const moves: Array<{ from: string; to: string }> = [];
  redirects(set.root, moves);
  // A moved directory that takes user files into a disposable path is kept whole, as it was: only the journal can
  // bring those files back once a later run deletes them there. (A file moved on its own leaves a whiteout at its
  // old path, whose pre-image is journaled as a deletion.)
  const intoDisposable = set.effects.filter((e) => intoDisposablePath(e, input.disposable));
  const sources = new Map<number, string>();
  try {
    mkdirSync(stage, { mode: 0o700 });
    // Copies first, while every moved directory still holds all it held before the run.
    for (const [i, m] of moves.entries()) {
      if (!intoDisposable.some((e) => under(e.from as string, m.from))) continue;
      const name = String(blobs++);
      copyPreImage(ws(m.from), childPath(entry.dir, name));
      kept += sizeOf(childPath(entry.dir, name));
      sources.set(i, name);
    }
    // Files renamed in place are taken out first, before any directory moves away from under them or their old
    // path is journaled as deleted.
    for (const [rel, e] of inPlace) {
      const from = ws(e.from as string);
      const dest = inPlaceSlot.get(rel) as string;
      moveEntry(from, dest);
      undo.push(() => moveEntry(dest, from));
    }
    // Directories that move are taken out first, deepest first, so nested and swapped moves cannot collide.
    const order = moves
      .map((m, i) => ({ ...m, i }))
      .sort((a, b) => b.from.split('/').length - a.from.split('/').length);
    for (const m of order) {
      const dest = childPath(stage, String(m.i));
      moveEntry(ws(m.from), dest);
      undo.push(() => moveEntry(dest, ws(m.from)));
    }
    walk(set.root);
  } catch (cause) {
    const problems: string[] = [];
    for (const u of undo.reverse()) {
      try {
        u();
      } catch (rollback) {
        problems.push(describeCause(rollback));
      }
    }
    journal.abandon(workspace, entry.id);
    const full = (cause as NodeJS.ErrnoException).code === 'ENOSPC';
    return err(
      applyError(
        full ? 'disk_full' : 'apply_failed',
        `${full ? 'the disk filled up while applying the command’s changes' : `applying the command’s changes failed: ${describeCause(cause)}`}; ${
          problems.length
            ? `ROLLBACK INCOMPLETE (${problems.join('; ')}) — check the workspace`
            : 'everything was rolled back, nothing was applied'
        }`,
      ),
    );
  }
  rmSync(trash, { recursive: true, force: true });
  rmSync(stage, { recursive: true, force: true });
  const committed = journal.record(workspace, {
    id: entry.id,
    at: new Date().toISOString(),
    ...input.meta,
    changes,
    bytes: kept,
  });
  if (!committed.ok) return committed;
  return ok({ journalId: entry.id, changes });
}
