/**
 * Reading the undo journal for people: the workspace an agent's journal belongs to, and, per change of an entry,
 * the text before (the kept pre-image) and now (the workspace), for `bulwark workspace diff` and the API.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { nestedPath } from '../../core/index.js';
import type { Journal, JournalChange, JournalEntry } from './journal.js';

const TEXT_MAX = 256 * 1024;

function text(p: string): string | undefined {
  if (!existsSync(p)) return undefined;
  const st = lstatSync(p);
  if (!st.isFile() || st.size > TEXT_MAX) return st.isDirectory() ? '(a directory)' : `(${st.size} bytes, not shown)`;
  const b = readFileSync(p);
  return b.includes(0) ? `(binary, ${b.length} bytes)` : b.toString('utf8');
}

export interface ChangeText {
  readonly change: JournalChange;
  /** The pre-image kept for undo (undefined: none — the path was created). */
  readonly before?: string;
  /** What the workspace has at the path now (undefined: nothing). */
  readonly now?: string;
}

export function entryTexts(journal: Journal, workspace: string, entry: JournalEntry): ChangeText[] {
  return entry.changes.map((c) => {
    const before = c.blob !== undefined ? text(journal.pathOf(workspace, entry.id, c.blob)) : undefined;
    const now = text(nestedPath(workspace, c.path));
    return { change: c, ...(before !== undefined ? { before } : {}), ...(now !== undefined ? { now } : {}) };
  });
}
