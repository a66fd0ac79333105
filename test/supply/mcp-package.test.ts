/**
 * L25 for MCP servers started from a package: the spec is pinned, the index exists and is fresh, and every
 * name@version of the installed tree's lockfile passes it; only then is the package's bin started (sandboxed).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { McpServerSchema } from '../../src/config/sections/mcp.js';
import { EventBus } from '../../src/core/events.js';
import type { ExecService } from '../../src/exec/service.js';
import { McpHost } from '../../src/supply/mcp/host.js';
import { screenPackageTree } from '../../src/supply/mcp/package-tree.js';
import { SqliteMcpPinStore } from '../../src/supply/mcp/sqlite-pin-store.js';
import { updateIndex } from '../../src/supply/osv/advisory-index.js';
import { mcpPinStore, startMcpExec } from './mcp-exec.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(import.meta.dirname, 'fixtures', 'mcp-test-server.mjs');

/** An installed package tree: the server package (its bin starts the test server) and two dependencies. */
function packageTree(deps: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-pkg-'));
  // World-readable, as npm leaves an install: the server runs as the sandbox user under a root daemon.
  chmodSync(dir, 0o755);
  const pkg = path.join(dir, 'node_modules', 'mcp-fixture-server');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'mcp-fixture-server', version: '1.2.3', bin: { 'mcp-fixture-server': 'server.mjs' } }),
  );
  writeFileSync(path.join(pkg, 'server.mjs'), `await import(${JSON.stringify(SERVER)});\n`);
  const packages: Record<string, unknown> = {
    '': { name: 'holder', dependencies: { 'mcp-fixture-server': '1.2.3' } },
    'node_modules/mcp-fixture-server': { version: '1.2.3' },
  };
  for (const [name, version] of Object.entries(deps)) packages[`node_modules/${name}`] = { version };
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages }));
  return dir;
}

function indexWith(dataDir: string, malicious: string): void {
  const osv = mkdtempSync(path.join(tmpdir(), 'bulwark-osv-'));
  writeFileSync(
    path.join(osv, 'MAL-9.json'),
    JSON.stringify({
      id: 'MAL-2026-9',
      affected: [{ package: { ecosystem: 'npm', name: malicious }, versions: ['0.4.1'] }],
    }),
  );
  const built = updateIndex(dataDir, osv);
  if (!built.ok) throw new Error(built.error.message);
}

let exec: ExecService;
let pins: SqliteMcpPinStore;
beforeAll(() => {
  const root = mkdtempSync(path.join(tmpdir(), 'bulwark-mcp-pkg-'));
  exec = startMcpExec(root);
  pins = mcpPinStore(root);
});
afterAll(() => exec.stop());

const fresh = () => mkdtempSync(path.join(tmpdir(), 'bulwark-data-'));

describe('L25 on MCP package servers', () => {
  it('refuses without an index, naming the command that builds one', () => {
    const r = screenPackageTree(fresh(), 'mcp-fixture-server@1.2.3', packageTree({}));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'supply.no_index', layer: 'L25' });
    if (!r.ok) expect(r.error.message).toContain('bulwark supply update');
  });

  it('refuses a stale index', () => {
    const data = fresh();
    indexWith(data, 'evil-helper');
    const r = screenPackageTree(data, 'mcp-fixture-server@1.2.3', packageTree({}), { maxIndexAgeDays: 0 });
    expect(r.ok || r.error.code).toBe('supply.stale_index');
  });

  it('refuses unpinned specs and trees that do not hold the pinned version', () => {
    const data = fresh();
    indexWith(data, 'evil-helper');
    for (const spec of ['mcp-fixture-server', 'mcp-fixture-server@^1.2.3', 'mcp-fixture-server@latest'])
      expect(screenPackageTree(data, spec, packageTree({})).ok || 'refused').toBe('refused');
    const r = screenPackageTree(data, 'mcp-fixture-server@1.2.4', packageTree({}));
    expect(r.ok || r.error.code).toBe('supply.tree_mismatch');
  });

  it('refuses a tree with a listed transitive dependency, and checks every package of a clean one', () => {
    const data = fresh();
    indexWith(data, 'evil-helper');
    const bad = screenPackageTree(
      data,
      'mcp-fixture-server@1.2.3',
      packageTree({ 'plain-dep': '2.0.0', 'evil-helper': '0.4.1' }),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ code: 'supply.malicious', layer: 'L25' });
    if (!bad.ok) expect(bad.error.message).toContain('evil-helper@0.4.1');
    const good = screenPackageTree(
      data,
      'mcp-fixture-server@1.2.3',
      packageTree({ 'plain-dep': '2.0.0', 'evil-helper': '0.4.2' }),
    );
    expect(good.ok && good.value.checked).toEqual(['mcp-fixture-server@1.2.3', 'plain-dep@2.0.0', 'evil-helper@0.4.2']);
  });

  it('refuses a dependency that comes from a folder, a tarball path or git: its name and version are only claims', () => {
    const data = fresh();
    indexWith(data, 'evil-helper');
    for (const resolved of ['file:vendor/plain-dep', 'git+ssh://git@example.com/x/plain-dep.git#abc']) {
      const tree = packageTree({ 'plain-dep': '2.0.0' });
      const lockFile = path.join(tree, 'package-lock.json');
      const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, Record<string, unknown>> };
      lock.packages['node_modules/plain-dep'] = { version: '2.0.0', resolved };
      writeFileSync(lockFile, JSON.stringify(lock));
      const r = screenPackageTree(data, 'mcp-fixture-server@1.2.3', tree);
      expect(r.ok || r.error.code).toBe('supply.local_dependency');
    }
    const registryTree = packageTree({ 'plain-dep': '2.0.0' });
    const lockFile = path.join(registryTree, 'package-lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, Record<string, unknown>> };
    lock.packages['node_modules/plain-dep'] = {
      version: '2.0.0',
      resolved: 'https://registry.npmjs.org/plain-dep/-/plain-dep-2.0.0.tgz',
    };
    writeFileSync(lockFile, JSON.stringify(lock));
    expect(screenPackageTree(data, 'mcp-fixture-server@1.2.3', registryTree).ok).toBe(true);
  });

  it('the server name is checked for typosquats; its dependencies against the index only', () => {
    const data = fresh();
    indexWith(data, 'evil-helper');
    const dep = screenPackageTree(data, 'mcp-fixture-server@1.2.3', packageTree({ preact: '10.29.8' }));
    expect(dep.ok).toBe(true);
    const squat = screenPackageTree(data, 'expresss@4.19.2', packageTree({}));
    expect(squat.ok || squat.error.code).toBe('supply.typosquat');
  });

  it('the daemon host starts a screened package server in the sandbox, and refuses it without an index', async () => {
    const tree = packageTree({ 'plain-dep': '2.0.0' });
    const server = McpServerSchema.parse({
      name: 'pkg',
      package: 'mcp-fixture-server@1.2.3',
      packageDir: tree,
      readOnlyPaths: [REPO],
      timeoutMs: 20_000,
    });
    const base = {
      startService: exec.startService!,
      limits: ExecConfigSchema.parse({}).limits,
      workspaceOf: () => undefined,
      maxIndexAgeDays: 7,
      servers: [server],
      pins,
      bus: new EventBus(),
      builtins: [],
    };
    const none = new McpHost({ ...base, dataDir: fresh() });
    await none.start();
    expect(none.servers()[0]).toMatchObject({ state: 'failed' });
    expect(none.servers()[0]?.reason).toContain('bulwark supply update');
    const data = fresh();
    indexWith(data, 'evil-helper');
    const ok = new McpHost({ ...base, dataDir: data });
    await ok.start();
    try {
      expect(ok.servers()[0]).toMatchObject({ state: 'running', checked: 2 });
    } finally {
      await ok.close();
    }
  });
});
