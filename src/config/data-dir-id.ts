/**
 * A data dir's id: 32 random hex characters in `<data dir>/bulwark.id`, made once. Things kept outside the data dir
 * that belong to it alone (its default vault master key) are named by this id, so two data dirs never share them.
 * A copy of a data dir keeps its id, and so keeps opening with the same key.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
} from '../core/index.js';

export const ID_FILE = 'bulwark.id';
const ID_RE = /^[0-9a-f]{32}$/;

/** The id, or undefined when the data dir has none yet. */
export function readDataDirId(dir: string): Result<string | undefined, BulwarkError> {
  const file = childPath(dir, ID_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return ok(undefined);
    return err(bulwarkError('datadir.id_unreadable', `cannot read ${file}: ${describeCause(cause)}`));
  }
  if (!ID_RE.test(text))
    return err(
      bulwarkError(
        'datadir.id_malformed',
        `${file} does not hold a data dir id (32 hex characters); restore it from a backup of this data dir (its master key is named by it), or remove it to start a new vault`,
      ),
    );
  return ok(text);
}

/** The id, made now when the data dir has none (two processes racing agree on one). */
export function dataDirId(dir: string): Result<string, BulwarkError> {
  const existing = readDataDirId(dir);
  if (!existing.ok || existing.value !== undefined) return existing as Result<string, BulwarkError>;
  const file = childPath(dir, ID_FILE);
  try {
    createFileAtomic(file, `${randomBytes(16).toString('hex')}\n`, 0o600);
  } catch (cause) {
    return err(bulwarkError('datadir.id_unwritable', `cannot create ${file}: ${describeCause(cause)}`));
  }
  const made = readDataDirId(dir);
  if (!made.ok) return made;
  return made.value === undefined
    ? err(bulwarkError('datadir.id_unwritable', `${file} vanished right after it was created`))
    : ok(made.value);
}
