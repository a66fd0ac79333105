/**
 * Agent room overhead: one turn through the runtime against the local fake provider (real SDKs over
 * HTTP on 127.0.0.1), per wire format, with and without tool calls; plus the fs tools and L12 alone.
 * The fake answers instantly, so the figures are bulwark's own cost plus loopback HTTP and SDK parsing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeAsync, timeSync, type Timing } from '../measure.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { EventBus } from '../../src/core/events.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, ok, unwrap } from '../../src/core/result.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { sqliteStoresOn } from '../../test/support/stores.js';
import { randomBytes } from 'node:crypto';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import { fsTools } from '../../src/agent/tools/fs/index.js';
import { internalCaller } from '../../src/core/caller.js';
import { turnParts } from '../../src/daemon.js';
import { LeakIndex } from '../../src/secrets/index.js';
import { readTool } from '../../src/agent/tools/fs/read.js';
import { compileToolPolicy } from '../../src/policy/tool-policy.js';
import type { AgentRuntime } from '../../src/agent/types.js';
import { reply, startFakeProvider, type FakeReply, type WireFormat } from '../../test/support/fake-provider.js';

async function drain(runtime: AgentRuntime, text: string): Promise<void> {
  for await (const e of runtime.runTurn({
    agentId: 'bench',
    caller: internalCaller('bench'),
    traceId: 't',
    messages: [{ role: 'user', content: text }],
  })) {
    if (e.type === 'error') throw new Error(e.error.message);
  }
}

async function turnTiming(format: WireFormat, withTools: boolean, n: number): Promise<Timing> {
  // Tool turns: write, then read, then answer (3 model calls); plain turns: one answer.
  const cycle: FakeReply[] = withTools
    ? [
        reply.toolCall('write', { path: 'b/x.txt', content: 'hello' }),
        reply.toolCall('read', { path: 'b/x.txt' }),
        reply.text('done'),
      ]
    : [reply.text('a short answer of a few words')];
  const fake = await startFakeProvider({ script: (_req, i) => cycle[i % cycle.length] as FakeReply });
  const root = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-agent-'));
  const db = openDatabase(path.join(root, 'bulwark.db'));
  const stores = sqliteStoresOn(db, path.join(root, 'bulwark.db'));
  try {
    const config = ConfigSchema.parse({
      providers: {
        fake: {
          type: format,
          baseUrl: format === 'openai' ? fake.openaiBaseUrl : fake.anthropicBaseUrl,
          apiKey: { secret: 'K' },
        },
      },
      agents: [{ id: 'bench', provider: 'fake', model: 'm' }],
    });
    const bus = new EventBus();
    // The daemon's own pipelines: the figure is a defended turn, as the daemon runs it.
    const parts = unwrap(
      turnParts(config, {
        bus,
        stores,
        redact: (text) => text,
        leaks: new LeakIndex(),
        canarySecret: randomBytes(32),
        tools: [...fsTools],
        workspace: () => undefined,
      }),
    );
    const runtime = unwrap(
      createAgentRuntime({
        config,
        sessions: stores.sessions,
        compactions: stores.compactions,
        bus,
        dataDir: root,
        resolveSecret: (name) => (name === 'K' ? ok('bench-key') : err(bulwarkError('secret.not_found', name))),
        pipelines: parts.pipelines,
      }),
    );
    return await timeAsync(() => drain(runtime, 'hello'), n, 10);
  } finally {
    db.close();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const suite: Suite = {
  name: 'agent-turn',
  async run() {
    const rows: (string | number)[][] = [];
    const data: Record<string, Timing> = {};
    const checks: Check[] = [];
    for (const format of ['openai', 'anthropic'] as const) {
      for (const withTools of [false, true]) {
        const name = `${format} turn${withTools ? ' (write+read, 3 model calls)' : ' (text only)'}`;
        const t = await turnTiming(format, withTools, withTools ? 100 : 200);
        data[name] = t;
        rows.push([name, t.n, t.p50 / 1000, t.p99 / 1000]);
        checks.push({ name: `${name} p50 ms`, value: t.p50 / 1000, max: withTools ? 150 : 50 });
      }
    }

    const ws = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-fs-'));
    mkdirSync(path.join(ws, 'd'));
    writeFileSync(path.join(ws, 'd', 'f.txt'), 'x'.repeat(4096));
    const ctx = {
      agentId: 'a',
      sessionId: 's',
      traceId: 't',
      caller: internalCaller('bench'),
      workspace: ws,
      signal: new AbortController().signal,
    };
    const read = await timeAsync(() => readTool.run({ path: 'd/f.txt' }, ctx), 2000);
    rmSync(ws, { recursive: true, force: true });
    data['read tool (4 KB, safePath + O_NOFOLLOW + fd check)'] = read;
    rows.push(['read tool (4 KB, safePath + O_NOFOLLOW + fd check)', read.n, read.p50 / 1000, read.p99 / 1000]);

    const policy = unwrap(compileToolPolicy({ profile: 'coding', allow: ['group:messaging'], deny: ['exec'] }));
    const l12 = timeSync(() => policy.decide('write', 'fs:write'), 20_000);
    data['L12 decide'] = l12;
    rows.push(['L12 decide', l12.n, l12.p50 / 1000, l12.p99 / 1000]);
    checks.push({ name: 'L12 decide p50 ms', value: l12.p50 / 1000, max: 0.05 });

    const markdown = `## Agent turn overhead (fake provider on 127.0.0.1, official SDKs)\n\n${markdownTable(['case', 'n', 'p50 ms', 'p99 ms'], rows)}\n`;
    return { name: 'agent-turn', markdown, data, checks };
  },
};

export default suite;
