/**
 * MCP tool-call overhead: the same echo tool called through the agent's Tool interface in process, and as an MCP
 * tool of a real server (the official SDK's Server over stdio, test/supply/fixtures) started inside the exec
 * sandbox (bwrap). Calls alternate so both see the same machine state. Wall time per call and the daemon's own CPU
 * time per call (process.cpuUsage; the server's CPU is in its own process and not counted). Also: the start of a
 * sandboxed server up to its tool list (bwrap + node + MCP initialize + tools/list).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, type Suite } from '../../eval/harness.js';
import { percentile } from '../measure.js';
import { remoteTool } from '../../src/agent/tools/remote.js';
import type { Tool, ToolRunContext } from '../../src/agent/tools/tool.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { McpServerSchema } from '../../src/config/sections/mcp.js';
import { EventBus } from '../../src/core/events.js';
import { ok } from '../../src/core/result.js';
import { openSqliteStore } from '../../src/core/sqlite.js';
import { startExec } from '../../src/exec/service.js';
import { approveReview, reviewServer } from '../../src/supply/mcp/approve.js';
import { McpHost } from '../../src/supply/mcp/host.js';
import { SqliteMcpPinStore } from '../../src/supply/mcp/sqlite-pin-store.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER = path.join(REPO, 'test', 'supply', 'fixtures', 'mcp-test-server.mjs');
const CALLS = 400;
const STARTS = 5;

interface Figures {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly cpuPerCall: number;
}

function figures(samples: number[], cpuMicros: number): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    cpuPerCall: cpuMicros / Math.max(1, sorted.length),
  };
}

async function timed(tool: Tool, out: number[], cpu: { total: number }): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  // A signal per call, as each agent turn has its own.
  const r = await tool.run({ text: 'hello' }, { signal: new AbortController().signal } as unknown as ToolRunContext);
  out.push(Number(process.hrtime.bigint() - t0) / 1000);
  const c = process.cpuUsage(c0);
  cpu.total += c.user + c.system;
  if (!r.ok) throw new Error(r.error.message);
}

const suite: Suite = {
  name: 'mcp',
  async run() {
    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-mcp-'));
    const exec = startExec({
      config: ExecConfigSchema.parse({}),
      runtimeDir: path.join(root, 'run'),
      parkedSandboxes: 0,
      bus: new EventBus(),
    });
    if (!exec.ok || !exec.value.startService) throw new Error('the MCP bench needs bwrap');
    const db = openSqliteStore(path.join(root, 'bench.db'));
    if (!db.ok) throw new Error(db.error.message);
    const pins = new SqliteMcpPinStore(db.value, 'bench.db');
    const server = McpServerSchema.parse({
      name: 'bench',
      command: process.execPath,
      args: [SERVER],
      readOnlyPaths: [REPO],
      actionClass: 'read',
    });
    const deps = {
      dataDir: path.join(root, 'data'),
      startService: exec.value.startService,
      limits: ExecConfigSchema.parse({}).limits,
      workspaceOf: () => undefined,
      maxIndexAgeDays: 7,
      builtins: [],
    };
    const starts: number[] = [];
    let review;
    for (let i = 0; i < STARTS; i++) {
      const t0 = process.hrtime.bigint();
      review = await reviewServer(server, deps);
      starts.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (!review.ok) throw new Error(review.error.message);
    }
    if (!review?.ok) throw new Error('no review');
    await approveReview(review.value, pins);
    const host = new McpHost({ ...deps, servers: [server], pins, bus: new EventBus() });
    await host.start();
    const source = host.tools().find((t) => t.name === 'bench__echo');
    if (!source) throw new Error('bench__echo was not offered');
    const viaMcp = remoteTool(source);
    const direct: Tool = {
      spec: { name: 'echo', description: 'Echoes the given text back.', inputSchema: { type: 'object' } },
      group: 'fs:read',
      external: false,
      run: (args) => Promise.resolve(ok(`echo: ${(args as { text: string }).text}`)),
    };
    const sd: number[] = [];
    const sm: number[] = [];
    const cd = { total: 0 };
    const cm = { total: 0 };
    for (let i = 0; i < 40; i++) {
      await timed(direct, [], { total: 0 });
      await timed(viaMcp, [], { total: 0 });
    }
    for (let i = 0; i < CALLS; i++) {
      if (i % 2 === 0) {
        await timed(direct, sd, cd);
        await timed(viaMcp, sm, cm);
      } else {
        await timed(viaMcp, sm, cm);
        await timed(direct, sd, cd);
      }
    }
    await host.close();
    exec.value.stop();
    db.value.close();
    const d = figures(sd, cd.total);
    const m = figures(sm, cm.total);
    const s = figures(starts, 0);
    const row = (label: string, f: Figures, cpu = true) => [label, f.n, f.p50, f.p95, f.p99, cpu ? f.cpuPerCall : '-'];
    const markdown = markdownTable(
      ['operation', 'n', 'p50 µs', 'p95 µs', 'p99 µs', 'daemon CPU µs/call'],
      [
        row('direct in-process tool call (Tool.run)', d),
        row('MCP tool call, sandboxed stdio server (Tool.run → SDK client → bwrap → server)', m),
        [
          'MCP overhead (p50 / p95 difference)',
          '',
          m.p50 - d.p50,
          m.p95 - d.p95,
          m.p99 - d.p99,
          m.cpuPerCall - d.cpuPerCall,
        ],
        row('sandboxed server start → initialize → tools/list', s, false),
      ],
    );
    return {
      name: 'mcp',
      markdown,
      data: { direct: d, mcp: m, start: s },
      checks: [{ name: 'MCP tool call p50 (µs), sandboxed stdio', value: m.p50, max: 200_000 }],
    };
  },
};

export default suite;
