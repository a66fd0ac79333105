import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../src/config/schema.js';
import { bulwarkError } from '../../src/core/errors.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { err, ok, type Result } from '../../src/core/result.js';
import { openDatabase, type Db } from '../../src/core/sqlite.js';
import { sqliteStoresOn, type TestStores } from '../support/stores.js';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import type { SessionStore } from '../../src/agent/session-store.js';
import type { SecretResolver } from '../../src/agent/providers/factory.js';
import type { AgentRuntime, TurnEvent, TurnRequest } from '../../src/agent/types.js';
import type { TurnPipelines } from '../../src/agent/boundaries.js';
import { fsTools } from '../../src/agent/tools/fs/index.js';
import type { Caller } from '../../src/core/caller.js';
import { turnParts, type TurnParts } from '../../src/daemon.js';
import { LeakIndex } from '../../src/secrets/index.js';
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import type { Tool } from '../../src/agent/tools/tool.js';
import type { FakeProvider, WireFormat } from '../support/fake-provider.js';
import type { BulwarkError } from '../../src/core/errors.js';
import { openMemory, type MemoryService } from '../../src/memory/index.js';
import { createMemorySaveTool, createMemorySearchTool } from '../../src/agent/tools/memory.js';

export const FAKE_KEY_VALUE = 'sk-fake-0123456789abcdef-SECRET';

export function resolveSecret(name: string): Result<string, BulwarkError> {
  return name === 'FAKE_KEY' ? ok(FAKE_KEY_VALUE) : err(bulwarkError('secret.not_found', `secret ${name} is not set`));
}

export interface Harness {
  runtime: AgentRuntime;
  /** The real services of the turn's pipelines (perimeter, output guard, controls, …). */
  parts: TurnParts;
  /** The memory service, with `memory: true`. */
  memory: MemoryService | undefined;
  db: Db;
  /** The stores over `db` (sessions, usage, approvals). */
  stores: TestStores;
  bus: EventBus;
  events: Envelope<EventType>[];
  root: string;
  dataDir: string;
  workspace: string;
  close(): void;
}

export interface HarnessOptions {
  format?: WireFormat;
  agent?: Record<string, unknown>;
  /** Changes to the real pipelines (e.g. a recording gate added to a boundary). */
  pipelines?: (real: TurnPipelines, parts: TurnParts) => TurnPipelines;
  extraTools?: Tool[];
  providerTimeoutMs?: number;
  noProvider?: boolean;
  resolveSecret?: SecretResolver;
  /** The `output:` config section. */
  output?: Record<string, unknown>;
  /** Other top-level config sections (breaker, budgets, models, guards, …). */
  config?: Record<string, unknown>;
  /** The leak index the output guard consults (e.g. with a vault value registered). */
  leaks?: LeakIndex;
  /** The session store the runtime gets, made from the real one (e.g. one that answers late, like a remote backend). */
  sessions?: (real: SessionStore) => SessionStore;
  /** Open the data dir's memory (L14–L16) and register memory_save / memory_search. */
  memory?: boolean;
}

export function makeHarness(fake: FakeProvider | undefined, options: HarnessOptions = {}): Harness {
  const format = options.format ?? 'openai';
  const root = mkdtempSync(join(tmpdir(), 'bulwark-agent-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const config = ConfigSchema.parse({
    ...options.config,
    ...(options.output ? { output: options.output } : {}),
    providers:
      options.noProvider || !fake
        ? {}
        : {
            fake: {
              type: format,
              baseUrl: format === 'openai' ? fake.openaiBaseUrl : fake.anthropicBaseUrl,
              apiKey: { secret: 'FAKE_KEY' },
              timeoutMs: options.providerTimeoutMs ?? 10_000,
            },
          },
    agents: [
      {
        id: 'coder',
        ...(options.noProvider || !fake ? {} : { provider: 'fake' }),
        model: 'test-model',
        systemPrompt: 'You are a test agent.',
        // These tests are about the turn loop: nothing waits for an operator unless a test asks for approvals.
        approvals: { require: [], deny: [], strangers: 'allow' },
        ...options.agent,
      },
    ],
  });
  const db = openDatabase(join(dataDir, 'bulwark.db'));
  const stores = sqliteStoresOn(db, join(dataDir, 'bulwark.db'));
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const workspace = join(dataDir, 'workspaces', 'coder');
  let memory: MemoryService | undefined;
  if (options.memory) {
    const opened = openMemory({ dataDir, config: config.memory, bus });
    if (!opened.ok) throw new Error(opened.error.message);
    memory = opened.value;
  }
  const extraTools = [
    ...(options.extraTools ?? []),
    ...(memory ? [createMemorySaveTool(memory.store), createMemorySearchTool()] : []),
  ];
  const parts = turnParts(config, {
    bus,
    stores,
    redact: (text) => text,
    leaks: options.leaks ?? new LeakIndex(),
    canarySecret: randomBytes(32),
    tools: [...fsTools, ...extraTools],
    ...(memory ? { memory } : {}),
    workspace: () => {
      try {
        return realpathSync(workspace);
      } catch {
        return undefined;
      }
    },
  });
  if (!parts.ok) throw new Error(parts.error.message);
  const runtime = createAgentRuntime({
    config,
    sessions: options.sessions ? options.sessions(stores.sessions) : stores.sessions,
    compactions: stores.compactions,
    bus,
    dataDir,
    resolveSecret: options.resolveSecret ?? resolveSecret,
    pipelines: options.pipelines ? options.pipelines(parts.value.pipelines, parts.value) : parts.value.pipelines,
    ...(extraTools.length ? { extraTools } : {}),
    operator: parts.value.controls.actions.operator,
    ...(memory ? { memory } : {}),
  });
  if (!runtime.ok) throw new Error(runtime.error.message);
  return {
    runtime: runtime.value,
    parts: parts.value,
    memory,
    db,
    stores,
    bus,
    events,
    root,
    dataDir,
    workspace,
    close() {
      parts.value.controls.approvals.shutdown();
      void memory?.store.close();
      db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A caller for tests: a token caller, not the owner unless asked. */
export function caller(id: string, owner = false): Caller {
  return { kind: 'token', id, scopes: ['chat'], owner };
}

let trace = 0;
export function turn(text: string, extra: Partial<TurnRequest> = {}): TurnRequest {
  trace += 1;
  return {
    agentId: 'coder',
    caller: caller('alice'),
    traceId: `trace-${trace}`,
    messages: [{ role: 'user', content: text }],
    ...extra,
  };
}

export async function collect(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const out: TurnEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

export function last(events: readonly TurnEvent[]): TurnEvent | undefined {
  return events.at(-1);
}

export function textOf(events: readonly TurnEvent[]): string {
  return events.map((e) => (e.type === 'text_delta' ? e.text : '')).join('');
}
