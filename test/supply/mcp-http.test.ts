/**
 * HTTP MCP servers are reached only through L10: a loopback server is refused by the SSRF guard until the
 * operator names it in net.allow; then its tools are listed and called through the guarded fetch.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { McpServerSchema } from '../../src/config/sections/mcp.js';
import { DEFAULT_NET_CONFIG } from '../../src/config/sections/net.js';
import { EventBus } from '../../src/core/events.js';
import { openSqliteStore } from '../../src/core/sqlite.js';
import { createNetGuard } from '../../src/net/index.js';
import { approveReview, reviewServer } from '../../src/supply/mcp/approve.js';
import { l10Fetch } from '../../src/supply/mcp/guarded-fetch.js';
import { McpHost } from '../../src/supply/mcp/host.js';
import { SecretTaint, taintEgressCheck, trustedHosts } from '../../src/agent/egress-taint.js';
import { remoteTool } from '../../src/agent/tools/remote.js';
import { toolRunContext } from '../support/drivers.js';
import { SqliteMcpPinStore } from '../../src/supply/mcp/sqlite-pin-store.js';

let http: HttpServer;
let port: number;
let requests = 0;
/** Arguments of every tools/call the server received. */
const called: unknown[] = [];

function mcpServer(): Server {
  const s = new Server({ name: 'http-test', version: '1.0.0' }, { capabilities: { tools: {} } });
  s.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [{ name: 'lookup', description: 'Looks a word up.', inputSchema: { type: 'object', properties: {} } }],
  }));
  s.setRequestHandler(CallToolRequestSchema, (req) => {
    called.push(req.params.arguments);
    return { content: [{ type: 'text', text: 'found it' }] };
  });
  return s;
}

beforeAll(async () => {
  http = createServer((req, res) => {
    requests++;
    // Stateless: a fresh server and transport per request, JSON answers.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    void mcpServer()
      .connect(transport)
      .then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  port = (http.address() as AddressInfo).port;
});
afterAll(() => http.close());

function deps(allow: string[]) {
  const bus = new EventBus();
  const guard = createNetGuard({ ...DEFAULT_NET_CONFIG, allow, ports: [...DEFAULT_NET_CONFIG.ports, port] }, bus);
  const db = openSqliteStore(path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-mcp-http-')), 'p.db'));
  if (!db.ok) throw new Error(db.error.message);
  return {
    dataDir: mkdtempSync(path.join(tmpdir(), 'bulwark-data-')),
    fetchFor: (server: string) => l10Fetch(guard, server),
    limits: ExecConfigSchema.parse({}).limits,
    workspaceOf: () => undefined,
    maxIndexAgeDays: 7,
    pins: new SqliteMcpPinStore(db.value, 'p.db'),
    bus,
    builtins: [],
  };
}

const server = () => McpServerSchema.parse({ name: 'web', url: `http://127.0.0.1:${port}/mcp`, actionClass: 'read' });

describe('HTTP MCP servers through L10', () => {
  it('a loopback server is refused by L10 and never contacted', async () => {
    const before = requests;
    const r = await reviewServer(server(), deps([]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/L10/);
    expect(requests).toBe(before);
  });

  it('named in net.allow, its tools are reviewed, approved and called through the guarded fetch', async () => {
    const d = deps([`127.0.0.1:${port}`]);
    const review = await reviewServer(server(), d);
    if (!review.ok) throw new Error(review.error.message);
    expect(await approveReview(review.value, d.pins)).toEqual({ ok: true, value: 1 });
    const host = new McpHost({ ...d, servers: [server()] });
    await host.start();
    try {
      const [tool] = host.tools();
      expect(tool).toMatchObject({ name: 'web__lookup', actionClass: 'read' });
      expect(await tool!.call({}, AbortSignal.timeout(10_000))).toEqual({ ok: true, value: 'found it' });
    } finally {
      await host.close();
    }
  });
});

describe('L08.1 on the arguments of an HTTP MCP server', () => {
  it("a tainted session's call carrying an encoded secret is refused before it leaves; an untainted one goes", async () => {
    const d = deps([`127.0.0.1:${port}`]);
    const review = await reviewServer(server(), d);
    if (!review.ok) throw new Error(review.error.message);
    await approveReview(review.value, d.pins);
    const host = new McpHost({ ...d, servers: [server()] });
    await host.start();
    const taint = new SecretTaint();
    await taint.mark('tainted', 'a vault value in a tool result');
    const egress = taintEgressCheck({ taint, trusted: trustedHosts([]), bus: d.bus });
    const ctx = (sessionId: string) => toolRunContext(sessionId);
    try {
      const tool = remoteTool(host.tools()[0]!, egress);
      const carried = { q: Buffer.from(['sk', 'live', '4fQ9zX2mB7kL1pR8wT3vYb6N'].join('_')).toString('base64') };
      const before = called.length;
      const refused = await tool.run(carried, ctx('tainted'));
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.layer).toBe('L08.1');
      expect(called.length).toBe(before);
      expect(await tool.run(carried, ctx('clean'))).toEqual({ ok: true, value: 'found it' });
      expect(called.at(-1)).toEqual(carried);
    } finally {
      await host.close();
    }
  });
});
