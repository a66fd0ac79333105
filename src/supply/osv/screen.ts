/**
 * L25 gate for starting a package (an MCP server, a skill dependency): the spec must be pinned (`name@1.2.3` for
 * npm, `name==1.2.3` for PyPI), an advisory index must exist and be fresh (`supply.maxIndexAgeDays`, default 7),
 * the package may not be listed as malicious or compromised at that version, and its name may not be one edit
 * away from a popular package it is not. Any doubt refuses (fail closed), naming the fix.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import { loadIndex, lookup, type AdvisoryIndex } from './advisory-index.js';
import { POPULAR_PACKAGES } from './popular-packages.js';
import { parseVersion } from './versions.js';

export const DEFAULT_MAX_INDEX_AGE_DAYS = 7;

export interface PackageSpec {
  readonly ecosystem: 'npm' | 'pypi';
  readonly name: string;
  readonly version: string;
}

const refuse = (code: string, message: string, status = 403): Result<never, BulwarkError> =>
  err(bulwarkError(`supply.${code}`, message, { layer: 'L25', status }));

const NPM_PART = /^[a-z0-9~-][a-z0-9._~-]{0,213}$/;
const PYPI_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;

function npmNameOk(name: string): boolean {
  if (!name.startsWith('@')) return NPM_PART.test(name);
  const [scope = '', pkg = '', ...rest] = name.slice(1).split('/');
  return rest.length === 0 && NPM_PART.test(scope) && NPM_PART.test(pkg);
}

/** One exact version (digits first, no range operators, spaces, tags or URLs). */
function exactVersion(v: string): boolean {
  return /^\d[0-9A-Za-z.+-]{0,80}$/.test(v) && parseVersion(v) !== undefined;
}

/** `name@1.2.3` / `@scope/name@1.2.3` (npm) or `name==1.2.3` (PyPI); ranges, tags and URLs are refused. */
export function parsePackageSpec(ecosystem: string, spec: string): Result<PackageSpec, BulwarkError> {
  const eco = ecosystem.toLowerCase();
  if (eco === 'npm') {
    const at = spec.lastIndexOf('@');
    const name = at > 0 ? spec.slice(0, at) : spec;
    const version = at > 0 ? spec.slice(at + 1) : '';
    if (!npmNameOk(name) || !exactVersion(version))
      return refuse(
        'unpinned',
        `"${spec}" is not a pinned npm package: give name@x.y.z (an exact version; ranges, tags and URLs cannot be checked)`,
        400,
      );
    return ok({ ecosystem: 'npm', name, version });
  }
  if (eco === 'pypi') {
    const [name = '', version = '', ...rest] = spec.split('==');
    if (rest.length > 0 || !PYPI_NAME.test(name) || !exactVersion(version))
      return refuse('unpinned', `"${spec}" is not a pinned PyPI package: give name==x.y.z (an exact version)`, 400);
    return ok({ ecosystem: 'pypi', name, version });
  }
  return refuse('ecosystem', `ecosystem "${ecosystem}" is not supported: use npm or pypi`, 400);
}

/** Damerau-free edit distance ≤ 1 (one insertion, deletion or substitution), or two adjacent letters swapped. */
function oneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length === 1) return true;
    const [i, j] = diff;
    return diff.length === 2 && i !== undefined && j === i + 1 && a[i] === b[j] && a[j] === b[i];
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < s.length && s[i] === l[i]) i++;
  return s.slice(i) === l.slice(i + 1);
}

/** The popular package `name` imitates, if any (a near-miss spelling or separator trick, not the name itself). */
export function typosquatOf(ecosystem: string, name: string): string | undefined {
  const list = POPULAR_PACKAGES[ecosystem.toLowerCase()] ?? [];
  const n = name.toLowerCase();
  if (list.includes(n)) return undefined;
  const squash = (s: string) => s.replace(/[-_.]/g, '');
  return list.find((p) => p.length >= 4 && (oneEditApart(n, p) || (squash(n) === squash(p) && n !== p)));
}

export interface ScreenOptions {
  readonly maxIndexAgeDays?: number;
  readonly now?: Date;
  /** Check the name against popular names (default true; off for dependencies, which their authors chose). */
  readonly typosquat?: boolean;
}

export function indexAgeDays(index: AdvisoryIndex, now: Date): number {
  return (now.getTime() - Date.parse(index.builtAt)) / 86_400_000;
}

/** The L25 verdict on one pinned package; ok means it may be installed (scripts disabled) and started. */
export function screenPackage(
  dataDir: string,
  spec: PackageSpec,
  options: ScreenOptions = {},
): Result<void, BulwarkError> {
  const index = loadIndex(dataDir);
  if (!index.ok) return index;
  return screenAgainst(index.value, spec, options);
}

/** screenPackage with an index already loaded (many lookups, one read). */
export function screenAgainst(
  index: AdvisoryIndex,
  spec: PackageSpec,
  options: ScreenOptions = {},
): Result<void, BulwarkError> {
  const maxAge = options.maxIndexAgeDays ?? DEFAULT_MAX_INDEX_AGE_DAYS;
  const age = indexAgeDays(index, options.now ?? new Date());
  if (!(age <= maxAge))
    return refuse(
      'stale_index',
      `the advisory index is ${Number.isFinite(age) ? Math.floor(age) : '?'} days old (limit supply.maxIndexAgeDays = ${maxAge}): new packages are refused until it is refreshed with bulwark supply update --from …`,
      503,
    );
  const hit = lookup(index, spec.ecosystem, spec.name, spec.version);
  if (hit.listed)
    return refuse(
      'malicious',
      `${spec.name}@${spec.version} (${spec.ecosystem}) is listed as malicious or compromised (${hit.ids.slice(0, 3).join(', ')})${hit.uncertain ? ': its version could not be compared with the listed ranges, so it is refused' : ''}: do not install it`,
    );
  const squat = options.typosquat === false ? undefined : typosquatOf(spec.ecosystem, spec.name);
  if (squat !== undefined)
    return refuse(
      'typosquat',
      `${spec.name} (${spec.ecosystem}) is one edit away from the popular package "${squat}": check the spelling; refused`,
    );
  return ok(undefined);
}
