/**
 * Installed skills: `<dataDir>/skills/<name>/` (outside every workspace), files read-only (0444, folders 0555) so an
 * agent that can write its workspace cannot edit a script that runs later, and `<dataDir>/skills/index.json` with
 * what was installed, the scan verdict, the content hash and the agents it is enabled for. A skill is scanned (L24)
 * on install; `block` is refused unless the operator overrides by the skill's name. Its own pinned dependencies
 * are screened by L25 (dependencies.ts): a listed one refuses the install whatever the override.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
} from '../../core/index.js';
import { screenSkillDependencies, type ScreenedDependencies } from './dependencies.js';
import { parseSkillManifest, SKILL_NAME } from './manifest.js';
import { readSkillTree } from './scan/files.js';
import { scanTree } from './scan/folder.js';
import type { ScanFile } from './scan/scan-skill.js';
import type { SkillScan } from './scan/types.js';

export interface InstalledSkill {
  readonly name: string;
  readonly description: string;
  readonly sha256: string;
  readonly installedAt: string;
  readonly verdict: SkillScan['verdict'];
  readonly findings: number;
  /** Set when the operator installed a `block` skill by name. */
  readonly overridden: boolean;
  readonly agents: readonly string[];
  readonly allowedTools: readonly string[];
}

interface Index {
  readonly version: 1;
  readonly skills: Record<string, InstalledSkill>;
}

const failure = (code: string, message: string, status = 400): Result<never, BulwarkError> =>
  err(bulwarkError(`skill.${code}`, message, { layer: 'L24', status }));

export function skillsRoot(dataDir: string): string {
  return childPath(dataDir, 'skills');
}

function indexFile(dataDir: string): string {
  return childPath(skillsRoot(dataDir), 'index.json');
}

function readIndex(dataDir: string): Result<Index, BulwarkError> {
  const file = indexFile(dataDir);
  if (!existsSync(file)) return ok({ version: 1, skills: {} });
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Index;
    if (parsed.version !== 1 || typeof parsed.skills !== 'object' || parsed.skills === null)
      return failure('index', `${file} is not a bulwark skills index: move it away and add the skills again`, 500);
    return ok(parsed);
  } catch (cause) {
    return failure(
      'index',
      `cannot read ${file} (${describeCause(cause)}): move it away and add the skills again`,
      500,
    );
  }
}

function writeIndex(dataDir: string, index: Index): void {
  writeFileAtomic(indexFile(dataDir), JSON.stringify(index, null, 2) + '\n');
}

/** sha256 over every path and its bytes, in path order: what was scanned is what is installed. */
export function contentHash(files: readonly ScanFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`${f.path}\0${f.bytes.length}\0`);
    h.update(f.bytes);
  }
  return h.digest('hex');
}

export interface AddOptions {
  /** The skill's name, given by the operator to install a skill the scanner blocks. */
  readonly override?: string;
  /** How the operator named the source (an archive unpacked into a temporary folder), for the messages. */
  readonly shownAs?: string;
}

export interface Added {
  readonly skill: InstalledSkill;
  readonly scan: SkillScan;
  /** L25 on the skill's own pinned dependencies (package.json, package-lock.json, requirements.txt). */
  readonly dependencies: ScreenedDependencies;
}

function blockedMessage(name: string, scan: SkillScan, source: string): string {
  const critical = scan.findings.filter((f) => f.severity === 'critical');
  const shown = critical
    .slice(0, 5)
    .map((f) => `  ${f.rule} ${f.file}:${f.line} — ${f.reason}`)
    .join('\n');
  return (
    `skill "${name}" refused by L24: ${critical.length} critical finding(s)\n${shown}\n` +
    `Read the skill first (bulwark skills scan ${source}). To install it anyway: bulwark skills add ${source} --override ${name}`
  );
}

/** Scans and installs the skill folder at `source`. Nothing is written when it is refused. */
export function addSkill(dataDir: string, folder: string, options: AddOptions = {}): Result<Added, BulwarkError> {
  const source = options.shownAs ?? folder;
  const tree = readSkillTree(folder);
  if (!tree.ok) return tree;
  const skillMd = tree.value.files.find((f) => f.path === 'SKILL.md');
  if (!skillMd) return failure('manifest', `${source} has no SKILL.md at its top: give the skill's own folder`);
  const manifest = parseSkillManifest(Buffer.from(skillMd.bytes).toString('utf8'));
  if (!manifest.ok) return manifest;
  const name = manifest.value.name;
  const scan = scanTree(tree.value);
  // Links, special files and oversize files are never copied, so they cannot be overridden into an install.
  if (tree.value.findings.length > 0)
    return failure(
      'unreadable',
      `skill "${name}" has entries that cannot be installed: ${tree.value.findings
        .map((f) => `${f.file} (${f.excerpt})`)
        .join(', ')}. Replace links by the files they point to and remove special or oversize files`,
    );
  if (scan.verdict === 'block' && options.override !== name)
    return failure(
      options.override === undefined ? 'blocked' : 'override_mismatch',
      options.override === undefined
        ? blockedMessage(name, scan, source)
        : `--override names "${options.override}" but the skill is "${name}": give the skill's own name`,
      403,
    );
  const dependencies = screenSkillDependencies(dataDir, tree.value.files);
  if (!dependencies.ok) return dependencies;
  const index = readIndex(dataDir);
  if (!index.ok) return index;
  if (index.value.skills[name])
    return failure('exists', `a skill named "${name}" is installed already: bulwark skills remove ${name} first`, 409);
  const root = skillsRoot(dataDir);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const staging = childPath(root, `.staging-${randomBytes(6).toString('hex')}`);
  try {
    writeTree(staging, tree.value.files);
    renameSync(staging, childPath(root, name));
  } catch (cause) {
    removeTree(staging);
    return failure('install', `cannot install "${name}" into ${root}: ${describeCause(cause)}`, 500);
  }
  const skill: InstalledSkill = {
    name,
    description: manifest.value.description,
    sha256: contentHash(tree.value.files),
    installedAt: new Date().toISOString(),
    verdict: scan.verdict,
    findings: scan.findings.length,
    overridden: scan.verdict === 'block',
    agents: [],
    allowedTools: manifest.value.allowedTools,
  };
  writeIndex(dataDir, { version: 1, skills: { ...index.value.skills, [name]: skill } });
  return ok({ skill, scan, dependencies: dependencies.value });
}

/** Writes the files, then makes every file 0444 and every folder 0555 (deepest first). */
function writeTree(dir: string, files: readonly ScanFile[]): void {
  mkdirSync(dir, { mode: 0o700 });
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..'))
      throw new Error(`refusing the path ${f.path} (outside the skill)`);
    let at = dir;
    for (const p of parts.slice(0, -1)) {
      at = childPath(at, p);
      if (!dirs.has(at)) {
        mkdirSync(at, { recursive: true, mode: 0o700 });
        dirs.add(at);
      }
    }
    const file = childPath(at, parts[parts.length - 1] ?? '');
    writeFileSync(file, f.bytes, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o444);
  }
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) chmodSync(d, 0o555);
  chmodSync(dir, 0o555);
}

/** Removes a read-only tree: folders are made writable again first. */
function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  const unlock = (d: string): void => {
    chmodSync(d, 0o700);
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) unlock(childPath(d, e.name));
  };
  unlock(dir);
  rmSync(dir, { recursive: true, force: true });
}

export function listSkills(dataDir: string): Result<InstalledSkill[], BulwarkError> {
  const index = readIndex(dataDir);
  if (!index.ok) return index;
  return ok(Object.values(index.value.skills).sort((a, b) => a.name.localeCompare(b.name)));
}

export function removeSkill(dataDir: string, name: string): Result<void, BulwarkError> {
  const index = readIndex(dataDir);
  if (!index.ok) return index;
  if (!index.value.skills[name])
    return failure('unknown', `no skill named "${name}" is installed (bulwark skills list)`, 404);
  removeTree(childPath(skillsRoot(dataDir), name));
  const skills = { ...index.value.skills };
  delete skills[name];
  writeIndex(dataDir, { version: 1, skills });
  return ok(undefined);
}

/** Enables (or disables) an installed skill for one agent. */
export function setSkillAgent(
  dataDir: string,
  name: string,
  agent: string,
  enabled: boolean,
): Result<InstalledSkill, BulwarkError> {
  if (!SKILL_NAME.test(name))
    return failure('name', `"${name}" is not a skill name (lower-case letters, digits, hyphens)`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(agent)) return failure('agent', `"${agent}" is not an agent id`);
  const index = readIndex(dataDir);
  if (!index.ok) return index;
  const skill = index.value.skills[name];
  if (!skill) return failure('unknown', `no skill named "${name}" is installed (bulwark skills list)`, 404);
  const agents = enabled ? [...new Set([...skill.agents, agent])].sort() : skill.agents.filter((a) => a !== agent);
  const updated = { ...skill, agents };
  writeIndex(dataDir, { version: 1, skills: { ...index.value.skills, [name]: updated } });
  return ok(updated);
}

/** The folder of an installed skill (read-only). */
export function installedSkillDir(dataDir: string, name: string): string {
  return childPath(skillsRoot(dataDir), name);
}
