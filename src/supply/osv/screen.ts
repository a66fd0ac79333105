/**
 * L25 gate for starting a package (an MCP server, a skill dependency): the spec must be pinned (`name@1.2.3` for
 * npm, `name==1.2.3` for PyPI), an advisory index must exist and be fresh (`supply.maxIndexAgeDays`, default 7),
 * the package may not be listed as malicious or compromised at that version, and its name may not be a typosquat
 * shape of a popular package (typosquat.ts) unless the operator allows that exact name (`supply.allowNames`). Any doubt refuses (fail closed), naming the fix.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import { loadIndex, lookup, type AdvisoryIndex } from './advisory-index.js';
import { typosquatOf } from './typosquat.js';
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

export interface ScreenOptions {
  readonly maxIndexAgeDays?: number;
  readonly now?: Date;
  /** Check the name against popular names (default true; off for dependencies, which their authors chose). */
  readonly typosquat?: boolean;
  /** Exact names the operator vouches for (`supply.allowNames`): never refused as typosquats (still screened). */
  readonly allowNames?: readonly string[];
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
  const squat = options.typosquat === false ? undefined : typosquatOf(spec.ecosystem, spec.name, options.allowNames);
  if (squat !== undefined)
    return refuse(
      'typosquat',
      `${spec.name} (${spec.ecosystem}) looks like a typosquat of the popular package "${squat.popular}" (${squat.shape}): check the spelling; if ${spec.name} is the package you mean, add "${spec.name}" to supply.allowNames in the config`,
    );
  return ok(undefined);
}
