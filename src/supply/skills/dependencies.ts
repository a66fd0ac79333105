/**
 * L25 for a skill's own dependencies: a skill that ships `package.json`, `package-lock.json` or `requirements.txt`
 * (anywhere in it) has every pinned name@version checked against the offline advisory index at `skills add`. A
 * listed one refuses the install (no override: it is known malware, not a scanner's opinion); a dependency that is
 * not pinned cannot be checked and is a warning naming the fix. With dependencies to check, a missing or stale
 * index refuses (fail closed); a skill without any installs without an index.
 */
import { bulwarkError, type BulwarkError, describeCause, err, ok, type Result } from '../../core/index.js';
import { loadIndex } from '../osv/advisory-index.js';
import { parsePackageSpec, screenAgainst, type PackageSpec } from '../osv/screen.js';
import type { ScanFile } from './scan/scan-skill.js';

export interface SkillDependencies {
  readonly pinned: Array<{ readonly file: string; readonly spec: PackageSpec }>;
  readonly unpinned: Array<{ readonly file: string; readonly name: string; readonly wanted: string }>;
}

const baseName = (p: string): string => p.split('/').pop() ?? p;
const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

function parseJson(file: ScanFile): Result<Record<string, unknown>, BulwarkError> {
  const bad = (why: string): Result<never, BulwarkError> =>
    err(
      bulwarkError('supply.skill_dependency', `${file.path} ${why}: its dependencies cannot be checked; fix the file`, {
        layer: 'L25',
        status: 400,
      }),
    );
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(file.bytes).toString('utf8'));
  } catch (cause) {
    return bad(`is not JSON (${describeCause(cause)})`);
  }
  return v && typeof v === 'object' && !Array.isArray(v)
    ? ok(v as Record<string, unknown>)
    : bad('is not a JSON object');
}

const strings = (v: unknown): Array<[string, string]> =>
  v && typeof v === 'object'
    ? Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string')
    : [];

/** Every npm name@version a lockfile resolves (v2/v3 `packages`, v1 nested `dependencies`). */
function lockEntries(lock: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const packages = lock.packages;
  if (packages && typeof packages === 'object')
    for (const [key, value] of Object.entries(packages as Record<string, unknown>)) {
      const at = key.lastIndexOf('node_modules/');
      const v = value as { version?: unknown; name?: unknown };
      if (at < 0 || typeof v?.version !== 'string') continue;
      out.push([typeof v.name === 'string' ? v.name : key.slice(at + 'node_modules/'.length), v.version]);
    }
  const walk = (deps: unknown): void => {
    if (!deps || typeof deps !== 'object') return;
    for (const [name, value] of Object.entries(deps as Record<string, unknown>)) {
      const v = value as { version?: unknown; dependencies?: unknown };
      if (typeof v?.version === 'string') out.push([name, v.version]);
      walk(v?.dependencies);
    }
  };
  if (!packages) walk(lock.dependencies);
  return out;
}

/** The dependencies a skill's files declare, pinned or not. */
export function skillDependencies(files: readonly ScanFile[]): Result<SkillDependencies, BulwarkError> {
  const pinned: SkillDependencies['pinned'][number][] = [];
  const unpinned: SkillDependencies['unpinned'][number][] = [];
  const locked = new Set<string>();
  const pin = (file: string, ecosystem: 'npm' | 'pypi', name: string, version: string): void => {
    const spec = parsePackageSpec(ecosystem, ecosystem === 'npm' ? `${name}@${version}` : `${name}==${version}`);
    if (spec.ok) pinned.push({ file, spec: spec.value });
    else unpinned.push({ file, name, wanted: version });
  };
  for (const f of files.filter((f) => baseName(f.path) === 'package-lock.json')) {
    const lock = parseJson(f);
    if (!lock.ok) return lock;
    for (const [name, version] of lockEntries(lock.value)) {
      locked.add(name);
      pin(f.path, 'npm', name, version);
    }
  }
  for (const f of files.filter((f) => baseName(f.path) === 'package.json')) {
    const pkg = parseJson(f);
    if (!pkg.ok) return pkg;
    for (const field of DEP_FIELDS)
      for (const [name, wanted] of strings(pkg.value[field])) {
        // An exact version is a pin; a range, tag or URL is unpinned unless a shipped lockfile resolves the name.
        if (parsePackageSpec('npm', `${name}@${wanted}`).ok) pin(f.path, 'npm', name, wanted);
        else if (!locked.has(name)) unpinned.push({ file: f.path, name, wanted });
      }
  }
  for (const f of files.filter((f) => /(?:^|[-_.])requirements[^/]*\.txt$/.test(baseName(f.path)))) {
    for (const raw of Buffer.from(f.bytes).toString('utf8').split('\n')) {
      const line = raw.replace(/(?:^|\s)#.*$/, '').trim();
      if (!line) continue;
      // `name[extras] == 1.2.3 ; marker`: the marker and extras do not change which package is fetched.
      const [name = '', version = '', ...rest] = (line.split(';')[0] ?? '').replace(/\s+/g, '').split('==');
      const bare = name.replace(/\[[^\]]*\]$/, '');
      if (rest.length === 0 && parsePackageSpec('pypi', `${bare}==${version}`).ok) pin(f.path, 'pypi', bare, version);
      else unpinned.push({ file: f.path, name: line.slice(0, 80), wanted: '' });
    }
  }
  return ok({ pinned, unpinned });
}

export interface ScreenedDependencies {
  readonly checked: number;
  /** One line per dependency that could not be checked, naming the fix. */
  readonly warnings: string[];
}

/** Screens a skill's dependencies against the index: ok with warnings, or the refusal of the install. */
export function screenSkillDependencies(
  dataDir: string,
  files: readonly ScanFile[],
  options: { readonly maxIndexAgeDays?: number } = {},
): Result<ScreenedDependencies, BulwarkError> {
  const deps = skillDependencies(files);
  if (!deps.ok) return deps;
  const warnings = deps.value.unpinned.map((u) =>
    u.wanted
      ? `${u.file}: ${u.name} "${u.wanted}" is not pinned, so L25 cannot check it: pin an exact version (${u.name}@x.y.z, or ship the package-lock.json)`
      : `${u.file}: "${u.name}" is not pinned, so L25 cannot check it: pin it as name==x.y.z`,
  );
  if (deps.value.pinned.length === 0) return ok({ checked: 0, warnings });
  const index = loadIndex(dataDir);
  if (!index.ok) return index;
  for (const { file, spec } of deps.value.pinned) {
    const verdict = screenAgainst(index.value, spec, { ...options, typosquat: false });
    if (!verdict.ok)
      return err(
        bulwarkError(verdict.error.code, `skill dependency ${spec.name} (${file}): ${verdict.error.message}`, {
          layer: 'L25',
          status: verdict.error.status,
        }),
      );
  }
  return ok({ checked: deps.value.pinned.length, warnings });
}
