/**
 * Progressive disclosure of installed skills to an agent: the catalogue (names and descriptions of the skills enabled
 * for the agent), a skill's SKILL.md body and `allowed-tools` when the agent activates it, its other files one at a
 * time on demand (resolved inside the installed folder, links refused). This returns the text as installed; the
 * agent room frames all of it as external content (L03), never as system instructions (agent/skills.ts).
 */
import { readFileSync } from 'node:fs';
import { bulwarkError, type BulwarkError, err, ok, type Result, safePath } from '../../core/index.js';
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
    return failure(
      'not_enabled',
      `skill "${name}" is not enabled for agent "${agent}" (see the skills catalogue)`,
      404,
    );
  return ok(skill);
}

/** Names and descriptions of the skills enabled for `agent`. */
export function skillCatalogue(
  dataDir: string,
  agent: string,
): Result<Array<{ name: string; description: string }>, BulwarkError> {
  const skills = listSkills(dataDir);
  if (!skills.ok) return skills;
  return ok(
    skills.value.filter((s) => s.agents.includes(agent)).map((s) => ({ name: s.name, description: s.description })),
  );
}

/** The SKILL.md body and `allowed-tools` of an enabled skill, read from the installed copy. */
export function activateSkill(
  dataDir: string,
  name: string,
  agent: string,
): Result<{ body: string; allowedTools: readonly string[] }, BulwarkError> {
  const skill = enabledSkill(dataDir, name, agent);
  if (!skill.ok) return skill;
  const file = readInstalled(dataDir, name, 'SKILL.md');
  if (!file.ok) return file;
  const manifest = parseSkillManifest(file.value);
  if (!manifest.ok) return manifest;
  return ok({ body: manifest.value.body, allowedTools: manifest.value.allowedTools });
}

/** One file of an enabled skill (a reference, an asset, a script to inspect). */
export function readSkillFile(
  dataDir: string,
  name: string,
  agent: string,
  relPath: string,
): Result<string, BulwarkError> {
  const skill = enabledSkill(dataDir, name, agent);
  if (!skill.ok) return skill;
  return readInstalled(dataDir, name, relPath);
}

function readInstalled(dataDir: string, name: string, relPath: string): Result<string, BulwarkError> {
  const resolved = safePath(installedSkillDir(dataDir, name), relPath);
  // The model sees these messages: they speak of the skill's folder and never name a host path.
  if (!resolved.ok)
    return failure(
      'path',
      `skill "${name}": ${resolved.error.message.replaceAll('the workspace', 'the skill’s folder')}`,
    );
  try {
    const bytes = readFileSync(resolved.value);
    if (bytes.length > MAX_SCANNED_FILE_BYTES) return failure('too_large', `skill "${name}": ${relPath} is too large`);
    return ok(bytes.toString('utf8'));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'no such file in the skill'
        : code === 'EISDIR'
          ? 'a folder: name a file in it'
          : (code ?? 'not readable');
    return failure('read', `skill "${name}": cannot read ${relPath} (${why})`, 404);
  }
}

/** The installed skills of `dataDir` as an agent runtime reads them (the agent room's `SkillShelf`). */
export function skillShelf(dataDir: string) {
  return {
    catalogue: (agentId: string) => skillCatalogue(dataDir, agentId),
    activate: (agentId: string, name: string) => activateSkill(dataDir, name, agentId),
    readFile: (agentId: string, name: string, path: string) => readSkillFile(dataDir, name, agentId, path),
  };
}

/** Host folders of the skills enabled for `agent`, to bind read-only into its exec sandbox. */
export function enabledSkillDirs(
  dataDir: string,
  agent: string,
): Result<Array<{ name: string; dir: string }>, BulwarkError> {
  const skills = listSkills(dataDir);
  if (!skills.ok) return skills;
  return ok(
    skills.value
      .filter((s) => s.agents.includes(agent))
      .map((s) => ({ name: s.name, dir: installedSkillDir(dataDir, s.name) })),
  );
}
