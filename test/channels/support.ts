/** A real daemon with a Telegram channel against the fake Bot API (HTTPS on loopback) and the fake provider. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon.js';
import { EventBus } from '../../src/core/events.js';
import { openSecretStore } from '../../src/secrets/index.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';
import { startFakeProvider, type FakeProvider, type FakeScript } from '../support/fake-provider.js';
import { FAKE_KEY_NAME, FAKE_KEY_VALUE, tempDataDir } from '../e2e/support.js';
import { startFakeBotApi, type FakeBotApi } from './fake-bot-api.js';

export const BOT_TOKEN = '7012345678:AAE-test_Token_0123456789abcdefghijKLMNOP';
export const WEBHOOK_SECRET = 'hook-secret_0123456789abcdef';
export const ALICE = 111_111;
export const BOB = 222_222;
export const STRANGER = 333_333;

export interface TelegramHarness {
  readonly dir: string;
  /** The running daemon (a new one after restart()). */
  readonly daemon: RunningDaemon;
  readonly bot: FakeBotApi;
  readonly fake: FakeProvider;
  readonly workspace: string;
  audit(): Promise<Array<Record<string, unknown>>>;
  /** bulwark.log and audit.jsonl as text. */
  logs(): Promise<string>;
  /** Stops the daemon and starts a new one on the same data dir, Bot API and provider. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly mode?: 'polling' | 'webhook';
  /** Put the fake Bot API into net.allow (L10); without it every Bot API call is refused. */
  readonly allowNet?: boolean;
  /** Open the fake Bot API to the channel only (net.allowFor.channels) instead of net.allow. */
  readonly allowNetForChannelsOnly?: boolean;
  readonly approvalsTimeoutMs?: number;
  readonly extraYaml?: string;
  readonly agentExtra?: string;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startTelegram(script: FakeScript, options: HarnessOptions = {}): Promise<TelegramHarness> {
  process.env[FAKE_KEY_NAME] = FAKE_KEY_VALUE;
  resetEnvSnapshotForTests();
  const fake = await startFakeProvider({ script });
  const bot = await startFakeBotApi(BOT_TOKEN);
  const dir = tempDataDir();
  const keyFile = path.join(path.dirname(dir), 'master.key');
  const store = openSecretStore({
    bus: new EventBus(),
    dataDir: dir,
    masterKeySource: { keyFile, create: true, dataDir: dir },
  });
  if (!store.ok) throw new Error(store.error.message);
  for (const [k, v] of Object.entries({ TG_BOT_TOKEN: BOT_TOKEN, TG_WEBHOOK_SECRET: WEBHOOK_SECRET })) {
    const set = store.value.set(k, v);
    if (!set.ok) throw new Error(set.error.message);
  }
  store.value.close();
  const caFile = path.join(path.dirname(dir), 'bot-api-ca.pem');
  writeFileSync(caFile, bot.caPem);
  const mode = options.mode ?? 'polling';
  writeFileSync(
    path.join(dir, 'config.yaml'),
    `server: { host: 127.0.0.1, port: 0 }
secrets: { masterKeyFile: ${keyFile} }
providers:
  fake: { type: openai, baseUrl: ${fake.openaiBaseUrl}, apiKey: { secret: ${FAKE_KEY_NAME} } }
agents:
  - id: default
    provider: fake
    model: fake-model
    systemPrompt: You are a test agent.
    tools: { profile: coding }
${options.approvalsTimeoutMs ? `    approvals: { timeoutMs: ${options.approvalsTimeoutMs} }\n` : ''}${options.agentExtra ?? ''}
${options.allowNetForChannelsOnly ? `net: { allowFor: { channels: ["127.0.0.1:${bot.port}"] } }` : `net: { allow: [${options.allowNet === false ? '' : `"127.0.0.1:${bot.port}"`}] }`}
channels:
  telegram:
    botToken: { secret: TG_BOT_TOKEN }
    agent: default
    mode: ${mode}
${mode === 'webhook' ? '    webhookSecret: { secret: TG_WEBHOOK_SECRET }\n    webhookUrl: https://bot.example.org/v1/channels/telegram/webhook\n' : ''}    apiBase: ${bot.url}
    caFile: ${caFile}
    pollTimeoutSec: 1
    editIntervalMs: 100
    grantMinutes: [10]
    users:
      - { id: ${ALICE}, name: alice, owner: true, approver: true }
      - { id: ${BOB}, name: bob }
${options.extraYaml ?? ''}
`,
    { mode: 0o600 },
  );
  const user = ensureSandboxUser('bulwark-sandbox');
  if (!user.ok) throw new Error(user.error.message);
  let daemon = await startDaemon({ dataDir: dir, port: 0 });
  const auditFile = path.join(dir, 'audit.jsonl');
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return {
    dir,
    get daemon() {
      return daemon;
    },
    bot,
    fake,
    workspace: path.join(dir, 'workspaces', 'default'),
    audit: async () => {
      await daemon.flushAudit();
      return read(auditFile)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logs: async () => {
      await daemon.flushAudit();
      return `${read(daemon.logFile)}\n${read(auditFile)}`;
    },
    restart: async () => {
      await daemon.close();
      daemon = await startDaemon({ dataDir: dir, port: 0 });
    },
    close: async () => {
      await daemon.close();
      await bot.close();
      await fake.close();
    },
  };
}
