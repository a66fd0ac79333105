/**
 * Which journal entries an undo reverses: the newest one, a turn's, or everything after a time. Entries are undone
 * newest first; a turn's entries are refused when a later change (not undone) touched the same paths, so an undo
 * never overwrites work done after it (undo to a time instead).
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import type { JournalEntry } from './journal.js';

export type UndoTarget = { readonly turn: string } | { readonly to: Date } | { readonly last: true };

function paths(e: JournalEntry): string[] {
  return e.changes.flatMap((c) => (c.from !== undefined ? [c.path, c.from] : [c.path]));
}

function overlaps(a: readonly string[], b: readonly string[]): string | undefined {
  for (const p of a) for (const q of b) if (p === q || p.startsWith(`${q}/`) || q.startsWith(`${p}/`)) return p;
  return undefined;
}

export function selectUndo(entries: readonly JournalEntry[], target: UndoTarget): Result<JournalEntry[], BulwarkError> {
  const live = entries.filter((e) => !e.undoneAt);
  if ('last' in target) {
    const last = live.at(-1);
    return last
      ? ok([last])
      : err(bulwarkError('journal.empty', 'nothing to undo: the journal has no change left', { status: 404 }));
  }
  if ('to' in target) {
    const after = live.filter((e) => Date.parse(e.at) > target.to.getTime());
    return after.length
      ? ok(after)
      : err(
          bulwarkError('journal.empty', `nothing to undo: no change after ${target.to.toISOString()}`, { status: 404 }),
        );
  }
  const chosen = live.filter((e) => e.turn === target.turn);
  if (!chosen.length)
    return err(
      bulwarkError('journal.unknown_turn', `no change of turn ${target.turn} is left to undo`, { status: 404 }),
    );
  const first = chosen[0] as JournalEntry;
  const later = live.filter((e) => e.id > first.id && e.turn !== target.turn);
  const touched = chosen.flatMap(paths);
  for (const e of later) {
    const p = overlaps(touched, paths(e));
    if (p !== undefined)
      return err(
        bulwarkError(
          'journal.conflict',
          `turn ${target.turn} cannot be undone alone: ${p} was changed again later (${e.tool} at ${e.at}); undo everything after a time instead (--to ${first.at})`,
          { status: 409 },
        ),
      );
  }
  return ok(chosen);
}
