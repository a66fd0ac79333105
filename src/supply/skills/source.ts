/**
 * A skill as the operator gives it: its folder, or an archive of it (.zip, .tar.gz/.tgz, .tar) that is unpacked
 * safely into a temporary folder first (archive/extract.ts). Either way the same reader, scan and install run.
 */
import { type BulwarkError, type Result } from '../../core/index.js';
import { extractSkillArchive, isArchivePath } from './archive/extract.js';
import { scanSkillFolder } from './scan/folder.js';
import { addSkill, type AddOptions, type Added } from './store.js';

function fromSource<T>(source: string, use: (folder: string) => Result<T, BulwarkError>): Result<T, BulwarkError> {
  if (!isArchivePath(source)) return use(source);
  const extracted = extractSkillArchive(source);
  if (!extracted.ok) return extracted;
  try {
    return use(extracted.value.dir);
  } finally {
    extracted.value.cleanup();
  }
}

/** Scans and installs the skill at `source` (folder or archive). Nothing is installed when it is refused. */
export function addSkillFrom(dataDir: string, source: string, options: AddOptions = {}): Result<Added, BulwarkError> {
  return fromSource(source, (folder) => addSkill(dataDir, folder, { ...options, shownAs: source }));
}

/** Scans the skill at `source` (folder or archive). */
export function scanSkillSource(source: string): ReturnType<typeof scanSkillFolder> {
  return fromSource(source, scanSkillFolder);
}
