/**
 * What the archive readers hand on: regular files and folders with checked relative paths, nothing else. Every
 * rule that keeps an archive inside its extraction folder is here, once, for both formats: a path is relative,
 * '/'-separated, made of plain names (no '', '.', '..', backslash, NUL or drive letter); links, devices and FIFOs
 * refuse the whole archive; sizes and counts are capped before anything is inflated.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../../core/index.js';
import { SKILL_LIMITS } from '../scan/files.js';

export interface ArchiveEntry {
  /** Relative, '/'-separated, checked by `entryPath`. */
  readonly path: string;
  readonly kind: 'file' | 'dir';
  readonly bytes: Uint8Array;
}

export const ARCHIVE_LIMITS = {
  /** The archive file itself. */
  maxArchiveBytes: 32 * 1024 * 1024,
  /** Entries of any kind (folders count). */
  maxEntries: SKILL_LIMITS.maxEntries,
  maxFileBytes: SKILL_LIMITS.maxFileBytes,
  maxTotalBytes: SKILL_LIMITS.maxTotalBytes,
  /** Unpacked bytes per packed byte, over the whole archive, once it unpacks to more than `ratioFloorBytes`. */
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

export function archiveError(code: string, message: string): Result<never, BulwarkError> {
  return err(bulwarkError(`skill.archive.${code}`, message, { layer: 'L24', status: 400 }));
}

/** The checked relative path of an entry named `raw` (a trailing '/' marks a folder and is dropped). */
export function entryPath(raw: string): Result<string, BulwarkError> {
  const shown = JSON.stringify(raw.slice(0, 200));
  if (raw.includes('\0') || raw.includes('\\'))
    return archiveError('path', `the entry ${shown} has a NUL or a backslash in its name: not a portable skill path`);
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw))
    return archiveError('path', `the entry ${shown} has an absolute path: a skill archive holds relative paths only`);
  const parts = raw.split('/').filter((p, i, all) => !(p === '.' || (p === '' && (i === 0 || i === all.length - 1))));
  if (parts.length === 0) return ok('');
  if (parts.some((p) => p === '' || p === '..'))
    return archiveError('path', `the entry ${shown} climbs out of the archive ('..' or an empty part): refused`);
  if (parts.length > SKILL_LIMITS.maxDepth + 1)
    return archiveError('path', `the entry ${shown} is nested deeper than ${SKILL_LIMITS.maxDepth} folders`);
  return ok(parts.join('/'));
}

/** Counts entries and bytes as a reader goes; the first limit crossed is the error. */
export class ArchiveBudget {
  private entries = 0;
  private total = 0;

  constructor(private readonly archiveBytes: number) {}

  entry(path: string): Result<void, BulwarkError> {
    if (++this.entries > ARCHIVE_LIMITS.maxEntries)
      return archiveError('too_many', `more than ${ARCHIVE_LIMITS.maxEntries} entries (at ${path}): not a skill`);
    return ok(undefined);
  }

  /** Called with a file's declared size before it is unpacked (a zip entry must then unpack to exactly that). */
  bytes(path: string, size: number): Result<void, BulwarkError> {
    if (size > ARCHIVE_LIMITS.maxFileBytes)
      return archiveError('too_large', `${path} unpacks to ${size} bytes, over ${ARCHIVE_LIMITS.maxFileBytes}`);
    this.total += size;
    if (this.total > ARCHIVE_LIMITS.maxTotalBytes)
      return archiveError('too_large', `the archive unpacks to more than ${ARCHIVE_LIMITS.maxTotalBytes} bytes`);
    if (this.total > ARCHIVE_LIMITS.ratioFloorBytes && this.total > this.archiveBytes * ARCHIVE_LIMITS.maxRatio)
      return archiveError(
        'ratio',
        `the archive unpacks to over ${ARCHIVE_LIMITS.maxRatio} times its own size (a compression bomb): refused`,
      );
    return ok(undefined);
  }
}

/** What a reader found that a skill archive must not hold. */
export function refusedKind(path: string, what: string): Result<never, BulwarkError> {
  return archiveError(
    'entry_type',
    `${path} is ${what}: a skill archive holds plain files and folders only (replace links by the files they point to)`,
  );
}
