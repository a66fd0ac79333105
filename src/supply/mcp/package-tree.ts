/**
 * L25 for an MCP server started from a package: the spec must be pinned (`name@x.y.z`), the installed tree must
 * hold exactly that package at its root (`packageDir/package-lock.json`, lockfile v2/v3), and every resolved
 * name@version in the lockfile — transitive dependencies included — must pass the local advisory index (fresh, not
 * listed; the server's own name also no typosquat of a popular one). Any doubt refuses. The server's program is the
 * package's own bin, run by node.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  bulwarkError,
  childPath,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  safePath,
} from '../../core/index.js';
import { loadIndex, type AdvisoryIndex } from '../osv/advisory-index.js';
import { parsePackageSpec, screenAgainst, type PackageSpec, type ScreenOptions } from '../osv/screen.js';

const MAX_LOCKFILE_BYTES = 64 * 1024 * 1024;
const MAX_PACKAGES = 20_000;

export interface ScreenedTree {
  readonly spec: PackageSpec;
  /** Every name@version checked (the root first). */
  readonly checked: readonly string[];
  /** Host path of the script the package's bin names. */
  readonly bin: string;
}

const refuse = (code: string, message: string, status = 403): Result<never, BulwarkError> =>
  err(bulwarkError(`supply.${code}`, message, { layer: 'L25', status }));

interface LockEntry {
  readonly version?: unknown;
  readonly name?: unknown;
  readonly link?: unknown;
  readonly resolved?: unknown;
  readonly bin?: unknown;
  readonly dependencies?: unknown;
  readonly optionalDependencies?: unknown;
  readonly peerDependencies?: unknown;
}

/** The name of a lockfile key `node_modules/a/node_modules/@s/b` → `@s/b`. */
function nameOfKey(key: string): string | undefined {
  const at = key.lastIndexOf('node_modules/');
  return at < 0 ? undefined : key.slice(at + 'node_modules/'.length);
}

/** Where node would resolve `name` required from the package at `from` (its own node_modules, then each parent's). */
function resolveFrom(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[key] !== undefined) return key;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

const depNames = (e: LockEntry): string[] =>
  [e.dependencies, e.optionalDependencies, e.peerDependencies].flatMap((d) =>
    d !== null && typeof d === 'object' ? Object.keys(d) : [],
  );

/** The shortest chain of lockfile keys from `rootKey` to `target` (breadth first over each package's dependencies). */
function dependencyChain(packages: Record<string, LockEntry>, rootKey: string, target: string): string[] | undefined {
  const previous = new Map<string, string | undefined>([[rootKey, undefined]]);
  const queue = [rootKey];
  while (queue.length > 0) {
    const key = queue.shift() as string;
    if (key === target) {
      const chain: string[] = [];
      for (let k: string | undefined = key; k !== undefined; k = previous.get(k)) chain.unshift(k);
      return chain;
    }
    const entry = packages[key];
    if (!entry) continue;
    for (const name of depNames(entry)) {
      const next = resolveFrom(packages, key, name);
      if (next !== undefined && !previous.has(next)) {
        previous.set(next, key);
        queue.push(next);
      }
    }
  }
  return undefined;
}

function describeChain(packages: Record<string, LockEntry>, chain: readonly string[]): string {
  return chain
    .map((k) => {
      const e = packages[k];
      const name = typeof e?.name === 'string' ? e.name : (nameOfKey(k) ?? k);
      return `${name}@${String(e?.version)}`;
    })
    .join(' > ');
}

function readLockfile(dir: string): Result<Record<string, LockEntry>, BulwarkError> {
  const file = childPath(dir, 'package-lock.json');
  if (!existsSync(file))
    return refuse(
      'no_lockfile',
      `${file} is missing: L25 checks every package of the tree from its lockfile; install the server with npm install --ignore-scripts so one is written`,
      400,
    );
  try {
    const text = readFileSync(file);
    if (text.byteLength > MAX_LOCKFILE_BYTES) return refuse('bad_lockfile', `${file} is larger than 64 MiB`, 400);
    const parsed = JSON.parse(text.toString('utf8')) as { lockfileVersion?: unknown; packages?: unknown };
    if ((parsed.lockfileVersion !== 2 && parsed.lockfileVersion !== 3) || typeof parsed.packages !== 'object')
      return refuse(
        'bad_lockfile',
        `${file} is not an npm lockfile of version 2 or 3 (with "packages"): regenerate it with npm 7 or later`,
        400,
      );
    return ok(parsed.packages as Record<string, LockEntry>);
  } catch (cause) {
    return refuse('bad_lockfile', `cannot read ${file}: ${describeCause(cause)}`, 400);
  }
}

/** The script of the package's bin (its only one, or the one named like the package). */
function binOf(dir: string, spec: PackageSpec): Result<string, BulwarkError> {
  const pkgDir = safePath(childPath(dir, 'node_modules'), spec.name);
  if (!pkgDir.ok) return refuse('bad_tree', `the package folder of ${spec.name} is not inside ${dir}`, 400);
  try {
    const manifest = JSON.parse(readFileSync(childPath(pkgDir.value, 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
      bin?: unknown;
    };
    if (manifest.name !== spec.name || manifest.version !== spec.version)
      return refuse(
        'tree_mismatch',
        `the installed ${spec.name} is ${String(manifest.name)}@${String(manifest.version)}, not ${spec.name}@${spec.version}: reinstall the pinned version`,
      );
    const short = spec.name.split('/').pop() ?? spec.name;
    const bin =
      typeof manifest.bin === 'string'
        ? manifest.bin
        : manifest.bin !== null && typeof manifest.bin === 'object'
          ? ((manifest.bin as Record<string, unknown>)[short] ?? Object.values(manifest.bin)[0])
          : undefined;
    if (typeof bin !== 'string')
      return refuse('no_bin', `${spec.name}@${spec.version} declares no bin to start as an MCP server`, 400);
    const script = safePath(pkgDir.value, bin);
    if (!script.ok) return refuse('bad_tree', `the bin of ${spec.name} points outside its package folder`);
    return ok(script.value);
  } catch (cause) {
    return refuse('bad_tree', `cannot read the package.json of ${spec.name} in ${dir}: ${describeCause(cause)}`, 400);
  }
}

/**
 * The L25 verdict on the pinned spec alone (pinned, index present and fresh, not listed, no typosquat): asked
 * before an install, so a refused name is never even downloaded.
 */
export function screenPackageSpec(
  dataDir: string,
  rawSpec: string,
  options: ScreenOptions = {},
): Result<{ spec: PackageSpec; index: AdvisoryIndex }, BulwarkError> {
  const spec = parsePackageSpec('npm', rawSpec);
  if (!spec.ok) return spec;
  // The index first: without a fresh one nothing about the tree can be trusted, whatever it holds.
  const index = loadIndex(dataDir);
  if (!index.ok) return index;
  const root = screenAgainst(index.value, spec.value, options);
  if (!root.ok) return root;
  return ok({ spec: spec.value, index: index.value });
}

/** The L25 verdict on a package server's installed tree; ok names what was checked and the bin to start. */
export function screenPackageTree(
  dataDir: string,
  rawSpec: string,
  dir: string,
  options: ScreenOptions = {},
): Result<ScreenedTree, BulwarkError> {
  const screened = screenPackageSpec(dataDir, rawSpec, options);
  if (!screened.ok) return screened;
  const { spec, index } = screened.value;
  const packages = readLockfile(dir);
  if (!packages.ok) return packages;
  const entries = Object.entries(packages.value);
  if (entries.length > MAX_PACKAGES)
    return refuse('bad_lockfile', `the lockfile lists more than ${MAX_PACKAGES} packages`, 400);
  const rootKey = `node_modules/${spec.name}`;
  const rootEntry = packages.value[rootKey];
  if (rootEntry?.version !== spec.version)
    return refuse(
      'tree_mismatch',
      `the lockfile in ${dir} does not resolve ${spec.name}@${spec.version} at its top level: install exactly the pinned version`,
    );
  const checked = [`${spec.name}@${spec.version}`];
  for (const [key, entry] of entries) {
    if (key === '' || key === rootKey) continue;
    const name = typeof entry.name === 'string' ? entry.name : nameOfKey(key);
    if (entry.link === true)
      return refuse('linked_package', `${key} in the lockfile is a link to a local folder: L25 cannot check it`);
    // A folder, tarball or git checkout takes whatever name and version its package.json claims: not a registry
    // version the index can vouch for.
    if (typeof entry.resolved === 'string' && !/^https?:\/\//.test(entry.resolved))
      return refuse(
        'local_dependency',
        `${key} in the lockfile comes from ${entry.resolved.slice(0, 120)}, not from a registry: L25 cannot check it`,
      );
    if (name === undefined || typeof entry.version !== 'string')
      return refuse('bad_lockfile', `lockfile entry "${key}" has no name or exact version: L25 cannot check it`, 400);
    const dep = parsePackageSpec('npm', `${name}@${entry.version}`);
    if (!dep.ok)
      return refuse(
        'unpinned_dependency',
        `the dependency ${name}@${entry.version} is not an exact registry version: refused`,
      );
    // A dependency is checked against the index only: the typosquat rule guards the name an operator types, and on
    // real trees it misfires (preact is one edit from react).
    const verdict = screenAgainst(index, dep.value, { ...options, typosquat: false });
    if (!verdict.ok) {
      const chain = dependencyChain(packages.value, rootKey, key);
      const via = chain ? describeChain(packages.value, chain) : `${key} (not reachable from ${spec.name})`;
      return err({
        ...verdict.error,
        message: `${spec.name}@${spec.version} depends on a refused package, ${name}@${entry.version} (path: ${via}): ${verdict.error.message}`,
      });
    }
    checked.push(`${name}@${entry.version}`);
  }
  const bin = binOf(dir, spec);
  if (!bin.ok) return bin;
  return ok({ spec, checked, bin: bin.value });
}
