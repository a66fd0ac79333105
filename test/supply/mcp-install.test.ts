/**
 * L25 with bulwark's own install of a package MCP server: real npm, inside real bwrap, whose only network is a real
 * broker session allowed to reach the registry host alone; the registry is a fake one on loopback serving
 * packuments and tarballs this file builds. A clean server installs and starts (and a second start reuses the
 * cache, screened again against the current index); a tree with a listed transitive package is refused, naming it
 * and its path; lifecycle scripts never run; a tarball on any other host is refused by the broker.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { memoryCaStore } from '../../src/broker/ca-store.js';
import { execBrokerSpawner } from '../../src/broker/exec-spawner.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { BrokerConfigSchema } from '../../src/config/sections/broker.js';
import { McpServerSchema } from '../../src/config/sections/mcp.js';
import { bulwarkError } from '../../src/core/errors.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { err, unwrap } from '../../src/core/result.js';
import type { ExecService } from '../../src/exec/service.js';
import { SsrfGuard } from '../../src/net/guard.js';
import { pooledPinnedTransport } from '../../src/net/pinned-transport.js';
import { StubResolver } from '../../src/net/resolver.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { connectServer, type ConnectDeps } from '../../src/supply/mcp/connect.js';
import { INSTALL_MARKER, installDir } from '../../src/supply/mcp/package-install.js';
import { updateIndex } from '../../src/supply/osv/advisory-index.js';
import { tlsFixture } from '../net/helpers.js';
import { fakeRegistry, type FakePackage, type FakeRegistry } from './fake-registry.js';
import { startMcpExec } from './mcp-exec.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(import.meta.dirname, 'fixtures', 'mcp-test-server.mjs');
/** Every lifecycle script npm knows for installs; each would leave a file in the install folder. */
const SCRIPTS = Object.fromEntries(
  ['preinstall', 'install', 'postinstall', 'prepare'].map((s) => [s, `touch "$INIT_CWD/${s}-ran"`]),
);

/** A package whose bin starts the test MCP server after loading its dependencies (so they must be installed). */
function serverPackage(name: string, dependencies: Record<string, string>, extra: Partial<FakePackage> = {}) {
  const loads = Object.keys(dependencies)
    .map((d) => `import ${JSON.stringify(d)};\n`)
    .join('');
  return {
    name,
    version: '1.0.0',
    dependencies,
    bin: { [name]: 'server.mjs' },
    files: { 'server.mjs': `${loads}await import(${JSON.stringify(SERVER)});\n` },
    ...extra,
  };
}

const lib = (name: string, version: string, extra: Partial<FakePackage> = {}): FakePackage => ({
  name,
  version,
  files: { 'index.js': `module.exports = ${JSON.stringify(name)};\n` },
  ...extra,
});

const PACKAGES: FakePackage[] = [
  serverPackage('mcp-clean', { 'clean-dep': '^1.0.0' }),
  lib('clean-dep', '1.0.0'),
  serverPackage('mcp-bad', { 'middle-dep': '1.0.0' }),
  lib('middle-dep', '1.0.0', { dependencies: { 'evil-helper': '0.4.1' } }),
  lib('evil-helper', '0.4.1'),
  serverPackage('mcp-scripty', { 'scripty-dep': '1.0.0' }, { scripts: SCRIPTS }),
  lib('scripty-dep', '1.0.0', { scripts: SCRIPTS }),
  serverPackage('mcp-offsite', { 'far-dep': '1.0.0' }),
  lib('far-dep', '1.0.0', { tarballHost: 'other.test' }),
];

let exec: ExecService;
let registry: FakeRegistry;
let broker: Broker;
const events: Envelope<EventType>[] = [];
let pool: ReturnType<typeof pooledPinnedTransport>;
let spawner: ReturnType<typeof execBrokerSpawner>;

beforeAll(async () => {
  const tls = await tlsFixture();
  registry = await fakeRegistry(tls, PACKAGES, ['registry.test', 'other.test']);
  const port = registry.server.port;
  const bus = new EventBus();
  bus.on('*', (e) => events.push(e));
  const guard = new SsrfGuard({
    bus: new EventBus(),
    resolver: new StubResolver({ 'registry.test': [['127.0.0.1']], 'other.test': [['127.0.0.1']] }),
    config: { allow: [`registry.test:${port}`, `other.test:${port}`], ports: [443] },
  });
  pool = pooledPinnedTransport({ ca: tls.caPem });
  broker = unwrap(
    await startBroker({
      // other.test is open to every broker session; the install's session may still reach the registry only.
      config: BrokerConfigSchema.parse({ enabled: true, egressAllow: [`other.test:${port}`] }),
      guard,
      transport: pool.transport,
      resolveSecret: (name) => err(bulwarkError('secret.not_found', `secret "${name}" is not set`)),
      leakScanner: new LeakIndex(),
      bus,
      caStore: memoryCaStore(),
    }),
  );
  // Short: the broker's unix socket path must fit in 107 bytes.
  spawner = execBrokerSpawner(broker, { runDir: mkdtempSync(path.join(tmpdir(), 'b-')) });
  exec = startMcpExec();
});
afterAll(async () => {
  exec.stop();
  await broker.close();
  await pool.close();
  await registry.close();
});

function indexWith(dataDir: string, listed: ReadonlyArray<[string, string]>): void {
  const osv = mkdtempSync(path.join(tmpdir(), 'bulwark-osv-'));
  listed.forEach(([name, version], i) =>
    writeFileSync(
      path.join(osv, `MAL-${i}.json`),
      JSON.stringify({ id: `MAL-2026-${i}`, affected: [{ package: { ecosystem: 'npm', name }, versions: [version] }] }),
    ),
  );
  const built = updateIndex(dataDir, osv);
  if (!built.ok) throw new Error(built.error.message);
}

function depsFor(dataDir: string, withBroker = true): ConnectDeps {
  return {
    dataDir,
    startService: exec.startService!,
    ...(withBroker
      ? {
          brokerSession: (name: string, onlyHosts?: readonly string[]) =>
            spawner({
              agentId: `mcp:${name}`,
              ...(onlyHosts ? { onlyHosts } : {}),
              ...(exec.serviceRunAs ? { runAs: exec.serviceRunAs } : {}),
            }),
        }
      : {}),
    limits: ExecConfigSchema.parse({}).limits,
    workspaceOf: () => undefined,
    maxIndexAgeDays: 7,
    registry: registry.url,
    installTimeoutMs: 120_000,
  };
}

const server = (name: string, pkg: string) =>
  McpServerSchema.parse({ name, package: pkg, readOnlyPaths: [REPO], timeoutMs: 30_000 });

const fresh = () => mkdtempSync(path.join(tmpdir(), 'bulwark-data-'));
const spec = (name: string) => ({ ecosystem: 'npm' as const, name, version: '1.0.0' });

describe('L25: bulwark installs package MCP servers itself', () => {
  it('installs a clean server with its dependency, screens every package, starts it; a second start reuses the cache and is screened again', async () => {
    const data = fresh();
    indexWith(data, [['evil-helper', '0.4.1']]);
    const first = await connectServer(server('clean', 'mcp-clean@1.0.0'), depsFor(data));
    if (!first.ok) throw new Error(first.error.message);
    try {
      expect(first.value.checked).toEqual(['mcp-clean@1.0.0', 'clean-dep@1.0.0']);
      const tools = await first.value.listTools();
      expect(tools.ok && tools.value.map((t) => t.name)).toContain('echo');
    } finally {
      await first.value.close();
    }
    const dir = installDir(data, spec('mcp-clean'), registry.url);
    expect(existsSync(path.join(dir, INSTALL_MARKER))).toBe(true);
    expect(existsSync(path.join(dir, '.npm-cache'))).toBe(false);
    const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    expect(lock.packages['node_modules/clean-dep']?.version).toBe('1.0.0');
    // npm ran as the sandbox user under a root daemon; the tree it left is root's again, every entry of it.
    if (exec.serviceRunAs) {
      const owners = new Set<number>();
      const walk = (p: string): void => {
        const st = lstatSync(p);
        owners.add(st.uid);
        if (st.isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
      };
      walk(dir);
      expect([...owners]).toEqual([0]);
    }

    // The cache is reused: no request reaches the registry; and the index learnt of clean-dep meanwhile.
    const before = registry.requests.length;
    const again = await connectServer(server('clean', 'mcp-clean@1.0.0'), depsFor(data));
    if (!again.ok) throw new Error(again.error.message);
    await again.value.close();
    expect(registry.requests.length).toBe(before);
    indexWith(data, [['clean-dep', '1.0.0']]);
    const later = await connectServer(server('clean', 'mcp-clean@1.0.0'), depsFor(data));
    expect(later.ok).toBe(false);
    if (!later.ok) expect(later.error).toMatchObject({ code: 'supply.malicious', layer: 'L25' });
    if (!later.ok) expect(later.error.message).toContain('clean-dep@1.0.0');
    expect(registry.requests.length).toBe(before);
  });

  it('refuses a tree with a listed transitive package, naming it and the path to it; it never starts', async () => {
    const data = fresh();
    indexWith(data, [['evil-helper', '0.4.1']]);
    const r = await connectServer(server('bad', 'mcp-bad@1.0.0'), depsFor(data));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'supply.malicious', layer: 'L25' });
    expect(r.error.message).toContain('evil-helper@0.4.1');
    expect(r.error.message).toContain('path: mcp-bad@1.0.0 > middle-dep@1.0.0 > evil-helper@0.4.1');
  });

  it('runs no lifecycle script of the server or its dependencies', async () => {
    const data = fresh();
    indexWith(data, [['evil-helper', '0.4.1']]);
    // The work folder of an install a killed daemon abandoned is swept; one that may still be running is not.
    const abandoned = path.join(data, 'mcp-packages', '.install-abandoned');
    const recent = path.join(data, 'mcp-packages', '.install-recent');
    mkdirSync(abandoned, { recursive: true });
    mkdirSync(recent);
    const dayAgo = new Date(Date.now() - 86_400_000);
    utimesSync(abandoned, dayAgo, dayAgo);
    const r = await connectServer(server('scripty', 'mcp-scripty@1.0.0'), depsFor(data));
    if (!r.ok) throw new Error(r.error.message);
    await r.value.close();
    const dir = installDir(data, spec('mcp-scripty'), registry.url);
    // The scripts were there to run (the installed manifests still hold them) and left no file behind.
    const manifest = JSON.parse(
      readFileSync(path.join(dir, 'node_modules', 'scripty-dep', 'package.json'), 'utf8'),
    ) as {
      scripts?: Record<string, string>;
    };
    expect(Object.keys(manifest.scripts ?? {})).toEqual(['preinstall', 'install', 'postinstall', 'prepare']);
    expect(readdirSync(dir).filter((f) => f.endsWith('-ran'))).toEqual([]);
    expect([existsSync(abandoned), existsSync(recent)]).toEqual([false, true]);
  });

  it("the install's network is the broker, for the registry host only: a tarball on another host is refused and nothing is kept", async () => {
    const data = fresh();
    indexWith(data, [['evil-helper', '0.4.1']]);
    const seen = events.length;
    const r = await connectServer(server('offsite', 'mcp-offsite@1.0.0'), depsFor(data));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'supply.install_failed', layer: 'L25' });
    const denied = events.slice(seen).filter((e) => e.type === 'broker:deny');
    expect(denied.map((e) => (e.payload as { host?: string }).host)).toContain('other.test');
    expect(registry.requests.some((p) => p.startsWith('other.test'))).toBe(false);
    expect(existsSync(installDir(data, spec('mcp-offsite'), registry.url))).toBe(false);
    expect(readdirSync(path.join(data, 'mcp-packages')).filter((f) => f.startsWith('.install-'))).toEqual([]);
  });

  it('refuses before any download: no index, a listed server name, or no broker', async () => {
    const before = registry.requests.length;
    const none = await connectServer(server('clean', 'mcp-clean@1.0.0'), depsFor(fresh()));
    expect(none.ok || none.error.code).toBe('supply.no_index');
    const data = fresh();
    indexWith(data, [['mcp-clean', '1.0.0']]);
    const listed = await connectServer(server('clean', 'mcp-clean@1.0.0'), depsFor(data));
    expect(listed.ok || listed.error.code).toBe('supply.malicious');
    const noBroker = fresh();
    indexWith(noBroker, [['evil-helper', '0.4.1']]);
    const nb = await connectServer(server('clean', 'mcp-clean@1.0.0'), depsFor(noBroker, false));
    expect(nb.ok || nb.error.code).toBe('supply.install_no_broker');
    if (!nb.ok) expect(nb.error.message).toContain('broker.enabled');
    const offline = await connectServer(server('clean', 'mcp-clean@1.0.0'), { ...depsFor(noBroker), offline: true });
    expect(offline.ok || offline.error.code).toBe('supply.not_installed');
    const noNpm = await connectServer(server('clean', 'mcp-clean@1.0.0'), {
      ...depsFor(noBroker),
      npmCli: '/nonexistent/npm/bin/npm-cli.js',
    });
    expect(noNpm.ok || noNpm.error.code).toBe('supply.install_no_npm');
    if (!noNpm.ok) expect(noNpm.error.message).toContain('supply.npmCli');
    expect(registry.requests.length).toBe(before);
  });

  it('refuses a version the registry does not have, naming the fix', async () => {
    const data = fresh();
    indexWith(data, [['evil-helper', '0.4.1']]);
    const r = await connectServer(server('clean', 'mcp-clean@9.9.9'), depsFor(data));
    expect(r.ok || r.error.code).toBe('supply.install_failed');
    if (!r.ok) expect(r.error.message).toContain('supply.registry');
  });
});
