/**
 * Progressive disclosure of installed skills to an agent, always as external content (L03), never as system
 * instructions: the catalogue (names and descriptions of the skills enabled for the agent) goes in the prompt,
 * a skill's SKILL.md body when the agent activates it, its other files one at a time on demand (resolved inside
 * the installed folder, links refused). `allowed-tools` only narrows: the result is never more than the agent has.
 */
import { readFileSync } from 'node:fs';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result, safePath } from '../../core/index.js';
import { wrapExternal } from '../../guards/index.js';
import { parseSkillManifest } from './manifest.js';
import { MAX_SCANNED_FILE_BYTES } from './scan/scan-skill.js';
import { installedSkillDir, listSkills, type InstalledSkill } from './store.js';

const failure = (code: string, message: string, status = 400): Result<never, BulwarkError> =>
  err(bulwarkError(`skill.${code}`, message, { layer: 'L24', status }));

function enabledSkill(dataDir: string, name: string, agent: string): Result<InstalledSkill, BulwarkError> {
  const skills = listSkills(dataDir);
  if (!skills.ok) return skills;
  const skill = skills.value.find((s) => s.name === name);
  if (!skill || !skill.agents.includes(agent))
    return failure('not_enabled', `skill "${name}" is not enabled for agent "${agent}"`, 404);
  return ok(skill);
}

/** Names and descriptions of the skills enabled for `agent`, wrapped as external content; '' when there are none. */
export function skillCatalogue(dataDir: string, agent: string): Result<string, BulwarkError> {
  const skills = listSkills(dataDir);
  if (!skills.ok) return skills;
  const mine = skills.value.filter((s) => s.agents.includes(agent));
  if (mine.length === 0) return ok('');
  const text = mine.map((s) => `- ${s.name}: ${s.description}`).join('\n');
  return ok(wrapExternal(text, { source: 'skills:catalogue' }).text);
}

/** The SKILL.md body of an enabled skill, wrapped as external content. */
export function activateSkill(dataDir: string, name: string, agent: string): Result<string, BulwarkError> {
  const skill = enabledSkill(dataDir, name, agent);
  if (!skill.ok) return skill;
  const file = readInstalled(dataDir, name, 'SKILL.md');
  if (!file.ok) return file;
  const manifest = parseSkillManifest(file.value);
  if (!manifest.ok) return manifest;
  return ok(wrapExternal(manifest.value.body, { source: `skill:${name}` }).text);
}

/** One file of an enabled skill (a reference, an asset listing), wrapped as external content. */
export function readSkillFile(
  dataDir: string,
  name: string,
  agent: string,
  relPath: string,
): Result<string, BulwarkError> {
  const skill = enabledSkill(dataDir, name, agent);
  if (!skill.ok) return skill;
  const file = readInstalled(dataDir, name, relPath);
  if (!file.ok) return file;
  return ok(wrapExternal(file.value, { source: `skill:${name}/${relPath}` }).text);
}

function readInstalled(dataDir: string, name: string, relPath: string): Result<string, BulwarkError> {
  const resolved = safePath(installedSkillDir(dataDir, name), relPath);
  if (!resolved.ok) return failure('path', `skill "${name}": ${resolved.error.message}`);
  try {
    const bytes = readFileSync(resolved.value);
    if (bytes.length > MAX_SCANNED_FILE_BYTES) return failure('too_large', `skill "${name}": ${relPath} is too large`);
    return ok(bytes.toString('utf8'));
  } catch (cause) {
    return failure('read', `skill "${name}": cannot read ${relPath} (${describeCause(cause)})`, 404);
  }
}

/** The tools an agent keeps while a skill is active: `allowed-tools` narrows, never adds. */
export function narrowTools(agentTools: readonly string[], allowed: readonly string[]): string[] {
  if (allowed.length === 0) return [...agentTools];
  const wanted = new Set(allowed.map((t) => t.toLowerCase()));
  return agentTools.filter((t) => wanted.has(t.toLowerCase()));
}
