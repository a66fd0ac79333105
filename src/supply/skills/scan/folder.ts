/** A skill folder read and scanned: tree findings (links, special and oversize files) count like any other. */
import { type BulwarkError, ok, type Result } from '../../../core/index.js';
import { readSkillTree, type SkillTree } from './files.js';
import { scanSkill } from './scan-skill.js';
import type { SkillScan } from './types.js';

export function scanTree(tree: SkillTree): SkillScan {
  const scanned = scanSkill(tree.files);
  const findings = [...tree.findings, ...scanned.findings];
  return {
    ...scanned,
    findings,
    verdict: findings.some((f) => f.severity === 'critical') ? 'block' : findings.length > 0 ? 'warn' : 'allow',
  };
}

export function scanSkillFolder(dir: string): Result<{ tree: SkillTree; scan: SkillScan }, BulwarkError> {
  const tree = readSkillTree(dir);
  if (!tree.ok) return tree;
  return ok({ tree: tree.value, scan: scanTree(tree.value) });
}
