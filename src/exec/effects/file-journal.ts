/**
 * The undo journal for the write and edit tools: the file a write replaces keeps its pre-image (a hard link to
 * the old inode — the atomic write renames a new file over the name, so the link keeps the old content without a
 * copy — or a copy across filesystems); a file it creates is noted as created in this turn and journaled as created
 * (no pre-image), so an undo to a time before it removes it.
 */
import { copyFileSync, linkSync, lstatSync, realpathSync } from 'node:fs';
import { type BulwarkError, type Result, childPath, relativeTo, safePath } from '../../core/index.js';
import type { Journal } from './journal.js';

export interface WriteMeta {
  readonly tool: string;
  readonly turn?: string;
  readonly sessionId?: string;
  readonly agentId?: string;
}

export interface FileJournal {
  /** Runs `write` on the workspace path `untrusted` with its pre-image journaled first. */
  around<T>(
    workspace: string,
    untrusted: string,
    meta: WriteMeta,
    write: () => Result<T, BulwarkError>,
  ): Result<T, BulwarkError>;
  /**
   * Why replacing the existing file `resolved` can be undone, or undefined: the journal keeps regular files that
   * fit in it without dropping older entries (a write that needs their room would flush the undo history of earlier
   * changes, so it asks); a write that empties the file is not counted as undoable (L11.7 holds a truncation too).
   */
  undoable(workspace: string, resolved: string, emptied: boolean): string | undefined;
  /** Resolves when no other process has its turn at the workspace (`around` then rarely blocks). */
  turnFree(workspace: string): Promise<void>;
}

export function fileJournal(
  journal: Journal,
  noteCreated: (workspace: string, turn: string | undefined, paths: string[]) => void,
): FileJournal {
  /** The write with its pre-image kept, as this process's turn at the workspace (see `Journal.exclusive`). */
  function journaledWrite<T>(
    ws: string,
    resolved: string,
    meta: WriteMeta,
    write: () => Result<T, BulwarkError>,
  ): Result<T, BulwarkError> {
    const rel = relativeTo(ws, resolved).split(/[\\/]/).join('/');
    const st = lstatSync(resolved, { throwIfNoEntry: false });
    const existing = st?.isFile() ? st : undefined;
    let entry: { id: string; dir: string } | undefined;
    if (existing) {
      const room = journal.reserve(ws, existing.size);
      if (!room.ok) return room;
      entry = journal.begin(ws);
      const blob = childPath(entry.dir, '0');
      try {
        linkSync(resolved, blob);
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'EXDEV') {
          journal.abandon(ws, entry.id);
          throw cause;
        }
        copyFileSync(resolved, blob);
      }
    }
    const r = write();
    if (!r.ok) {
      if (entry) journal.abandon(ws, entry.id);
      return r;
    }
    if (!existing) noteCreated(ws, meta.turn, [rel]);
    // A file the tool created is journaled too (no pre-image): `undo --to` a time before it removes it.
    const committed = journal.record(ws, {
      id: entry?.id ?? journal.begin(ws).id,
      at: new Date().toISOString(),
      ...meta,
      changes: existing
        ? [{ path: rel, change: 'modified', blob: '0', bytes: existing.size }]
        : [{ path: rel, change: 'created', bytes: 0 }],
      bytes: existing?.size ?? 0,
    });
    return committed.ok ? r : committed;
  }

  return {
    undoable(workspace, resolved, emptied) {
      if (emptied) return undefined;
      const st = lstatSync(resolved, { throwIfNoEntry: false });
      if (!st?.isFile() || !journal.canKeep(st.size)) return undefined;
      if (journal.wouldDrop(realpathSync(workspace), st.size) > 0) return undefined;
      return 'its old content is kept in the undo journal (bulwark workspace undo)';
    },
    around(workspace, untrusted, meta, write) {
      const p = safePath(workspace, untrusted);
      // The write itself refuses a bad path with the right message.
      if (!p.ok) return write();
      const ws = realpathSync(workspace);
      return journal.exclusive(ws, () => journaledWrite(ws, p.value, meta, write));
    },
    turnFree: (workspace) => journal.turnFree(realpathSync(workspace)),
  };
}

export const NO_FILE_JOURNAL: FileJournal = {
  around: (_w, _u, _m, write) => write(),
  undoable: () => undefined,
  turnFree: () => Promise.resolve(),
};
