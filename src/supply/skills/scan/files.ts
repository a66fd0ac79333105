/**
 * Reads every file of a skill folder into memory for the scanner, without following anything: a symbolic link,
 * a device or a FIFO becomes a finding (a skill is plain files), and so does a file too large to scan or a folder
 * with too many entries — what cannot be read whole is not allowed (fail closed).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
} from '../../../core/index.js';
import type { SkillFinding } from './types.js';

import { MAX_SCANNED_FILE_BYTES, type ScanFile } from './scan-skill.js';

export interface SkillTree {
  readonly files: readonly ScanFile[];
  /** Entries that were not read (links, special files, oversize, too deep, too many). */
  readonly findings: readonly SkillFinding[];
}

export const SKILL_LIMITS = {
  maxFileBytes: MAX_SCANNED_FILE_BYTES,
  maxTotalBytes: 16 * 1024 * 1024,
  maxEntries: 2000,
  maxDepth: 12,
};

const note = (file: string, excerpt: string, reason: string): SkillFinding => ({
  rule: 'skill.unreadable',
  severity: 'critical',
  file,
  line: 0,
  excerpt,
  reason: `${reason}: not scanned, so not allowed`,
});

export function readSkillTree(root: string): Result<SkillTree, BulwarkError> {
  try {
    const top = lstatSync(root);
    if (!top.isDirectory())
      return err(
        bulwarkError('skill.not_folder', `${root} is not a folder: give the skill's folder (the one with SKILL.md)`, {
          layer: 'L24',
        }),
      );
  } catch (cause) {
    return err(bulwarkError('skill.unreadable', `cannot read ${root}: ${describeCause(cause)}`, { layer: 'L24' }));
  }
  const files: ScanFile[] = [];
  const findings: SkillFinding[] = [];
  let entries = 0;
  let total = 0;
  const walk = (dir: string, rel: string, depth: number): void => {
    for (const name of readdirSync(dir).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      if (++entries > SKILL_LIMITS.maxEntries) {
        if (entries === SKILL_LIMITS.maxEntries + 1)
          findings.push(note(relPath, `more than ${SKILL_LIMITS.maxEntries} entries`, 'too many files'));
        return;
      }
      const full = childPath(dir, name);
      const st = lstatSync(full);
      if (st.isSymbolicLink())
        findings.push(note(relPath, 'symbolic link', 'a skill is plain files; links are not followed'));
      else if (st.isDirectory()) {
        if (depth >= SKILL_LIMITS.maxDepth)
          findings.push(note(relPath, `folder nested deeper than ${SKILL_LIMITS.maxDepth}`, 'nested too deep'));
        else walk(full, relPath, depth + 1);
      } else if (!st.isFile()) findings.push(note(relPath, 'device, socket or FIFO', 'not a regular file'));
      else if (st.size > SKILL_LIMITS.maxFileBytes)
        findings.push(note(relPath, `${st.size} bytes`, `larger than ${SKILL_LIMITS.maxFileBytes} bytes`));
      else if ((total += st.size) > SKILL_LIMITS.maxTotalBytes)
        findings.push(
          note(relPath, `${st.size} bytes`, `the skill exceeds ${SKILL_LIMITS.maxTotalBytes} bytes in total`),
        );
      else files.push({ path: relPath, bytes: readFileSync(full) });
    }
  };
  try {
    walk(root, '', 0);
  } catch (cause) {
    return err(bulwarkError('skill.unreadable', `cannot read ${root}: ${describeCause(cause)}`, { layer: 'L24' }));
  }
  return ok({ files, findings });
}
