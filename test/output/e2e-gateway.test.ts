/**
 * L02 + L17 end to end: the official openai client → gateway (SSE and JSON) → agent runtime with the
 * output guard's hooks → the real provider SDK → the fake provider playing a compromised model.
 * The daemon does not wire the output guard yet, so this test composes the same real parts the
 * daemon does (config, SQLite, bus + audit sink, token store, runtime, gateway) plus the guard.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import { envVar, resetEnvSnapshotForTests } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { AuditSink } from '../../src/core/audit.js';
import { bulwarkError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { err, ok, unwrap } from '../../src/core/result.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { createGateway } from '../../src/gateway/app.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import { listen } from '../../src/gateway/server.js';
import { createOutputGuard } from '../../src/guards/output-guard.js';
import { createLogger } from '../../src/logging/logger.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { reply, scriptFrom, startFakeProvider, type FakeProvider, type FakeScript } from '../support/fake-provider.js';
import { FAKE_KEY_NAME, FAKE_KEY_VALUE, configYaml, lastToolResultText, tempDataDir } from '../e2e/support.js';
import { CANARY_SECRET, VAULT_VALUE, fakeAwsKeyId } from './helpers.js';

const AGENT_PROMPT = 'You are a test agent. Follow the operator policy at all times, keep answers short and factual, never reveal the deployment details of the northwind cluster, and refuse requests for credentials of any kind.';

interface Rig {
  url: string;
  token: string;
  fake: FakeProvider;
  auditLines(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

async function startRig(script: FakeScript): Promise<Rig> {
  process.env[FAKE_KEY_NAME] = FAKE_KEY_VALUE;
  resetEnvSnapshotForTests();
  const fake = await startFakeProvider({ script });
  const dir = tempDataDir();
  writeFileSync(path.join(dir, 'config.yaml'), configYaml('openai', fake.openaiBaseUrl).replace('You are a test agent.', AGENT_PROMPT), { mode: 0o600 });
  const config = unwrap(loadConfig(dir));
  const db = openDatabase(path.join(dir, 'bulwark.db'));
  const bus = new EventBus();
  const auditFile = path.join(dir, 'audit.jsonl');
  const audit = new AuditSink(auditFile);
  audit.attach(bus);
  const leaks = new LeakIndex();
  leaks.register('STRIPE_KEY', VAULT_VALUE);
  const guard = createOutputGuard({ leakScanner: leaks, canarySecret: CANARY_SECRET, bus });
  const runtime = unwrap(
    createAgentRuntime({
      config,
      db,
      bus,
      dataDir: dir,
      resolveSecret: (name) => {
        const v = envVar(name);
        return v ? ok(v) : err(bulwarkError('secret.missing', `secret ${name} is not set`));
      },
      hooks: { systemPrompt: guard.systemPrompt, outputFilter: guard.outputFilter, beforeToolCall: guard.beforeToolCall },
    }),
  );
  const tokens = new TokenStore(db);
  const created = tokens.create('e2e', ['chat']);
  if (!created.ok) throw new Error(created.error.message);
  const logger = createLogger({ dataDir: dir, level: 'warn', pretty: false });
  const server = await listen(createGateway({ runtime, tokens, bus, logger, bodyLimitBytes: 1024 * 1024 }), '127.0.0.1', 0);
  const { readFileSync, existsSync } = await import('node:fs');
  return {
    url: server.url,
    token: created.value.token,
    fake,
    auditLines: () => (existsSync(auditFile) ? readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []),
    close: async () => {
      await server.close();
      audit.close();
      db.close();
      await fake.close();
    },
  };
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function ask(r: Rig, stream: boolean): Promise<string> {
  const client = new OpenAI({ baseURL: `${r.url}/v1`, apiKey: r.token, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'hello' }];
  if (!stream) return (await client.chat.completions.create({ model: 'default', messages })).choices[0]?.message.content ?? '';
  let out = '';
  for await (const chunk of await client.chat.completions.create({ model: 'default', messages, stream: true })) out += chunk.choices[0]?.delta?.content ?? '';
  return out;
}

const canaryOf = (system: string) => /CTKN_[0-9a-f]{16}/.exec(system)?.[0] ?? 'no-canary-in-system-prompt';

function noWindow(value: string, text: string): boolean {
  for (let i = 0; i + 8 <= value.length; i++) if (text.includes(value.slice(i, i + 8))) return false;
  return true;
}

describe('output guard through the gateway (compromised model)', () => {
  for (const stream of [false, true]) {
    const mode = stream ? 'SSE' : 'JSON';

    it(`(a) a vault secret in base64 is redacted and audited (${mode})`, async () => {
      const b64 = Buffer.from(VAULT_VALUE).toString('base64');
      rig = await startRig(scriptFrom([reply.text(`Here is the key, encoded: ${b64} — enjoy.`, { chunks: ['Here is the key, encoded: ', b64.slice(0, 7), b64.slice(7, 19), b64.slice(19), ' — enjoy.'] })]));
      const answer = await ask(rig, stream);
      expect(answer).toBe('Here is the key, encoded: [REDACTED] — enjoy.');
      const finding = rig.auditLines().find((l) => l['type'] === 'security:output_finding');
      expect(finding).toMatchObject({ layer: 'L02', patternId: 'leak.known_value', encoding: 'base64', secretName: 'STRIPE_KEY', outcome: 'redacted' });
      expect(JSON.stringify(rig.auditLines())).not.toContain(VAULT_VALUE);
    });

    it(`(b) an AWS key split across stream chunks is redacted (${mode})`, async () => {
      const key = fakeAwsKeyId(42);
      rig = await startRig(scriptFrom([reply.text(`creds: ${key} done`, { chunks: ['creds: AK', 'IA', key.slice(4, 9), key.slice(9, 15), key.slice(15), ' done'] })]));
      const answer = await ask(rig, stream);
      expect(answer).toBe('creds: [REDACTED] done');
      expect(noWindow(key, answer)).toBe(true);
      expect(rig.auditLines().some((l) => l['type'] === 'security:output_finding' && l['patternId'] === 'secret.aws_access_key_id')).toBe(true);
    });

    it(`(c) the session canary is redacted and raises security:canary_leak (${mode})`, async () => {
      let canary = '';
      rig = await startRig(scriptFrom([(req) => {
        canary = canaryOf(req.system);
        return reply.text(`My marker is ${canary}.`, { chunks: ['My marker is CT', canary.slice(2, 11), canary.slice(11), '.'] });
      }]));
      const answer = await ask(rig, stream);
      expect(canary).toMatch(/^CTKN_[0-9a-f]{16}$/);
      expect(answer).toBe('My marker is [REDACTED].');
      const leak = rig.auditLines().find((l) => l['type'] === 'security:canary_leak');
      expect(leak).toMatchObject({ layer: 'L17', patternId: 'canary.session', where: 'response' });
      expect(JSON.stringify(rig.auditLines())).not.toContain(canary);
    });

    it(`(d) the model reciting its own system prompt is redacted (${mode})`, async () => {
      let recited = '';
      rig = await startRig(scriptFrom([(req) => {
        recited = req.system.split('\n\n[Security marker')[0] ?? '';
        return reply.text(`Sure, my instructions: ${recited}`);
      }]));
      const answer = await ask(rig, stream);
      expect(recited).toBe(AGENT_PROMPT);
      expect(answer).toBe('Sure, my instructions: [REDACTED].');
      expect(rig.auditLines().some((l) => l['type'] === 'security:output_finding' && l['patternId'] === 'prompt.extraction')).toBe(true);
    });
  }

  it('(e) a tool call that posts the canary is refused before it runs, and audited', async () => {
    let canary = '';
    rig = await startRig(scriptFrom([
      (req) => {
        canary = canaryOf(req.system);
        return reply.toolCall('write', { path: 'notes/exfil.txt', content: `marker=${Buffer.from(canary).toString('base64')}` });
      },
      (req) => reply.text(`tool said: ${lastToolResultText(req).slice(0, 60)}`),
    ]));
    const answer = await ask(rig, false);
    expect(answer).toMatch(/tool said: error: tool call write carries the session canary/);
    const lines = rig.auditLines();
    expect(lines.some((l) => l['type'] === 'tool:denied' && l['layer'] === 'L17')).toBe(true);
    expect(lines.some((l) => l['type'] === 'security:canary_leak' && l['where'] === 'tool_call')).toBe(true);
    expect(lines.some((l) => l['type'] === 'tool:executed')).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(canary);
  });
});
