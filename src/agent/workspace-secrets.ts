/**
 * L08.1 taint by provenance: whether a workspace holds a vault value anywhere, so a session whose exec run could
 * read it counts as having seen it, whatever the run printed (compressed, interleaved, transformed: forms the leak
 * index cannot know). Each regular file is read in bounded chunks and scanned with the leak index; what was found
 * is cached per workspace by path with (ino, size, mtimeMs, ctimeMs), so a later walk only stats unchanged files.
 *
 * A file whose bytes are compressed (git loose objects and packs, gzip, zip) is also read as it inflates
 * (`compressed-reading/`), within the walk's byte budget and caps.
 *
 * Fail closed: a file or directory the daemon cannot read, a tree with more files than one walk visits, and
 * compressed content past the budget or a cap, count as holding a value. Symbolic links are not followed (the sandbox sees only the workspace, whose links it resolves
 * there; a link's target inside the workspace is walked as itself). FIFOs, sockets and devices are not read.
 */
import { constants } from 'node:fs';
import { open, lstat, readdir, realpath } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { fileSource, bufferSource } from './compressed-reading/byte-source.js';
import { readCompressed, TAR_HEAD } from './compressed-reading/compressed-content.js';
import { formatOf } from './compressed-reading/formats.js';
import { hasZipEnd } from './compressed-reading/zip-entries.js';
import type { ReadingContext, ReadingLimits } from './compressed-reading/reading-context.js';
import { isTar } from './compressed-reading/tar-members.js';
import { TextScan } from './compressed-reading/text-scan.js';
import {
  bulwarkError,
  type BulwarkError,
  childPath,
  describeCause,
  err,
  type LeakScanner,
  ok,
  relativeTo,
  type Result,
} from '../core/index.js';
import { cappedWhy, type WrittenFile, type WrittenFileStore, writtenReason } from './written-file-store.js';

export interface WorkspaceFinding {
  /** Workspace-relative path of the first file that holds a value (or could not be read); '' for the tree. */
  readonly path: string;
  /** Why the workspace counts as holding a value, naming the file, never the value. */
  readonly reason: string;
}

export interface WorkspaceWalk {
  readonly finding?: WorkspaceFinding;
  /** Files read and scanned in this walk (new or changed since the last one). */
  readonly scanned: number;
  /** Files only stat'ed (unchanged since they were scanned). */
  readonly cached: number;
}

export interface WorkspaceSecretsOptions {
  /** Files one walk visits; past it the workspace counts as holding a value. */
  readonly maxFiles?: number;
  /** Bytes read per chunk. */
  readonly chunkBytes?: number;
  /** Bytes one walk reads at most, raw and inflated; past it the workspace counts as holding a value. */
  readonly maxBytes?: number;
  /** Compressed objects (streams, zip entries, git objects) one walk inflates; past it likewise. */
  readonly maxObjects?: number;
  /** Deltas applied on one another to rebuild one git object; a deeper chain counts as holding a value. */
  readonly maxDeltaDepth?: number;
  /** Inflated bytes held in memory at once (a git delta chain, an archive inside an archive); past it likewise. */
  readonly maxHeldBytes?: number;
  /**
   * How many forms the leak index holds: it only grows, so a change means values were added and every file is read
   * again; 0 means no value can be found and nothing is walked.
   */
  readonly indexSize?: () => number;
  /**
   * Where the files written by tainted sessions' runs are kept (a restart must not forget them); without one (tests,
   * tools) they are kept in memory only.
   */
  readonly writtenStore?: WrittenFileStore;
}

export const DEFAULT_SCAN_MAX_FILES = 20_000;
/** A sparse or growing file cannot keep a walk (and every egress check waiting for it) reading for ever. */
export const DEFAULT_SCAN_MAX_BYTES = 1024 * 1024 * 1024;
/** Git itself packs with chains of at most 50 (also `gc --aggressive`); room for packs made with a deeper one. */
export const DEFAULT_SCAN_MAX_DELTA_DEPTH = 256;
/** Each git pack object is noted for the second pass: this bounds that memory too. */
export const DEFAULT_SCAN_MAX_OBJECTS = 1_000_000;
export const DEFAULT_SCAN_MAX_HELD_BYTES = 256 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** Workspaces whose file cache is kept (a cache: forgetting one only costs a rescan). */
const CACHED_WORKSPACES = 64;

interface FileMark {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** Name of the secret found in it, or undefined. */
  readonly secret: string | undefined;
  /** Found only once inflated. */
  readonly compressed: boolean;
  /**
   * Why the file counts as holding a value without one found (past the walk's byte budget or a cap). Kept like a
   * finding: reading it again could only clear it with more budget, and a workspace past 1 GiB would then be read
   * up to the budget again by every walk (every new session's first run).
   */
  readonly hold?: string;
}

interface WalkBudget {
  left: number;
  objects: number;
}

const stamp = (s: Stats) => ({ ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs });

type Stamp = ReturnType<typeof stamp>;

/** Files written per workspace that count as holding a value while unchanged, at most (the oldest go first). */
export const MAX_WRITTEN_FILES = 100_000;

/** Per file: its stamp and the run's reason (one string shared by all the files a run marked). */
type Written = Map<string, Stamp & { readonly why: string }>;

const unchanged = (m: Stamp, s: Stats) =>
  m.ino === s.ino && m.size === s.size && m.mtimeMs === s.mtimeMs && m.ctimeMs === s.ctimeMs;

/** A directory's entries; undefined when it is gone or no longer a directory (a run changed the tree meanwhile). */
async function entriesOf(dir: string): Promise<Dirent[] | undefined> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    const c = code(cause);
    if (c === 'ENOENT' || c === 'ENOTDIR') return undefined;
    throw cause;
  }
}

/**
 * Whether a listed name can be joined to its directory (`childPath`). A file named with a backslash (a plain name on
 * Linux) cannot: marking passes it over, since a walk cannot name it either and counts the workspace as holding a
 * value while it is there. Passing it over keeps it from ending the marking of the run's other files.
 */
const plainName = (n: string): boolean => n !== '' && n !== '.' && n !== '..' && !/[/\\\0]/.test(n);

/** Resolves once `p` has settled, either way (its outcome is its own caller's to handle). */
const settled = (p: Promise<unknown>): Promise<void> => Promise.allSettled([p]).then(() => undefined);

/**
 * Whether a listed entry's name is not UTF-8: Node reads each byte that is not as U+FFFD, and the text it gives names
 * no file (lstat finds nothing there). Such an entry cannot be read, nor a directory's files listed, by that name.
 */
async function notUtf8Name(p: string, name: string): Promise<boolean> {
  if (!name.includes('\uFFFD')) return false;
  try {
    await lstat(p);
    return false;
  } catch (cause) {
    if (code(cause) === 'ENOENT') return true;
    throw cause;
  }
}

const code = (cause: unknown): string | undefined =>
  typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;

export class WorkspaceSecrets {
  private readonly marks = new Map<string, { readonly indexSize: number; readonly files: Map<string, FileMark> }>();
  private readonly running = new Map<string, Promise<Result<WorkspaceWalk, BulwarkError>>>();
  /**
   * Files a run of a tainted session wrote: they count as holding a value while unchanged, whatever they read as
   * now (the run may have re-encoded the value it saw in them, `tr a-z b-za`, for a later session to undo). Kept
   * apart from the read cache, which a new vault value empties. With a store, this is a cache in front of it (loaded
   * per workspace at its first walk or mark after a start, or after it was pushed out); the store is what counts.
   */
  private readonly written = new Map<string, Written>();
  private readonly writtenStore: WrittenFileStore | undefined;
  /** Markings under way per workspace: a walk or a reader of a mark waits for them (a run's files are marked after it). */
  private readonly marking = new Map<string, Set<Promise<void>>>();
  private readonly maxFiles: number;
  private readonly chunkBytes: number;

  constructor(
    private readonly scanner: LeakScanner,
    options: WorkspaceSecretsOptions = {},
  ) {
    this.maxFiles = options.maxFiles ?? DEFAULT_SCAN_MAX_FILES;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.maxBytes = options.maxBytes ?? DEFAULT_SCAN_MAX_BYTES;
    this.indexSize = options.indexSize;
    this.writtenStore = options.writtenStore;
    this.limits = {
      maxBytes: this.maxBytes,
      maxObjects: options.maxObjects ?? DEFAULT_SCAN_MAX_OBJECTS,
      maxDeltaDepth: options.maxDeltaDepth ?? DEFAULT_SCAN_MAX_DELTA_DEPTH,
      maxHeldBytes: options.maxHeldBytes ?? DEFAULT_SCAN_MAX_HELD_BYTES,
    };
  }

  private readonly limits: ReadingLimits;

  private readonly indexSize: (() => number) | undefined;
  private readonly maxBytes: number;

  /**
   * Walks `workspace` (a real path) and stops at the first file holding a value. A walk of the same workspace
   * already under way is joined. Err only when the walk itself broke (the caller fails closed on it).
   */
  walk(workspace: string): Promise<Result<WorkspaceWalk, BulwarkError>> {
    // What another session's run wrote is marked after that run: its marking first, so the walk sees the marks (and
    // before joining a walk, so a marking that waits for a walk of its own cannot wait for itself).
    const set = this.marking.get(workspace);
    return set ? this.marked(workspace).then(() => this.walkJoined(workspace)) : this.walkJoined(workspace);
  }

  private walkJoined(workspace: string): Promise<Result<WorkspaceWalk, BulwarkError>> {
    const known = this.running.get(workspace);
    if (known) return known;
    const started = this.walkOnce(workspace).finally(() => this.running.delete(workspace));
    this.running.set(workspace, started);
    return started;
  }

  /** The written-file marks of `workspace`, from the store when they are not in memory (most recently used last). */
  private async writtenOf(workspace: string): Promise<Written> {
    const known = this.written.get(workspace);
    this.written.delete(workspace);
    let marks = known;
    if (!marks) {
      marks = new Map();
      for (const f of (await this.writtenStore?.load(workspace)) ?? []) {
        const { path, ...mark } = f;
        marks.set(path, mark);
      }
      // Loaded meanwhile by another call: that one is kept (it may hold marks made since).
      const raced = this.written.get(workspace);
      if (raced) marks = raced;
      this.written.delete(workspace);
      if (this.written.size >= CACHED_WORKSPACES) {
        const oldest = this.written.keys().next();
        if (!oldest.done) this.written.delete(oldest.value);
      }
    }
    this.written.set(workspace, marks);
    return marks;
  }

  /**
   * Forgets the written-file marks of every workspace whose directory no longer exists (an agent removed, its
   * workspace moved): no file there can match a mark again, and the store would keep the rows for ever. Run at the
   * daemon's start, before any session; the workspaces forgotten, or the store's failure.
   */
  async forgetGoneWorkspaces(): Promise<Result<readonly string[], BulwarkError>> {
    const gone: string[] = [];
    try {
      for (const workspace of (await this.writtenStore?.workspaces()) ?? []) {
        let st: Stats | undefined;
        try {
          st = await lstat(workspace);
        } catch (cause) {
          const c = code(cause);
          if (c !== 'ENOENT' && c !== 'ENOTDIR') throw cause;
        }
        if (st?.isDirectory()) continue;
        await this.writtenStore?.forget(workspace);
        this.written.delete(workspace);
        gone.push(workspace);
      }
    } catch (cause) {
      return err(
        bulwarkError(
          'taint.written_prune',
          `forgetting the written-file marks of removed workspaces failed: ${describeCause(cause)}; the marks stay (they cost only space) and are looked at again at the next start`,
          { layer: 'L08.1' },
        ),
      );
    }
    return ok(gone);
  }

  /** Forgets marks of files changed again or gone, in memory and in the store. */
  private async unmark(workspace: string, marks: Written, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    for (const name of names) marks.delete(name);
    await this.writtenStore?.drop(workspace, names);
  }

  /**
   * Marks every file of `workspace` changed since `sinceMs` (its ctime, which a run cannot set back) as written by a
   * run of a session that had seen secret material (`why`): later walks count it as holding a value while it is
   * unchanged, across restarts when there is a store. Links and special files are not followed; a tree past the
   * walk's file cap is marked up to it. `changed`: the paths the run changed as its copy-on-write view's effects name
   * them (workspace-relative); only those are looked at (a directory among them is walked), not the whole tree.
   */
  markWritten(workspace: string, sinceMs: number, why: string, changed?: readonly string[]): Promise<void> {
    const marking = this.markNow(workspace, sinceMs, why, changed);
    this.markingUnderWay(workspace, marking);
    return marking;
  }

  /**
   * `marking` will mark files of `workspace` (a run's files, once it ended): walks and readers of marks that start
   * before it settles wait for it. Called as soon as the run ended, so no other session reads its files unmarked.
   */
  markingUnderWay(workspace: string, marking: Promise<unknown>): void {
    const set = this.marking.get(workspace) ?? new Set<Promise<void>>();
    this.marking.set(workspace, set);
    const done: Promise<void> = settled(marking).then(() => {
      set.delete(done);
      if (set.size === 0 && this.marking.get(workspace) === set) this.marking.delete(workspace);
    });
    set.add(done);
  }

  /** Resolves once the markings under way in `workspace` when it was called have settled. */
  private async marked(workspace: string): Promise<void> {
    const set = this.marking.get(workspace);
    if (set) await Promise.all([...set]);
  }

  /**
   * Why `file` (a real path inside `workspace`, which may lie under a link) counts as holding a value because a run of a tainted session
   * wrote it and it is unchanged since, or undefined; waits for the markings under way in the workspace first. A tool
   * that shows a file's content (read) or answers from it (edit) asks this as a run's walk does.
   */
  async writtenReason(workspace: string, file: string): Promise<string | undefined> {
    await this.marked(workspace);
    const marks = await this.writtenOf(workspace);
    // `file` is a real path (safePath resolves links); the marks are named from the workspace as configured, which may
    // lie under a link (a data directory reached through one): named from the workspace's real path, they agree.
    const name = relativeTo(await realpath(workspace), file)
      .split('\\')
      .join('/');
    const wrote = marks.get(name);
    if (!wrote) return undefined;
    let st: Stats;
    try {
      st = await lstat(file);
    } catch (cause) {
      if (code(cause) === 'ENOENT') return undefined;
      throw cause;
    }
    if (unchanged(wrote, st)) return writtenReason(name, wrote.why);
    await this.unmark(workspace, marks, [name]);
    return undefined;
  }

  private async markNow(workspace: string, sinceMs: number, why: string, changed?: readonly string[]): Promise<void> {
    const marks = await this.writtenOf(workspace);
    const found: WrittenFile[] = [];
    const short = cappedWhy(why);
    let files = 0;
    const consider = async (p: string): Promise<void> => {
      let st: Stats;
      try {
        st = await lstat(p);
      } catch (cause) {
        if (code(cause) === 'ENOENT' || code(cause) === 'ENOTDIR') return;
        throw cause;
      }
      if (!st.isFile() || st.ctimeMs < sinceMs) return;
      const name = relativeTo(workspace, p).split('\\').join('/');
      found.push({ path: name, ...stamp(st), why: short });
    };
    const dirs: string[] = [];
    if (changed === undefined) dirs.push(workspace);
    else
      for (const rel of new Set(changed)) {
        const parts = rel.split('/').filter((s) => s.length > 0);
        if (!parts.every(plainName)) continue;
        const p = childPath(workspace, ...parts);
        let st: Stats | undefined;
        try {
          st = await lstat(p);
        } catch (cause) {
          if (code(cause) !== 'ENOENT' && code(cause) !== 'ENOTDIR') throw cause;
        }
        if (st?.isDirectory()) dirs.push(p);
        else if (st?.isFile() && files++ < this.maxFiles) await consider(p);
      }
    for (let dir = dirs.pop(); dir !== undefined && files < this.maxFiles; dir = dirs.pop()) {
      const entries = await entriesOf(dir);
      for (const e of entries ?? []) {
        if (!plainName(e.name)) continue;
        const p = childPath(dir, e.name);
        if (e.isDirectory()) dirs.push(p);
        if (!e.isFile()) continue;
        files += 1;
        await consider(p);
      }
    }
    if (found.length === 0) return;
    // A mark the store could not keep is an error for the caller (which taints its session), and still a memory: the
    // sessions that walk this workspace later, before a restart, count the file too.
    const kept = this.writtenStore?.put(workspace, found, MAX_WRITTEN_FILES).then(
      () => undefined,
      (cause: unknown) => ({ cause }),
    );
    const failed = await kept;
    for (const { path, ...mark } of found) {
      marks.delete(path);
      marks.set(path, mark);
      if (marks.size > MAX_WRITTEN_FILES) marks.delete(marks.keys().next().value as string);
    }
    if (failed) throw failed.cause;
  }

  /** Name of the secret whose value `text` holds in a form the leak index knows, or undefined. */
  holds(text: string): string | undefined {
    return this.scanner.scan(text)[0]?.secretName;
  }

  private cacheOf(workspace: string, indexSize: number): Map<string, FileMark> {
    const m = this.marks.get(workspace);
    this.marks.delete(workspace);
    // Values added since the files were read: what was clean may hold one now.
    if (m && m.indexSize === indexSize) {
      // Most recently used last, so the oldest is dropped first.
      this.marks.set(workspace, m);
      return m.files;
    }
    if (this.marks.size >= CACHED_WORKSPACES) {
      const oldest = this.marks.keys().next();
      if (!oldest.done) this.marks.delete(oldest.value);
    }
    const files = new Map<string, FileMark>();
    this.marks.set(workspace, { indexSize, files });
    return files;
  }

  private async walkOnce(workspace: string): Promise<Result<WorkspaceWalk, BulwarkError>> {
    const indexSize = this.indexSize?.() ?? -1;
    // No value is known: none can be found, and a tree over the file cap holds none either — unless files written by
    // a tainted session's run are on record (kept from before a restart, when the index may not be filled yet).
    if (indexSize === 0) {
      let marked: boolean;
      try {
        marked = (await this.writtenOf(workspace)).size > 0;
      } catch (cause) {
        return err(
          bulwarkError('taint.workspace_scan', `the workspace scan failed: ${describeCause(cause)}`, {
            layer: 'L08.1',
          }),
        );
      }
      if (!marked) return ok({ scanned: 0, cached: 0 });
    }
    const cache = this.cacheOf(workspace, indexSize);
    const seen = new Set<string>();
    let scanned = 0;
    let cached = 0;
    let files = 0;
    const budget: WalkBudget = { left: this.maxBytes, objects: this.limits.maxObjects };
    const done = (finding?: WorkspaceFinding): Result<WorkspaceWalk, BulwarkError> =>
      ok({ ...(finding ? { finding } : {}), scanned, cached });
    const rel = (p: string) => relativeTo(workspace, p).split('\\').join('/');
    // The marks as the walk began: only those can end for a file it did not see (one marked meanwhile, by a run that
    // ended while the walk went on, may lie where the walk had already passed).
    let atStart: ReadonlyMap<string, unknown>;
    try {
      const written = await this.writtenOf(workspace);
      atStart = new Map(written);
      const dirs = [workspace];
      for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
        let entries;
        try {
          entries = await entriesOf(dir);
          if (entries === undefined) continue;
        } catch (cause) {
          const c = code(cause);
          const where = rel(dir) || '.';
          return done({
            path: where,
            reason: `directory ${where} in the workspace cannot be read (${c ?? describeCause(cause)})`,
          });
        }
        for (const e of entries) {
          const p = childPath(dir, e.name);
          if (await notUtf8Name(p, e.name)) {
            const where = rel(p);
            return done({
              path: where,
              reason: `${where} in the workspace has a name that is not UTF-8, which the daemon cannot open by name, so it counts as holding a vault value`,
            });
          }
          if (e.isDirectory()) {
            dirs.push(p);
            continue;
          }
          if (!e.isFile()) continue;
          files += 1;
          if (files > this.maxFiles)
            return done({
              path: '',
              reason: `the workspace has more than ${this.maxFiles} files, more than one scan reads, so it counts as holding a vault value`,
            });
          const name = rel(p);
          seen.add(name);
          const found = await this.file(workspace, p, name, cache, budget, written);
          if (found.kind === 'cached') cached += 1;
          else if (found.kind === 'scanned') scanned += 1;
          if (found.finding) return done(found.finding);
        }
      }
    } catch (cause) {
      return err(
        bulwarkError('taint.workspace_scan', `the workspace scan failed: ${describeCause(cause)}`, { layer: 'L08.1' }),
      );
    }
    // A complete walk: files that are gone leave the cache, and their written marks end.
    for (const name of cache.keys()) if (!seen.has(name)) cache.delete(name);
    try {
      const written = await this.writtenOf(workspace);
      await this.unmark(
        workspace,
        written,
        [...written].filter(([name, mark]) => !seen.has(name) && atStart.get(name) === mark).map(([name]) => name),
      );
    } catch (cause) {
      return err(
        bulwarkError('taint.workspace_scan', `the workspace scan failed: ${describeCause(cause)}`, { layer: 'L08.1' }),
      );
    }
    return done();
  }

  /** A file's finding by its content, else by having been written by a tainted session's run (unchanged since). */
  private async file(
    workspace: string,
    p: string,
    name: string,
    cache: Map<string, FileMark>,
    budget: WalkBudget,
    written: Written,
  ): Promise<{ kind: 'cached' | 'scanned' | 'gone'; finding?: WorkspaceFinding }> {
    const found = await this.fileContent(p, name, cache, budget);
    const wrote = written.get(name);
    if (found.finding || found.kind === 'gone' || !wrote) return found;
    let st: Stats;
    try {
      st = await lstat(p);
    } catch (cause) {
      if (code(cause) === 'ENOENT') return found;
      throw cause;
    }
    if (unchanged(wrote, st))
      return { kind: found.kind, finding: { path: name, reason: writtenReason(name, wrote.why) } };
    await this.unmark(workspace, written, [name]);
    return found;
  }

  private async fileContent(
    p: string,
    name: string,
    cache: Map<string, FileMark>,
    budget: WalkBudget,
  ): Promise<{ kind: 'cached' | 'scanned' | 'gone'; finding?: WorkspaceFinding }> {
    const holding = (secret: string, compressed: boolean) => ({
      path: name,
      reason: `${name} in the workspace holds the value of ${secret}${compressed ? ' (compressed)' : ''}`,
    });
    let st: Stats;
    try {
      st = await lstat(p);
    } catch (cause) {
      if (code(cause) === 'ENOENT') return { kind: 'gone' };
      throw cause;
    }
    if (!st.isFile()) return { kind: 'gone' };
    const mark = cache.get(name);
    if (mark && unchanged(mark, st)) {
      if (mark.hold !== undefined) return { kind: 'cached', finding: { path: name, reason: mark.hold } };
      return { kind: 'cached', ...(mark.secret ? { finding: holding(mark.secret, mark.compressed) } : {}) };
    }
    const held = (reason: string) => {
      cache.set(name, { ...stamp(st), secret: undefined, compressed: false, hold: reason });
      return { kind: 'scanned' as const, finding: { path: name, reason } };
    };
    if (st.size > budget.left)
      return held(
        `the workspace holds more than ${this.maxBytes} bytes to read (at ${name}), more than one scan reads, so it counts as holding a vault value`,
      );
    budget.left -= st.size;
    let found;
    try {
      const read = await this.scanFile(p, st, budget);
      if (read === 'swapped') return { kind: 'gone' };
      found = read;
    } catch (cause) {
      const c = code(cause);
      if (c === 'ENOENT') return { kind: 'gone' };
      cache.delete(name);
      return {
        kind: 'scanned',
        finding: {
          path: name,
          reason: `${name} in the workspace cannot be read by the daemon (${c ?? describeCause(cause)}), so it counts as holding a vault value`,
        },
      };
    }
    if (found && 'hold' in found)
      return held(`${name} in the workspace ${found.hold}, so it counts as holding a vault value`);
    const secret = found?.secret;
    const compressed = found?.compressed === true;
    // Keyed by the stat taken before the read: a change during the read makes the next walk read it again.
    cache.set(name, { ...stamp(st), secret, compressed });
    return { kind: 'scanned', ...(secret ? { finding: holding(secret, compressed) } : {}) };
  }

  private readingContext(budget: WalkBudget): ReadingContext {
    const ctx: ReadingContext = {
      scanner: this.scanner,
      chunkBytes: this.chunkBytes,
      limits: this.limits,
      budget,
      nested: (content, level) => readCompressed(bufferSource(content), ctx, level),
    };
    return ctx;
  }

  /**
   * Reads the file in chunks, as far as its size when it was stat'ed (a file growing meanwhile cannot keep the walk
   * reading); text a form may still complete is carried into the next chunk; then, when the bytes are compressed,
   * what they inflate to. Opened without following a link and
   * without blocking, and read only when it is still the regular file stat'ed: a run that swaps it for a FIFO or a
   * link (to /dev/zero, or out of the workspace) meanwhile gets 'swapped', never a walk that hangs.
   */
  private async scanFile(
    p: string,
    st: Stats,
    budget: WalkBudget = { left: Infinity, objects: this.limits.maxObjects },
  ): Promise<
    { readonly secret: string; readonly compressed: boolean } | { readonly hold: string } | undefined | 'swapped'
  > {
    let fh;
    try {
      fh = await open(p, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (cause) {
      if (code(cause) === 'ELOOP') return 'swapped';
      throw cause;
    }
    try {
      const now = await fh.stat();
      if (!now.isFile() || now.ino !== st.ino || now.dev !== st.dev) return 'swapped';
      const text = new TextScan(this.scanner);
      const buf = Buffer.alloc(this.chunkBytes);
      let head = Buffer.alloc(0);
      let left = st.size;
      for (;;) {
        const { bytesRead } = left > 0 ? await fh.read(buf, 0, Math.min(buf.length, left), null) : { bytesRead: 0 };
        if (head.length < TAR_HEAD)
          head = Buffer.concat([head, buf.subarray(0, Math.min(bytesRead, TAR_HEAD - head.length))]);
        left -= bytesRead;
        const secret = bytesRead === 0 ? text.end() : text.push(buf.subarray(0, bytesRead));
        if (secret) return { secret, compressed: false };
        if (bytesRead === 0) break;
      }
      const source = fileSource(fh, st.size);
      if (!formatOf(head, true) && !isTar(head) && !(await hasZipEnd(source))) return undefined;
      const inside = await readCompressed(source, this.readingContext(budget), 0, p);
      return inside && 'secret' in inside ? { ...inside, compressed: true } : inside;
    } finally {
      await fh.close();
    }
  }
}
