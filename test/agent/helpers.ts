import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../src/config/schema.js';
import { bulwarkError } from '../../src/core/errors.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { err, ok, type Result } from '../../src/core/result.js';
import { openDatabase, type Db } from '../../src/core/sqlite.js';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import type { SecretResolver } from '../../src/agent/providers/factory.js';
import type { AgentRuntime, TurnEvent, TurnHooks, TurnRequest } from '../../src/agent/types.js';
import type { Tool } from '../../src/agent/tools/tool.js';
import type { FakeProvider, WireFormat } from '../support/fake-provider.js';
import type { BulwarkError } from '../../src/core/errors.js';

export const FAKE_KEY_VALUE = 'sk-fake-0123456789abcdef-SECRET';

export function resolveSecret(name: string): Result<string, BulwarkError> {
  return name === 'FAKE_KEY' ? ok(FAKE_KEY_VALUE) : err(bulwarkError('secret.not_found', `secret ${name} is not set`));
}

export interface Harness {
  runtime: AgentRuntime;
  db: Db;
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
  hooks?: TurnHooks;
  extraTools?: Tool[];
  providerTimeoutMs?: number;
  noProvider?: boolean;
  resolveSecret?: SecretResolver;
  /** The `output:` config section. */
  output?: Record<string, unknown>;
}

export function makeHarness(fake: FakeProvider | undefined, options: HarnessOptions = {}): Harness {
  const format = options.format ?? 'openai';
  const root = mkdtempSync(join(tmpdir(), 'bulwark-agent-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const config = ConfigSchema.parse({
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
        ...options.agent,
      },
    ],
  });
  const db = openDatabase(join(dataDir, 'bulwark.db'));
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const runtime = createAgentRuntime({
    config,
    db,
    bus,
    dataDir,
    resolveSecret: options.resolveSecret ?? resolveSecret,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.extraTools ? { extraTools: options.extraTools } : {}),
  });
  if (!runtime.ok) throw new Error(runtime.error.message);
  return {
    runtime: runtime.value,
    db,
    bus,
    events,
    root,
    dataDir,
    workspace: join(dataDir, 'workspaces', 'coder'),
    close() {
      db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

let trace = 0;
export function turn(text: string, extra: Partial<TurnRequest> = {}): TurnRequest {
  trace += 1;
  return {
    agentId: 'coder',
    sender: 'alice',
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
