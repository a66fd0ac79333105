/**
 * Reads a run's retained upper layer against the workspace it was laid over and returns the effect set: the
 * upper tree (how overlayfs merged it: whiteouts, opaque and redirected directories) and, per path, what became
 * different. Read only after the run's cgroup is empty and the overlay unmounted, so nothing writes meanwhile.
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { nestedPath } from '../../core/index.js';
import type { DirXattrs } from './overlay-xattrs.js';
import type { Effect, EffectSet, PreImage, UpperDir, UpperEntry } from './types.js';

export interface ScanInput {
  /** Host path of the retained upper layer (its root is the workspace root). */
  readonly upper: string;
  /** Real path of the workspace (the lower layer). */
  readonly workspace: string;
  readonly xattrs: ReadonlyMap<string, DirXattrs>;
}

/** Largest pair of same-size files compared byte for byte to tell a no-op rewrite from a modification. */
const COMPARE_MAX = 8 * 1024 * 1024;

export function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** lstat, or undefined when the path (or a parent) is not there. */
export function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw cause;
  }
}

export function preImageOf(st: Stats): PreImage {
  return {
    ino: st.ino,
    size: st.size,
    mtimeMs: st.mtimeMs,
    mode: st.mode & 0o7777,
    kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'special',
  };
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Builds the upper tree: each directory with the workspace directory that shows through it. */
function readUpperDir(
  input: ScanInput,
  path: string,
  lowerSource: string | undefined,
  flags: { redirected: boolean; opaque: boolean },
  mode: number,
): UpperDir {
  const entries = new Map<string, UpperEntry>();
  const abs = nestedPath(input.upper, path);
  for (const name of readdirSync(abs).sort()) {
    const rel = join(path, name);
    const st = lstatSync(nestedPath(input.upper, rel));
    if (isWhiteout(st)) entries.set(name, { kind: 'whiteout' });
    else if (st.isFile()) {
      const originIno = input.xattrs.get(rel)?.originIno;
      entries.set(name, {
        kind: 'file',
        size: st.size,
        mode: st.mode & 0o7777,
        ...(originIno !== undefined ? { originIno } : {}),
      });
    } else if (st.isSymbolicLink())
      entries.set(name, { kind: 'symlink', target: readlinkSync(nestedPath(input.upper, rel)) });
    else if (st.isDirectory()) {
      const x = input.xattrs.get(rel);
      let source: string | undefined;
      if (x?.redirect !== undefined) {
        const r = x.redirect;
        source = r.startsWith('/')
          ? r.replace(/^\/+/, '')
          : lowerSource !== undefined
            ? join(lowerSource, r)
            : undefined;
        if (source !== undefined && !lstatOrUndefined(nestedPath(input.workspace, source))?.isDirectory())
          source = undefined;
      } else if (!x?.opaque && lowerSource !== undefined) {
        const candidate = join(lowerSource, name);
        if (lstatOrUndefined(nestedPath(input.workspace, candidate))?.isDirectory()) source = candidate;
      }
      const before = lstatOrUndefined(nestedPath(input.workspace, rel));
      const dir = readUpperDir(
        input,
        rel,
        source,
        {
          redirected: x?.redirect !== undefined && source !== undefined,
          opaque: !!x?.opaque && !!before?.isDirectory() && source === undefined,
        },
        st.mode & 0o7777,
      );
      entries.set(name, { kind: 'dir', dir });
    } else entries.set(name, { kind: 'special', mode: st.mode & 0o7777 });
  }
  return { path, lowerSource, redirected: flags.redirected, opaque: flags.opaque, mode, entries };
}

/** Read buffers of sameContent, shared: the scan is synchronous, and thousands of small files each allocating
 * two zeroed 64 KiB buffers cost more than reading them. */
const CHUNK = 64 * 1024;
const ba = Buffer.allocUnsafe(CHUNK);
const bb = Buffer.allocUnsafe(CHUNK);

function sameContent(a: string, b: string, size: number): boolean {
  if (size > COMPARE_MAX) return false;
  const fa = openSync(a, 'r');
  let fb: number | undefined;
  try {
    fb = openSync(b, 'r');
    for (let off = 0; off < size;) {
      const na = readSync(fa, ba, 0, ba.length, off);
      const nb = readSync(fb, bb, 0, bb.length, off);
      if (na !== nb || na === 0) return na === nb && off >= size;
      if (!ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      off += na;
    }
    return true;
  } finally {
    closeSync(fa);
    if (fb !== undefined) closeSync(fb);
  }
}

/** Every non-directory under a workspace path (itself, when it is not a directory), with its pre-image. */
function lowerFiles(workspace: string, rel: string, out: Map<string, PreImage>): void {
  const st = lstatOrUndefined(nestedPath(workspace, rel));
  if (!st) return;
  if (!st.isDirectory()) {
    out.set(rel, preImageOf(st));
    return;
  }
  for (const name of readdirSync(nestedPath(workspace, rel))) lowerFiles(workspace, join(rel, name), out);
}

interface Walk {
  readonly input: ScanInput;
  /** Pre-existing files no longer at their path with the same identity (deleted, replaced or moved away). */
  readonly gone: Map<string, PreImage>;
  /** Files that show at a new path from a moved directory: after path → before path. */
  readonly moved: Map<string, string>;
  /** Upper files copied up from a workspace file: path → that file's inode (overlay origin). */
  readonly origins: Map<string, number>;
  readonly effects: Effect[];
  bytes: number;
}

/** Lower entries that show through a moved directory at a new path: each one is a rename. */
function movedThrough(w: Walk, lower: string, merged: string, upper: UpperDir | undefined): void {
  for (const name of readdirSync(nestedPath(w.input.workspace, lower))) {
    if (upper?.entries.has(name)) continue;
    const st = lstatSync(nestedPath(w.input.workspace, join(lower, name)));
    if (st.isDirectory()) movedThrough(w, join(lower, name), join(merged, name), undefined);
    else w.moved.set(join(merged, name), join(lower, name));
  }
}

function walk(w: Walk, dir: UpperDir): void {
  const ws = w.input.workspace;
  const before = dir.path === '' ? undefined : lstatOrUndefined(nestedPath(ws, dir.path));
  // The directory no longer shows what the workspace had at this path: all of it is gone from here.
  if (dir.path !== '' && dir.lowerSource !== dir.path && before) lowerFiles(ws, dir.path, w.gone);
  if (dir.path !== '' && !before?.isDirectory())
    w.effects.push({ path: dir.path, change: 'dir', bytes: 0, mode: dir.mode });
  else if (before && dir.lowerSource === dir.path && (before.mode & 0o7777) !== dir.mode)
    w.effects.push({ path: dir.path, change: 'mode', bytes: 0, before: preImageOf(before), mode: dir.mode });
  if (dir.redirected && dir.lowerSource !== undefined) movedThrough(w, dir.lowerSource, dir.path, dir);
  for (const [name, e] of dir.entries) {
    const rel = join(dir.path, name);
    const upperAbs = nestedPath(w.input.upper, rel);
    // What the workspace had at this very path before the run (whatever showed through the directory).
    const prior = lstatOrUndefined(nestedPath(ws, rel));
    if (e.kind === 'dir') {
      if (prior && !prior.isDirectory()) w.gone.set(rel, preImageOf(prior));
      walk(w, e.dir);
      continue;
    }
    if (e.kind === 'whiteout') {
      if (prior) lowerFiles(ws, rel, w.gone);
      continue;
    }
    if (prior?.isDirectory()) lowerFiles(ws, rel, w.gone);
    const pre = prior && !prior.isDirectory() ? preImageOf(prior) : undefined;
    if (e.kind === 'file') {
      w.bytes += e.size;
      if (e.originIno !== undefined) w.origins.set(rel, e.originIno);
      if (pre?.kind === 'file' && pre.size === e.size && sameContent(nestedPath(ws, rel), upperAbs, e.size)) {
        if (pre.mode !== e.mode) w.effects.push({ path: rel, change: 'mode', bytes: 0, before: pre, mode: e.mode });
        continue;
      }
      if (pre) w.gone.set(rel, pre);
      w.effects.push({
        path: rel,
        change: pre?.kind === 'file' ? 'modified' : 'created',
        bytes: e.size,
        mode: e.mode,
        ...(pre ? { before: pre } : {}),
      });
    } else if (e.kind === 'symlink') {
      if (pre) w.gone.set(rel, pre);
      w.effects.push({ path: rel, change: 'symlink', bytes: 0, linkTarget: e.target, ...(pre ? { before: pre } : {}) });
    } else {
      if (pre) w.gone.set(rel, pre);
      w.effects.push({ path: rel, change: 'special', bytes: 0, mode: e.mode, ...(pre ? { before: pre } : {}) });
    }
  }
}

/**
 * The gone pre-existing file a new path was copied up from (its overlay origin names the inode), on the
 * workspace's own filesystem: the same file, moved (and perhaps edited).
 */
function followedFile(w: Walk, e: Effect, byIno: ReadonlyMap<number, string>): string | undefined {
  const ino = w.origins.get(e.path);
  const from = ino !== undefined ? byIno.get(ino) : undefined;
  if (from === undefined || !w.gone.has(from)) return undefined;
  const st = lstatOrUndefined(nestedPath(w.input.workspace, from));
  return st !== undefined && st.ino === ino && st.dev === lstatSync(w.input.workspace).dev ? from : undefined;
}

/**
 * A pre-existing file that reappears elsewhere is a rename, not a deletion: followed by its identity where the
 * overlay recorded it (origin: edited in place and moved, a rename with a modification), else by its content
 * (unchanged content at a new path — what a file replaced by a new one, as `sed -i` does, cannot show).
 */
function matchRenames(w: Walk): Effect[] {
  const out: Effect[] = [];
  for (const [after, from] of w.moved) {
    const pre = w.gone.get(from);
    if (!pre) continue;
    w.gone.delete(from);
    out.push({ path: after, change: 'renamed', from, bytes: 0, before: pre });
  }
  const bySize = new Map<number, string[]>();
  for (const [p, pre] of w.gone) {
    if (pre.kind !== 'file') continue;
    const same = bySize.get(pre.size);
    if (same) same.push(p);
    else bySize.set(pre.size, [p]);
  }
  const byIno = new Map<number, string>();
  for (const [p, pre] of w.gone) if (pre.kind === 'file') byIno.set(pre.ino, p);
  const kept: Effect[] = [];
  for (const e of w.effects) {
    const followed = e.change === 'created' ? followedFile(w, e, byIno) : undefined;
    if (followed !== undefined) {
      const pre = w.gone.get(followed) as PreImage;
      w.gone.delete(followed);
      const same =
        pre.size === e.bytes &&
        sameContent(nestedPath(w.input.workspace, followed), nestedPath(w.input.upper, e.path), e.bytes);
      kept.push({ ...e, change: 'renamed', from: followed, before: pre, ...(same ? {} : { modified: true }) });
      continue;
    }
    const candidates = e.change === 'created' ? bySize.get(e.bytes) : undefined;
    const hit = candidates?.find(
      (g) => w.gone.has(g) && sameContent(nestedPath(w.input.workspace, g), nestedPath(w.input.upper, e.path), e.bytes),
    );
    if (hit) {
      const pre = w.gone.get(hit) as PreImage;
      w.gone.delete(hit);
      kept.push({ ...e, change: 'renamed', from: hit, before: pre });
    } else kept.push(e);
  }
  // A path both gone (its old content) and written again (modified) is reported once, as written.
  const written = new Set(kept.filter((e) => e.before).map((e) => e.path));
  for (const [p, pre] of w.gone) if (!written.has(p)) out.push({ path: p, change: 'deleted', bytes: 0, before: pre });
  return [...kept, ...out];
}

export function scanUpper(input: ScanInput, rootXattrs: DirXattrs = { opaque: false }): EffectSet {
  const rootMode = lstatSync(input.workspace).mode & 0o7777;
  const root = readUpperDir(input, '', '', { redirected: false, opaque: rootXattrs.opaque }, rootMode);
  const w: Walk = { input, gone: new Map(), moved: new Map(), origins: new Map(), effects: [], bytes: 0 };
  walk(w, root);
  const effects = matchRenames(w).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { effects, bytesWritten: w.bytes, root };
}
