/**
 * A skill archive (.zip, .tar.gz/.tgz, .tar — told by its first bytes, not its name) unpacked into a fresh private
 * temporary folder, so the folder path of `skills add` and `skills scan` does the rest unchanged: the same tree
 * reader, the same scan, the same install. Only checked regular files and folders are written (entry.ts); when the
 * archive holds one top folder with SKILL.md in it, that folder is the skill.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { type BulwarkError, childPath, describeCause, nestedPath, ok, type Result } from '../../../core/index.js';
import { ARCHIVE_LIMITS, ArchiveBudget, type ArchiveEntry, archiveError } from './entry.js';
import { readTar } from './tar.js';
import { readZip } from './zip.js';

export interface ExtractedSkill {
  /** The skill's folder inside the temporary folder. */
  readonly dir: string;
  /** Removes the temporary folder. */
  readonly cleanup: () => void;
}

type Format = 'zip' | 'tar.gz' | 'tar';

function formatOf(b: Buffer): Format | undefined {
  if (b.length >= 4 && b.readUInt32LE(0) === 0x04034b50) return 'zip';
  if (b.length >= 22 && b.readUInt32LE(0) === 0x06054b50) return 'zip';
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'tar.gz';
  if (b.length >= 263 && b.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** Whether `path` names a file (an archive) rather than a folder. */
export function isArchivePath(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

function readEntries(bytes: Buffer): Result<ArchiveEntry[], BulwarkError> {
  const format = formatOf(bytes);
  const budget = new ArchiveBudget(bytes.length);
  if (format === 'zip') return readZip(bytes, budget);
  if (format === 'tar') return readTar(bytes, budget);
  if (format !== 'tar.gz')
    return archiveError('format', 'not a .zip, .tar.gz/.tgz or .tar archive: give one of those, or the skill folder');
  // Headers and padding take at most two blocks per entry beyond the files themselves.
  const cap = Math.min(
    ARCHIVE_LIMITS.maxTotalBytes + ARCHIVE_LIMITS.maxEntries * 1024 + 1024,
    Math.max(ARCHIVE_LIMITS.ratioFloorBytes, bytes.length * ARCHIVE_LIMITS.maxRatio),
  );
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: cap });
  } catch (cause) {
    const bomb = /maxOutputLength|Cannot create a Buffer larger|RangeError/i.test(describeCause(cause));
    return bomb
      ? archiveError('ratio', `the archive unpacks to more than ${cap} bytes (caps or a compression bomb): refused`)
      : archiveError('corrupt', `the gzip stream is damaged (${describeCause(cause)})`);
  }
  return readTar(tar, budget);
}

/** Drops a single top folder that holds SKILL.md (`my-skill/SKILL.md` → `SKILL.md`). */
function skillRoot(entries: readonly ArchiveEntry[]): readonly ArchiveEntry[] {
  if (entries.some((e) => e.path === 'SKILL.md')) return entries;
  const tops = new Set(entries.map((e) => e.path.split('/')[0]));
  const [top] = [...tops];
  if (tops.size !== 1 || top === undefined || !entries.some((e) => e.path === `${top}/SKILL.md`)) return entries;
  return entries.filter((e) => e.path !== top).map((e) => ({ ...e, path: e.path.slice(top.length + 1) }));
}

/** A path twice, or a file where a folder must be (`a` and `a/b`), is refused rather than resolved by write order. */
function conflicts(entries: readonly ArchiveEntry[]): Result<void, BulwarkError> {
  const kinds = new Map<string, ArchiveEntry['kind']>();
  for (const e of entries) {
    const seen = kinds.get(e.path);
    if (seen !== undefined && !(seen === 'dir' && e.kind === 'dir'))
      return archiveError(
        'duplicate',
        `${e.path} appears twice in the archive: which one would be installed is unclear`,
      );
    kinds.set(e.path, e.kind);
  }
  for (const path of kinds.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++)
      if (kinds.get(parts.slice(0, i).join('/')) === 'file')
        return archiveError('duplicate', `${path} is inside ${parts.slice(0, i).join('/')}, which is a file`);
  }
  return ok(undefined);
}

export function extractSkillArchive(archive: string): Result<ExtractedSkill, BulwarkError> {
  let bytes: Buffer;
  try {
    const size = lstatSync(archive).size;
    if (size > ARCHIVE_LIMITS.maxArchiveBytes)
      return archiveError('too_large', `${archive} is ${size} bytes, over ${ARCHIVE_LIMITS.maxArchiveBytes}`);
    bytes = readFileSync(archive);
  } catch (cause) {
    return archiveError('read', `cannot read ${archive}: ${describeCause(cause)}`);
  }
  const read = readEntries(bytes);
  if (!read.ok) return read;
  const entries = skillRoot(read.value);
  const clash = conflicts(entries);
  if (!clash.ok) return clash;
  const tmp = mkdtempSync(childPath(tmpdir(), 'bulwark-skill-'));
  const cleanup = (): void => rmSync(tmp, { recursive: true, force: true });
  const dir = childPath(tmp, 'skill');
  try {
    mkdirSync(dir, { mode: 0o700 });
    // Folders first (sorted, so parents precede children), then files; 'wx' never writes through anything.
    for (const e of [...entries].sort((a, b) => (a.path < b.path ? -1 : 1)))
      if (e.kind === 'dir') mkdirSync(nestedPath(dir, e.path), { recursive: true, mode: 0o700 });
    for (const e of entries)
      if (e.kind === 'file') {
        const parts = e.path.split('/');
        if (parts.length > 1)
          mkdirSync(nestedPath(dir, parts.slice(0, -1).join('/')), { recursive: true, mode: 0o700 });
        writeFileSync(nestedPath(dir, e.path), e.bytes, { mode: 0o600, flag: 'wx' });
      }
  } catch (cause) {
    cleanup();
    return archiveError('write', `cannot unpack into ${tmp}: ${describeCause(cause)}`);
  }
  return ok({ dir, cleanup });
}
