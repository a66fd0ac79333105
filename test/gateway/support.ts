/** A real gateway (real SQLite, real audit file, real HTTP on 127.0.0.1) around a scripted AgentRuntime. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AgentRuntime, TurnEvent, TurnRequest } from '../../src/agent/types.js';
import { AuditSink, type AuditStore } from '../../src/core/audit.js';
import { JsonlAuditStore } from '../../src/core/jsonl-audit-store.js';
import { unwrap } from '../../src/core/result.js';
import { EventBus } from '../../src/core/events.js';
import { openDatabase, type Db } from '../../src/core/sqlite.js';
import { MemoryAuditStore } from '../support/stores.js';
import { createGateway } from '../../src/gateway/app.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import type { AuthFailureLimitConfig, ConnectionLimits, ServerTimeouts } from '../../src/config/sections/gateway.js';
import type { PublicOrigin } from '../../src/config/sections/public-origin.js';
import type { RotationPolicy } from '../../src/core/rotating-file.js';
import { createLogger, createSanitizer } from '../../src/logging/logger.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import type { Gateway, GatewayDeps } from '../../src/gateway/app.js';
import type { WebUi } from '../../src/gateway/ui/index.js';
import { listen, type RunningServer } from '../../src/gateway/server.js';

export type Script = (req: TurnRequest) => AsyncIterable<TurnEvent>;

export function scriptedRuntime(
  script: Script,
  agents = ['default', 'helper'],
): AgentRuntime & { requests: TurnRequest[] } {
  const requests: TurnRequest[] = [];
  return {
    requests,
    listAgents: () => agents.map((id) => ({ id, model: 'scripted' })),
    hasAgent: (id) => agents.includes(id),
    runTurn: (req) => {
      requests.push(req);
      return script(req);
    },
  };
}

export async function* replyWith(text: string, sessionId = 'sess_test'): AsyncIterable<TurnEvent> {
  yield { type: 'session', sessionId };
  for (const piece of text.match(/.{1,5}/gs) ?? []) yield { type: 'text_delta', text: piece };
  yield { type: 'usage', inputTokens: 10, outputTokens: 4 };
  yield { type: 'done', finishReason: 'stop', text };
}

export interface TestGateway {
  readonly url: string;
  readonly dir: string;
  readonly tokens: TokenStore;
  readonly db: Db;
  readonly server: RunningServer;
  readonly gateway: Gateway;
  readonly runtime: ReturnType<typeof scriptedRuntime>;
  /** Parsed audit.jsonl lines. */
  audit(): Array<Record<string, unknown>>;
  auditText(): string;
  /** A fresh token with the given scopes. */
  token(scopes?: string[]): string;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  bodyLimitBytes?: number;
  authFailures?: AuthFailureLimitConfig;
  clock?: () => number;
  /** Address to bind (default 127.0.0.1); `bindHost` is what the gateway is told it is bound to. */
  host?: string;
  bindHost?: string;
  allowedHosts?: string[];
  publicOrigin?: PublicOrigin;
  connections?: ConnectionLimits;
  timeouts?: ServerTimeouts;
  /** The web UI (its files, login and session cookie), as createWebUi makes it. */
  ui?: (tokens: TokenStore, bus: EventBus) => WebUi;
  /** Extra route groups, as the daemon passes them (they get the token store and the bus). */
  routes?: (tokens: TokenStore, bus: EventBus) => NonNullable<GatewayDeps['routes']>;
  /** Write bulwark.log as the daemon does (sanitized, rotated) instead of a silent logger; audit.jsonl rotates too. */
  realLogs?: { file?: RotationPolicy; audit?: RotationPolicy };
}

export async function startTestGateway(
  script: Script = () => replyWith('hello there'),
  opts: TestGatewayOptions = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-gw-'));
  const db = openDatabase(path.join(dir, 'bulwark.db'));
  const tokens = new TokenStore(db);
  const bus = new EventBus();
  // audit.jsonl as the daemon writes it, and the same lines in memory for the tests' synchronous reads.
  const auditFile = unwrap(JsonlAuditStore.open(path.join(dir, 'audit.jsonl'), opts.realLogs?.audit));
  const auditLines = new MemoryAuditStore();
  const both: AuditStore = {
    append: async (line) => {
      await Promise.all([auditLines.append(line), auditFile.append(line)]);
    },
    flush: () => auditFile.flush(),
    recent: (limit) => auditFile.recent(limit),
    close: async () => {
      await Promise.all([auditLines.close(), auditFile.close()]);
    },
  };
  const sanitize = opts.realLogs ? createSanitizer(new LeakIndex()) : undefined;
  const sink = new AuditSink(both, sanitize);
  sink.attach(bus);
  const runtime = scriptedRuntime(script);
  const logger = opts.realLogs
    ? createLogger({ dataDir: dir, level: 'info', pretty: false, sanitizeLine: sanitize, rotation: opts.realLogs.file })
    : pino({ level: 'silent' });
  const ui = opts.ui?.(tokens, bus);
  const gateway = createGateway({
    runtime,
    tokens,
    bus,
    logger,
    bodyLimitBytes: opts.bodyLimitBytes ?? 64 * 1024,
    ...(opts.authFailures ? { authFailures: opts.authFailures } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    bindHost: opts.bindHost ?? opts.host ?? '127.0.0.1',
    ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts } : {}),
    ...(opts.publicOrigin ? { publicOrigin: opts.publicOrigin } : {}),
    ...(opts.connections ? { connections: opts.connections } : {}),
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(ui ? { ui } : {}),
    ...(opts.routes ? { routes: opts.routes(tokens, bus) } : {}),
  });
  const server = await listen(gateway, opts.host ?? '127.0.0.1', 0);
  const auditText = (): string => auditLines.lines.map((l) => `${l}\n`).join('');
  return {
    url: server.url,
    dir,
    tokens,
    db,
    server,
    gateway,
    runtime,
    auditText,
    audit: () =>
      auditText()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    token: (scopes = ['chat']) => {
      const r = tokens.create('test', scopes);
      if (!r.ok) throw new Error(r.error.message);
      return r.value.token;
    },
    close: async () => {
      await server.close();
      await sink.close();
      db.close();
    },
  };
}

/** Asserts the OpenAI error shape and returns the error object. */
export async function expectOpenAIError(
  res: Response,
  status: number,
): Promise<{ message: string; type: string; code: string | null; param: string | null }> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected status ${status}, got ${res.status}: ${text}`);
  const body = JSON.parse(text) as { error?: { message: unknown; type: unknown; code: unknown; param: unknown } };
  const e = body.error;
  if (!e || typeof e.message !== 'string' || typeof e.type !== 'string' || !('code' in e) || !('param' in e)) {
    throw new Error(`not an OpenAI error body: ${text}`);
  }
  if (text.includes('    at ')) throw new Error(`stack trace leaked: ${text}`);
  return e as { message: string; type: string; code: string | null; param: string | null };
}
