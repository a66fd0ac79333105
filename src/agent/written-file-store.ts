/**
 * Where L08.1 keeps the files an exec run of a tainted session wrote (workspace-secrets.ts): each counts as holding
 * a vault value while unchanged, so the record must outlive the daemon — session A writes a key rewritten with `tr`,
 * the daemon restarts, session B sends the file. Methods reject with a store failure when the backend fails; the
 * caller then treats the workspace as holding a value (fail closed).
 */

/** A written file as it was when marked: it counts while all four still match. */
export interface WrittenFile {
  /** Workspace-relative, '/'-separated. */
  readonly path: string;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** Why it counts as holding a value (names the file and the session's taint, never a value). */
  readonly reason: string;
}

export interface WrittenFileStore {
  /** The marks of one workspace (a real path), oldest first. */
  load(workspace: string): Promise<readonly WrittenFile[]>;
  /**
   * Records marks (a path marked again is replaced and becomes the newest), in one transaction; past `cap` marks in
   * the workspace the oldest go.
   */
  put(workspace: string, files: readonly WrittenFile[], cap: number): Promise<void>;
  /** Forgets marks whose files changed again or are gone, in one transaction. */
  drop(workspace: string, paths: readonly string[]): Promise<void>;
}
