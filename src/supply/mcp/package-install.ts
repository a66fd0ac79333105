/**
 * L25's install of a package MCP server: bulwark, not the operator, installs `name@x.y.z` with npm into a cache
 * under the data dir — lifecycle scripts disabled, no user or global npmrc, a clean environment — inside the exec
 * sandbox, whose only network is a broker session that may reach the configured registry host and nothing else.
 * A finished install is kept (keyed by name@version and registry) and reused; a failed or partial one is removed
 * and refused. Screening the tree it produced is package-tree.ts's job, on every start.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { bulwarkError, childPath, describeCause, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import type { ExecLimits } from '../../config/index.js';
import { chownTree, type BrokerSpawn, type ServiceProcess, type ServiceSpec } from '../../exec/index.js';
import type { PackageSpec } from '../osv/screen.js';

/** Written last into a finished install; its absence marks a partial one. */
export const INSTALL_MARKER = 'bulwark-install.json';
const HOLDER_NAME = 'bulwark-mcp-install';
/** npm refuses one file as both its user and its global config: two empty ones. */
const EMPTY_USERCONFIG = '.bulwark-empty-userconfig';
const EMPTY_GLOBALCONFIG = '.bulwark-empty-globalconfig';
const NPM_CACHE = '.npm-cache';
const SANDBOX_STATE = '/state';
const MAX_STDERR = 16 * 1024;

export interface InstallDeps {
  readonly dataDir: string;
  /** The npm registry (https URL); the install's broker session may reach its host only. */
  readonly registry: string;
  readonly startService: (spec: ServiceSpec) => Result<ServiceProcess, BulwarkError>;
  /** Opens a broker session limited to `onlyHosts`; absent when no broker runs (installs refused). */
  readonly brokerSession?: (onlyHosts: readonly string[]) => Promise<Result<BrokerSpawn, BulwarkError>>;
  readonly limits: ExecLimits;
  readonly timeoutMs: number;
  /** npm's CLI script (default: the npm that ships next to the daemon's node). */
  readonly npmCli?: string;
  /** Only reuse a finished install, never start one (the CLI's review, which runs no broker). */
  readonly cachedOnly?: boolean;
}

const refuse = (code: string, message: string, status = 403): Result<never, BulwarkError> =>
  err(bulwarkError(`supply.${code}`, message, { layer: 'L25', status }));

/** `host:port` of the registry, as the broker keys hosts. */
export function registryHost(registry: string): string {
  const url = new URL(registry);
  return `${url.hostname}:${url.port === '' ? 443 : url.port}`;
}

/** The cache folder of one name@version from one registry (a readable name plus a hash of both). */
export function installDir(dataDir: string, spec: PackageSpec, registry: string): string {
  const key = createHash('sha256').update(`${spec.name}@${spec.version}\n${registry}`).digest('hex').slice(0, 16);
  const readable = `${spec.name.replace(/^@/, '').replace('/', '+')}@${spec.version}`;
  return childPath(childPath(dataDir, 'mcp-packages'), `${readable}-${key}`);
}

/**
 * npm's CLI as installed with node (`<prefix>/lib/node_modules/npm/bin/npm-cli.js`), else where Debian's npm
 * package puts it; the first that exists (supply.npmCli overrides).
 */
export function defaultNpmCli(): string {
  const candidates = [
    childPath(path.dirname(path.dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    childPath('/usr', 'share', 'nodejs', 'npm', 'bin', 'npm-cli.js'),
  ];
  return candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);
}

interface Marker {
  readonly spec?: unknown;
  readonly registry?: unknown;
}

function finished(dir: string, spec: PackageSpec, registry: string): boolean {
  const file = childPath(dir, INSTALL_MARKER);
  if (!existsSync(file)) return false;
  try {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as Marker;
    return marker.spec === `${spec.name}@${spec.version}` && marker.registry === registry;
  } catch {
    return false;
  }
}

/** Work folders of installs that never finished (a daemon killed mid-install), older than any live one can be. */
function sweepAbandoned(root: string, timeoutMs: number): void {
  const cutoff = Date.now() - 2 * timeoutMs;
  for (const name of readdirSync(root)) {
    if (!name.startsWith('.install-')) continue;
    const dir = childPath(root, name);
    if (statSync(dir).mtimeMs < cutoff) rmSync(dir, { recursive: true, force: true });
  }
}

function npmArgv(node: string, npmCli: string, registry: string): string[] {
  return [
    node,
    npmCli,
    'install',
    `--registry=${registry}`,
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    `--userconfig=${SANDBOX_STATE}/${EMPTY_USERCONFIG}`,
    `--globalconfig=${SANDBOX_STATE}/${EMPTY_GLOBALCONFIG}`,
    `--cache=${SANDBOX_STATE}/${NPM_CACHE}`,
    '--package-lock=true',
    '--install-links=false',
    '--strict-ssl=true',
    '--no-progress',
    '--loglevel=error',
  ];
}

/** Runs npm in the sandbox and resolves with its exit code and the tail of its stderr (or the timeout). */
function runToEnd(
  service: ServiceProcess,
  timeoutMs: number,
): Promise<{ code: number | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    service.child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-MAX_STDERR);
    });
    service.child.stdout?.resume();
    service.child.stdin?.end();
    const timer = setTimeout(() => {
      timedOut = true;
      service.stop();
    }, timeoutMs);
    service.child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, timedOut });
    });
  });
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-6).join(' | ').slice(0, 800);
}

/**
 * The folder of the installed tree of `spec` from `deps.registry`: the cached one when a finished install exists,
 * else a fresh sandboxed install. Refused (nothing left behind) when npm fails, times out, or leaves no lockfile.
 */
export async function ensureInstalled(spec: PackageSpec, deps: InstallDeps): Promise<Result<string, BulwarkError>> {
  const target = installDir(deps.dataDir, spec, deps.registry);
  const pinned = `${spec.name}@${spec.version}`;
  if (finished(target, spec, deps.registry)) return ok(target);
  if (deps.cachedOnly === true)
    return refuse(
      'not_installed',
      `${pinned} is not installed yet: the daemon installs it through the broker (from ${deps.registry}) when it starts the server; start it once, then run this again — or install it yourself and set packageDir`,
      409,
    );
  const openSession = deps.brokerSession;
  if (!openSession)
    return refuse(
      'install_no_broker',
      `installing ${pinned} needs the credential broker (broker.enabled: true): the install reaches ${deps.registry} only through it; or install it yourself with npm install --ignore-scripts and set packageDir`,
      503,
    );
  const npmCli = deps.npmCli ?? defaultNpmCli();
  if (!existsSync(npmCli))
    return refuse(
      'install_no_npm',
      `npm is not at ${npmCli}: install npm next to node, or set supply.npmCli to its npm-cli.js, to let bulwark install ${pinned}`,
      503,
    );
  const root = path.dirname(target);
  let work: string;
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    sweepAbandoned(root, deps.timeoutMs);
    // A partial install of an earlier, interrupted start is never reused.
    rmSync(target, { recursive: true, force: true });
    work = mkdtempSync(childPath(root, '.install-'));
    writeFileSync(
      childPath(work, 'package.json'),
      JSON.stringify({
        name: HOLDER_NAME,
        version: '0.0.0',
        private: true,
        dependencies: { [spec.name]: spec.version },
      }),
    );
    writeFileSync(childPath(work, EMPTY_USERCONFIG), '');
    writeFileSync(childPath(work, EMPTY_GLOBALCONFIG), '');
  } catch (cause) {
    return refuse('install_failed', `cannot prepare the install of ${pinned} in ${root}: ${describeCause(cause)}`, 500);
  }
  const installed = await runInstall(spec, deps, openSession, work, npmCli);
  if (!installed.ok) {
    rmSync(work, { recursive: true, force: true });
    return installed;
  }
  try {
    rmSync(childPath(work, NPM_CACHE), { recursive: true, force: true });
    writeFileSync(
      childPath(work, INSTALL_MARKER),
      JSON.stringify({ spec: pinned, registry: deps.registry, installedAt: new Date().toISOString() }),
    );
    renameSync(work, target);
  } catch (cause) {
    rmSync(work, { recursive: true, force: true });
    // Another start finished the same install first: use that one.
    if (finished(target, spec, deps.registry)) return ok(target);
    return refuse(
      'install_failed',
      `cannot move the install of ${pinned} into ${target}: ${describeCause(cause)}`,
      500,
    );
  }
  return ok(target);
}

async function runInstall(
  spec: PackageSpec,
  deps: InstallDeps,
  openSession: NonNullable<InstallDeps['brokerSession']>,
  work: string,
  npmCli: string,
): Promise<Result<void, BulwarkError>> {
  const pinned = `${spec.name}@${spec.version}`;
  const session = await openSession([registryHost(deps.registry)]);
  if (!session.ok) return session;
  try {
    const started = deps.startService({
      name: `install ${pinned}`,
      stateDir: work,
      readOnlyPaths: [path.dirname(path.dirname(npmCli)), process.execPath].filter((p) => !p.startsWith('/usr/')),
      argv: npmArgv(process.execPath, npmCli, deps.registry),
      env: {},
      broker: session.value,
      limits: { ...deps.limits, cpuSeconds: Math.ceil(deps.timeoutMs / 1000) },
    });
    if (!started.ok) return started;
    const run = await runToEnd(started.value, deps.timeoutMs);
    if (run.timedOut)
      return refuse(
        'install_failed',
        `installing ${pinned} from ${deps.registry} took longer than ${deps.timeoutMs} ms (supply.installTimeoutMs) and was stopped: nothing was kept`,
        504,
      );
    if (run.code !== 0)
      return refuse(
        'install_failed',
        `installing ${pinned} from ${deps.registry} failed (npm exit ${String(run.code)}): ${tail(run.stderr) || 'no output'} — check that the version exists there, that supply.registry is right, and that the broker may reach it; nothing was kept`,
        502,
      );
    const lock = childPath(work, 'package-lock.json');
    const manifest = childPath(childPath(work, 'node_modules'), ...spec.name.split('/'), 'package.json');
    if (!existsSync(lock) || !existsSync(manifest))
      return refuse(
        'install_failed',
        `installing ${pinned} left no ${existsSync(lock) ? `node_modules/${spec.name}` : 'package-lock.json'}: a partial install is never started; nothing was kept`,
        502,
      );
    // npm ran as the sandbox user (a root daemon): the tree later bound read-only into the server goes back to
    // root, readable by that user (mkdtemp made its root 0700).
    if (!started.value.runAs) return ok(undefined);
    const owned = chownTree(work, 0, 0);
    if (!owned.ok) return owned;
    try {
      chmodSync(work, 0o755);
    } catch (cause) {
      return refuse(
        'install_failed',
        `cannot open the install of ${pinned} to the sandbox user: ${describeCause(cause)}`,
        500,
      );
    }
    return ok(undefined);
  } finally {
    await session.value.close();
  }
}
