/**
 * The undo journal as people are shown it (`bulwark workspace history|diff`, `/v1/workspaces/…`): pre-images are
 * the user's files as they were (an `.env` a command removed), and commands and paths are text the model chose, so
 * everything shown passes the log sanitizer (known vault values and secret formats become markers), as the sessions
 * and audit views do. The journal itself keeps the bytes undo needs.
 */
import type { ChangeText } from './journal-read.js';
import type { JournalChange, JournalEntry } from './journal.js';

export type Redact = (text: string) => string;

function shownChange(c: JournalChange, redact: Redact): JournalChange {
  return { ...c, path: redact(c.path), ...(c.from !== undefined ? { from: redact(c.from) } : {}) };
}

export function shownEntry(e: JournalEntry, redact: Redact): JournalEntry {
  return {
    ...e,
    ...(e.command !== undefined ? { command: redact(e.command) } : {}),
    changes: e.changes.map((c) => shownChange(c, redact)),
    ...(e.unrestored ? { unrestored: e.unrestored.map(redact) } : {}),
  };
}

/** Each change's texts redacted (a diff is made from these, so it never carries what they lost). */
export function shownTexts(texts: readonly ChangeText[], redact: Redact): ChangeText[] {
  return texts.map((t) => ({
    change: shownChange(t.change, redact),
    ...(t.before !== undefined ? { before: redact(t.before) } : {}),
    ...(t.now !== undefined ? { now: redact(t.now) } : {}),
  }));
}
