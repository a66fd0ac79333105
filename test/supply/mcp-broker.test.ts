/**
 * An MCP server with `network: broker` reaches the network only through the credential broker (L08): a CONNECT to a
 * bound host passes, one to any other host is refused by the broker, and a direct connection still fails.
 */
import { lstatSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execBrokerSpawner } from '../../src/broker/exec-spawner.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { McpServerSchema } from '../../src/config/sections/mcp.js';
import { EventBus } from '../../src/core/events.js';
import { lookupUser } from '../../src/exec/sandbox-identity.js';
import type { ExecService } from '../../src/exec/service.js';
import { serverStateDir } from '../../src/supply/mcp/connect.js';
import { approveReview, reviewServer } from '../../src/supply/mcp/approve.js';
import { McpHost } from '../../src/supply/mcp/host.js';
import { SqliteMcpPinStore } from '../../src/supply/mcp/sqlite-pin-store.js';
import { rig, type Rig } from '../broker/harness.js';
import { mcpPinStore, startMcpExec } from './mcp-exec.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(import.meta.dirname, 'fixtures', 'mcp-test-server.mjs');

let exec: ExecService;
let r: Rig;
beforeAll(async () => {
  r = await rig();
  exec = startMcpExec();
});
afterAll(async () => {
  exec.stop();
  await r.close();
});

const pinStore = (): SqliteMcpPinStore => mcpPinStore();

describe('MCP server with network: broker', () => {
  it('egress only through the broker: a bound host passes, others are refused, direct connections fail', async () => {
    // Short: the broker's unix socket path must fit in 107 bytes.
    const runDir = mkdtempSync(path.join(tmpdir(), 'b-'));
    const spawner = execBrokerSpawner(r.broker, { runDir });
    const pins = pinStore();
    const server = McpServerSchema.parse({
      name: 'net',
      command: process.execPath,
      args: [SERVER],
      readOnlyPaths: [REPO],
      network: 'broker',
      actionClass: 'network',
      timeoutMs: 20_000,
    });
    const deps = {
      dataDir: mkdtempSync(path.join(tmpdir(), 'bulwark-data-')),
      startService: exec.startService!,
      // As the daemon does: under a root daemon the server runs as the sandbox user, and its socket must be its own.
      brokerSession: (name: string) =>
        spawner({ agentId: `mcp:${name}`, ...(exec.serviceRunAs ? { runAs: exec.serviceRunAs } : {}) }),
      limits: ExecConfigSchema.parse({}).limits,
      workspaceOf: () => undefined,
      maxIndexAgeDays: 7,
      builtins: [],
    };
    const review = await reviewServer(server, deps);
    if (!review.ok) throw new Error(review.error.message);
    await approveReview(review.value, pins);
    const host = new McpHost({ ...deps, servers: [server], pins, bus: new EventBus() });
    await host.start();
    try {
      const probe = host.tools().find((t) => t.name === 'net__probe');
      const call = async (proxyTarget: string) => {
        const res = await probe!.call({ proxyTarget }, AbortSignal.timeout(15_000));
        if (!res.ok) throw new Error(res.error.message);
        return JSON.parse(res.value) as Record<string, string>;
      };
      const bound = await call(`api.test:${r.upstream.port}`);
      expect(bound.proxy).toMatch(/^HTTP\/1\.1 200/);
      expect(bound.internet).toMatch(/^error/);
      const other = await call('example.com:443');
      expect(other.proxy).toMatch(/^HTTP\/1\.1 403/);
      // Under a root daemon with the sandbox user, the server ran as that user: what it wrote in its HOME is its own.
      if (process.getuid?.() === 0) {
        const user = lookupUser('bulwark-sandbox');
        expect(exec.serviceRunAs).toEqual(user);
        expect(lstatSync(path.join(serverStateDir(deps.dataDir, 'net'), 'note.txt')).uid).toBe(user?.uid);
      }
    } finally {
      await host.close();
    }
  });

  it('without a broker, a broker-mode server is not started with any other network', async () => {
    const server = McpServerSchema.parse({ name: 'nb', command: '/bin/true', network: 'broker' });
    const host = new McpHost({
      dataDir: mkdtempSync(path.join(tmpdir(), 'bulwark-data-')),
      startService: exec.startService!,
      limits: ExecConfigSchema.parse({}).limits,
      workspaceOf: () => undefined,
      maxIndexAgeDays: 7,
      servers: [server],
      pins: pinStore(),
      bus: new EventBus(),
      builtins: [],
    });
    await host.start();
    expect(host.servers()[0]).toMatchObject({ state: 'failed' });
    expect(host.servers()[0]?.reason).toContain('credential broker is not running');
  });
});
