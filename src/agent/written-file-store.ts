/**
 * Where L08.1 keeps the files an exec run of a tainted session wrote (workspace-secrets.ts): each counts as holding
 * a vault value while unchanged, so the record must outlive the daemon — session A writes a key rewritten with `tr`,
 * the daemon restarts, session B sends the file. Methods reject with a store failure when the backend fails; the
 * caller then treats the workspace as holding a value (fail closed).
 *
 * Bounded: at most `cap` marks per workspace (the caller's MAX_WRITTEN_FILES), each run's reason kept once however
 * many files it marked and at most MAX_WRITTEN_WHY characters long, and the marks of a workspace directory that no
 * longer exists are forgotten (`workspaces` and `forget`, at the daemon's start).
 */

/** A written file as it was when marked: it counts while all four still match. */
export interface WrittenFile {
  /** Workspace-relative, '/'-separated. */
  readonly path: string;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /**
   * What wrote it: the run and the taint of its session (never a value), shared by every file the run marked, at
   * most MAX_WRITTEN_WHY characters. `writtenReason` makes the file's reason of it.
   */
  readonly why: string;
}

/** Characters of a run's reason kept with its marks (a taint reason can quote others, nested, kilobytes long). */
export const MAX_WRITTEN_WHY = 2_000;

/** A marked file's reason for counting as holding a value. */
export const writtenReason = (path: string, why: string): string =>
  `${path} in the workspace was written by ${why}, and is unchanged since, so it counts as holding a vault value`;

/** `why` cut to MAX_WRITTEN_WHY characters (never inside a surrogate pair), marked as cut with `…`. */
export function cappedWhy(why: string): string {
  if (why.length <= MAX_WRITTEN_WHY) return why;
  let end = MAX_WRITTEN_WHY - 1;
  const last = why.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${why.slice(0, end)}…`;
}

/** Why a mark cannot be recorded as given, or undefined when it can. */
export function badWrittenFile(f: WrittenFile): string | undefined {
  // Any other name is kept as given: files named `a\` and `\` read as `a/` and `/` here, and refusing one would
  // leave the other files of its run unrecorded.
  if (f.path === '') return 'a mark needs the path of its file';
  if (![f.ino, f.size, f.mtimeMs, f.ctimeMs].every(Number.isFinite))
    return `the mark of ${f.path.slice(0, 200)} needs finite ino, size, mtime and ctime`;
  if (f.why === '' || f.why.length > MAX_WRITTEN_WHY)
    return `the mark of ${f.path.slice(0, 200)} needs a reason of 1 to ${MAX_WRITTEN_WHY} characters (cut it with cappedWhy), not ${f.why.length}`;
  return undefined;
}

export interface WrittenFileStore {
  /** The marks of one workspace (a real path), oldest first. */
  load(workspace: string): Promise<readonly WrittenFile[]>;
  /**
   * Records marks (a path marked again is replaced and becomes the newest), in one transaction; past `cap` marks in
   * the workspace the oldest go. A mark `badWrittenFile` refuses rejects the call with `store.bad_input`, and
   * nothing is recorded.
   */
  put(workspace: string, files: readonly WrittenFile[], cap: number): Promise<void>;
  /** Forgets marks whose files changed again or are gone, in one transaction. */
  drop(workspace: string, paths: readonly string[]): Promise<void>;
  /** The workspaces that have marks. */
  workspaces(): Promise<readonly string[]>;
  /** Forgets every mark of a workspace (its directory is gone), in one transaction; how many there were. */
  forget(workspace: string): Promise<number>;
}
