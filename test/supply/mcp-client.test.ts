/**
 * The MCP client against a real server (the official SDK's Server over stdio, test/supply/fixtures) started inside
 * the real exec sandbox (bwrap): approval pins, calls, the sandbox's walls, poisoned and rug-pulled tools.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { McpServerSchema, type McpServerConfig } from '../../src/config/sections/mcp.js';
import { EventBus } from '../../src/core/events.js';
import { openSqliteStore } from '../../src/core/sqlite.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { approveReview, reviewServer } from '../../src/supply/mcp/approve.js';
import type { ConnectDeps } from '../../src/supply/mcp/connect.js';
import { McpHost } from '../../src/supply/mcp/host.js';
import { SqliteMcpPinStore } from '../../src/supply/mcp/sqlite-pin-store.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(import.meta.dirname, 'fixtures', 'mcp-test-server.mjs');
const BUILTINS = ['read', 'write', 'edit', 'ls', 'exec', 'web_fetch'];

export function testServer(name: string, mode: string, extra: Partial<McpServerConfig> = {}): McpServerConfig {
  return McpServerSchema.parse({
    name,
    command: process.execPath,
    args: [SERVER],
    readOnlyPaths: [REPO],
    env: { MCP_TEST_MODE: mode },
    timeoutMs: 20_000,
    ...extra,
  });
}

let exec: ExecService;
let dataDir: string;
let workspace: string;
let pins: SqliteMcpPinStore;
const hosts: McpHost[] = [];

beforeAll(() => {
  const root = mkdtempSync(path.join(tmpdir(), 'bulwark-mcp-'));
  dataDir = path.join(root, 'data');
  workspace = path.join(root, 'ws');
  mkdirSync(workspace);
  const started = startExec({
    config: ExecConfigSchema.parse({}),
    runtimeDir: path.join(root, 'run'),
    parkedSandboxes: 0,
    bus: new EventBus(),
  });
  if (!started.ok) throw new Error(started.error.message);
  exec = started.value;
  const db = openSqliteStore(path.join(root, 'test.db'));
  if (!db.ok) throw new Error(db.error.message);
  pins = new SqliteMcpPinStore(db.value, 'test.db');
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(() => exec.stop());

function deps(): ConnectDeps {
  if (!exec.startService) throw new Error(`no bwrap here: ${exec.layer.reason}`);
  return {
    dataDir,
    startService: exec.startService,
    limits: ExecConfigSchema.parse({}).limits,
    workspaceOf: (id) => (id === 'main' ? workspace : undefined),
    maxIndexAgeDays: 7,
  };
}

async function approve(server: McpServerConfig): Promise<void> {
  const review = await reviewServer(server, { ...deps(), builtins: BUILTINS });
  if (!review.ok) throw new Error(review.error.message);
  const approved = await approveReview(review.value, pins);
  if (!approved.ok) throw new Error(approved.error.message);
}

async function host(servers: McpServerConfig[], bus = new EventBus()): Promise<McpHost> {
  const h = new McpHost({ ...deps(), servers, pins, bus, builtins: BUILTINS });
  hosts.push(h);
  await h.start();
  return h;
}

describe('MCP client, stdio inside the exec sandbox', () => {
  it('an approved server offers its tools as <server>__<tool> and answers calls', async () => {
    const s = testServer('alpha', 'clean');
    await approve(s);
    const h = await host([s]);
    const tools = h.tools();
    expect(tools.map((t) => t.name).sort()).toEqual(['alpha__echo', 'alpha__flip', 'alpha__probe']);
    expect(tools[0]?.actionClass).toBeUndefined();
    const echo = tools.find((t) => t.name === 'alpha__echo');
    const r = await echo!.call({ text: 'hi' }, AbortSignal.timeout(10_000));
    expect(r).toEqual({ ok: true, value: 'echo: hi' });
  });

  it('a server that was never approved offers nothing', async () => {
    const h = await host([testServer('beta', 'clean')]);
    expect(h.tools()).toEqual([]);
    expect(h.servers()[0]).toMatchObject({ state: 'running', enabled: 0, refused: 3 });
  });

  it('the server cannot read host files outside its binds, reach the network, or write the workspace', async () => {
    const secret = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-host-')), 'secret.txt');
    writeFileSync(secret, 'host secret');
    const listener = net.createServer((sock) => sock.destroy());
    let connections = 0;
    listener.on('connection', () => connections++);
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const s = testServer('gamma', 'clean', { workspace: 'main' });
      await approve(s);
      const h = await host([s]);
      const probe = h.tools().find((t) => t.name === 'gamma__probe');
      const r = await probe!.call({ file: secret, host: '127.0.0.1', port }, AbortSignal.timeout(15_000));
      expect(r.ok).toBe(true);
      const out = JSON.parse(r.ok ? r.value : '{}') as Record<string, string>;
      expect(out.file).toMatch(/^error ENOENT/);
      expect(out.ssh).toMatch(/^error (ENOENT|EACCES)/);
      expect(out.net).toMatch(/^error/);
      expect(out.internet).toMatch(/^error/);
      expect(out.state).toBe('read 4 bytes');
      expect(out.workspaceWrite).toMatch(/^error (EROFS|EACCES)/);
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  });
});
