import { fsTools } from '../../src/agent/tools/fs/index.js';
import { turnParts } from '../../src/daemon.js';
/**
 * End to end with the vault: a provider key stored with `bulwark secrets set`, a chat through the real
 * gateway (official openai client) → agent runtime → real SDK → fake provider, which checks it got the
 * right key. Then the logs, the audit file and every SQLite file hold no trace of the key.
 *
 * This test composes the parts itself (the `secrets set` CLI, an out-of-scope read in the same run);
 * test/e2e/vault-daemon.test.ts does the same through startDaemon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { Command } from 'commander';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { AuditSink } from '../../src/core/audit.js';
import { JsonlAuditStore } from '../../src/core/jsonl-audit-store.js';
import { sqliteStoresOn } from '../support/stores.js';
import { EventBus } from '../../src/core/events.js';
import { unwrap } from '../../src/core/result.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { createGateway } from '../../src/gateway/app.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import { listen } from '../../src/gateway/server.js';
import { createLogger, createSanitizer } from '../../src/logging/logger.js';
import { createSecretResolver, secretScopesFromConfig } from '../../src/secrets/config.js';
import { openSecretStore } from '../../src/secrets/store.js';
import { register } from '../../src/cli/commands/secrets.js';
import { reply, scriptFrom, startFakeProvider } from '../support/fake-provider.js';
import { filesUnder, layout, tracesOf } from './helpers.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function secretsSet(dataDir: string, keyFile: string, name: string, value: string): Promise<void> {
  let errText = '';
  let code = 0;
  const ctx = {
    dataDir,
    stdout: () => undefined,
    stderr: (t: string) => void (errText += t),
    setExitCode: (c: number) => void (code = c),
  };
  const program = new Command().exitOverride();
  const stdin = Object.assign(Readable.from([Buffer.from(`${value}\n`)]), { isTTY: false });
  register(program, ctx, undefined, { stdin, promptHidden: async () => undefined, confirm: async () => false });
  await program.parseAsync(['node', 'bulwark', 'secrets', '--key-file', keyFile, 'set', name]);
  if (code !== 0) throw new Error(errText);
}

describe('vault → gateway → provider, end to end', () => {
  it('the fake provider receives the vault key; logs, audit and SQLite files hold no trace of it', async () => {
    const { dataDir, keyFile } = layout();
    const providerKey = `sk-e2e-${randomBytes(24).toString('base64url')}`;
    await secretsSet(dataDir, keyFile, 'OPENAI_API_KEY', providerKey);

    const fake = await startFakeProvider({ script: scriptFrom([reply.text('hello from the fake model')]) });
    closers.push(() => fake.close());
    const config = ConfigSchema.parse({
      providers: { fake: { type: 'openai', baseUrl: fake.openaiBaseUrl, apiKey: { secret: 'OPENAI_API_KEY' } } },
      agents: [{ id: 'default', provider: 'fake', model: 'fake-model' }],
    });

    // What the daemon will do: bus, vault, L09 on logger and audit sink, L07 resolver for provider keys.
    const bus = new EventBus();
    const store = unwrap(openSecretStore({ dataDir, masterKeySource: { keyFile }, bus }));
    closers.push(() => store.close());
    const sanitize = createSanitizer(store.leakIndex);
    const logger = createLogger({ dataDir, level: 'debug', pretty: false, sanitizeLine: sanitize });
    const audit = new AuditSink(unwrap(JsonlAuditStore.open(path.join(dataDir, 'audit.jsonl'))), sanitize);
    audit.attach(bus);
    closers.push(() => audit.close());
    const resolve = createSecretResolver(store, secretScopesFromConfig(config), bus);
    const db = openDatabase(path.join(dataDir, 'bulwark.db'));
    closers.push(() => void db.close());
    const tokens = new TokenStore(db);
    const stores = sqliteStoresOn(db, path.join(dataDir, 'bulwark.db'));
    const parts = unwrap(
      turnParts(config, {
        bus,
        stores,
        redact: sanitize,
        leaks: store.leakIndex,
        canarySecret: randomBytes(32),
        tools: [...fsTools],
        workspace: () => undefined,
      }),
    );
    closers.push(() => parts.controls.approvals.shutdown());
    const runtime = unwrap(
      createAgentRuntime({
        config,
        sessions: stores.sessions,
        compactions: stores.compactions,
        bus,
        dataDir,
        resolveSecret: (name) => resolve(name, { agentId: 'default', traceId: 'e2e' }),
        pipelines: parts.pipelines,
      }),
    );
    const server = await listen(
      createGateway({ runtime, tokens, bus, logger, bodyLimitBytes: 1024 * 1024 }),
      '127.0.0.1',
      0,
    );
    closers.push(() => server.close());
    const token = unwrap(tokens.create('e2e', ['chat'])).token;

    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: token, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]?.message.content).toBe('hello from the fake model');
    expect(fake.requests[0]?.apiKey).toBe(providerKey);

    // An agent reaching outside its scope is denied, and the denial is in the audit file.
    await secretsSet(dataDir, keyFile, 'GITHUB_TOKEN', `ghp-not-for-this-agent-${randomBytes(8).toString('hex')}`);
    const denied = resolve('GITHUB_TOKEN', { agentId: 'default', traceId: 'e2e-2' });
    expect(!denied.ok && denied.error.code).toBe('secret.denied');

    // Careless code paths that would leak it: a debug line with the header, an error message, an audit reason.
    logger.debug({ upstream: { headers: { authorization: `Bearer ${providerKey}` } } }, 'upstream call');
    logger.warn(`provider rejected key ${providerKey} (base64 ${Buffer.from(providerKey).toString('base64')})`);
    logger.error(new Error(`request failed: ${encodeURIComponent(providerKey)}`));
    bus.emit('security:warning', { layer: 'L02', reason: `model echoed ${Buffer.from(providerKey).toString('hex')}` });
    logger.flush();
    // Shut everything down (as the daemon does) so every byte is on disk before the grep.
    for (const c of closers.splice(1).reverse()) await c();

    const events = readFileSync(path.join(dataDir, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'secret:accessed',
        agentId: 'default',
        secretName: 'OPENAI_API_KEY',
        outcome: 'success',
        layer: 'L07',
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'secret:accessed',
        agentId: 'default',
        traceId: 'e2e-2',
        secretName: 'GITHUB_TOKEN',
        outcome: 'denied',
      }),
    );
    const files = filesUnder(dataDir);
    for (const f of ['bulwark.log', 'audit.jsonl', 'bulwark.db', 'vault.db'])
      expect(
        files.some((x) => x.endsWith(f)),
        f,
      ).toBe(true);
    expect(tracesOf(providerKey, files)).toEqual([]);
  });
});
