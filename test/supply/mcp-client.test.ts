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
import type { ExecService } from '../../src/exec/service.js';
import { approveReview, reviewServer } from '../../src/supply/mcp/approve.js';
import type { ConnectDeps } from '../../src/supply/mcp/connect.js';
import { McpHost } from '../../src/supply/mcp/host.js';
import { SqliteMcpPinStore } from '../../src/supply/mcp/sqlite-pin-store.js';
import { toolPin } from '../../src/supply/mcp/tool-poisoning.js';
import { mcpPinStore, startMcpExec } from './mcp-exec.js';

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
  exec = startMcpExec(root);
  pins = mcpPinStore(root);
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

  it('a poisoned description is refused at review and never pinned; the clean tools of the server still are', async () => {
    const s = testServer('delta', 'poisoned');
    const review = await reviewServer(s, { ...deps(), builtins: BUILTINS });
    expect(review.ok).toBe(true);
    if (!review.ok) return;
    const add = review.value.tools.find((t) => t.definition.name === 'add');
    expect(add?.scan.verdict).toBe('block');
    expect(add?.state).toMatchObject({ status: 'refused', error: { code: 'mcp.tool_poisoned', layer: 'L24' } });
    const approved = await approveReview(review.value, pins);
    expect(approved).toEqual({ ok: true, value: 3 });
    expect([...(await pins.pins('delta')).keys()].sort()).toEqual(['echo', 'flip', 'probe']);
    const bus = new EventBus();
    const blocked: unknown[] = [];
    bus.on('security:blocked', (e) => blocked.push(e.payload));
    const h = await host([s], bus);
    expect(h.tools().map((t) => t.name)).not.toContain('delta__add');
    expect(blocked).toContainEqual(
      expect.objectContaining({ layer: 'L24', outcome: 'mcp.tool_poisoned', tool: 'add' }),
    );
  });

  it('a description changed after approval (rug pull) disables that tool until approved again', async () => {
    await approve(testServer('eps', 'clean'));
    const changed = testServer('eps', 'changed');
    const h = await host([changed]);
    expect(
      h
        .tools()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['eps__flip', 'eps__probe']);
    await h.close();
    await approve(changed);
    const again = await host([changed]);
    expect(again.tools().map((t) => t.name)).toContain('eps__echo');
  });

  it('a live rug pull (tools/list_changed with a new description) disables the tool for the next call', async () => {
    const s = testServer('zeta', 'clean');
    await approve(s);
    const h = await host([s]);
    const echo = h.tools().find((t) => t.name === 'zeta__echo');
    expect((await echo!.call({ text: 'a' }, AbortSignal.timeout(10_000))).ok).toBe(true);
    const flip = h.tools().find((t) => t.name === 'zeta__flip');
    expect((await flip!.call({}, AbortSignal.timeout(10_000))).ok).toBe(true);
    let r = await echo!.call({ text: 'b' }, AbortSignal.timeout(10_000));
    for (let i = 0; i < 50 && r.ok; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await echo!.call({ text: 'b' }, AbortSignal.timeout(10_000));
    }
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'mcp.tool_changed', layer: 'L24' });
    expect(h.servers()[0]).toMatchObject({ enabled: 2, refused: 1 });
    // A pin of anything but the current definition changes nothing; the operator approving exactly what the server
    // now lists enables the tool again for its next call, without a restart.
    const current = (description: string) => ({
      server: 'zeta',
      tool: 'echo',
      pin: toolPin({
        name: 'echo',
        description,
        inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      }),
      description,
      approvedAt: Date.now(),
    });
    const kept = [...(await pins.pins('zeta')).values()].filter((p) => p.tool !== 'echo');
    await pins.replace('zeta', [...kept, current('Echoes the given text back, version three.')]);
    const stillOff = await echo!.call({ text: 'c' }, AbortSignal.timeout(10_000));
    expect(stillOff.ok ? 'ran' : stillOff.error.code).toBe('mcp.tool_changed');
    await pins.replace('zeta', [...kept, current('Echoes the given text back, version two.')]);
    const back = await echo!.call({ text: 'd' }, AbortSignal.timeout(10_000));
    expect(back.ok ? back.value : back.error.message).toContain('d');
    expect(h.servers()[0]).toMatchObject({ enabled: 3, refused: 0 });
  });

  it('a call made right after tools/list_changed waits for the new list (no window on the old definitions)', async () => {
    // No re-list for staleness here: only the notification can disable the tool.
    const s = testServer('theta', 'clean', { relistAfterMs: 3_600_000 });
    await approve(s);
    const h = await host([s]);
    const echo = h.tools().find((t) => t.name === 'theta__echo');
    const flip = h.tools().find((t) => t.name === 'theta__flip');
    expect((await flip!.call({}, AbortSignal.timeout(10_000))).ok).toBe(true);
    const r = await echo!.call({ text: 'at once' }, AbortSignal.timeout(10_000));
    expect(r.ok ? r.value : r.error.code).toBe('mcp.tool_changed');
  });

  it('a tool whose name shadows a built-in is refused', async () => {
    const review = await reviewServer(testServer('eta', 'clean'), { ...deps(), builtins: [...BUILTINS, 'echo'] });
    expect(review.ok).toBe(true);
    if (!review.ok) return;
    expect(review.value.tools.find((t) => t.definition.name === 'echo')?.state).toMatchObject({
      status: 'refused',
      error: { code: 'mcp.tool_shadowing' },
    });
  });

  it('without the sandbox a stdio server is not started at all', async () => {
    const { startService: _omit, ...rest } = deps();
    const h = new McpHost({
      ...rest,
      sandboxMissing: 'exec.sandbox is off',
      servers: [testServer('theta', 'clean')],
      pins,
      bus: new EventBus(),
      builtins: BUILTINS,
    });
    hosts.push(h);
    await h.start();
    expect(h.servers()[0]).toMatchObject({ state: 'failed' });
    expect(h.servers()[0]?.reason).toContain('exec sandbox');
  });
});
