/**
 * L06/L07/L09 through the real daemon: a provider key that exists only in the vault reaches the provider,
 * its reads are audited, and afterwards no file the daemon wrote holds the key in any encoding.
 */
import { readFileSync, readdirSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { openTokenAdmin, startDaemon, type RunningDaemon } from '../../src/daemon.js';
import { openSecretStore } from '../../src/secrets/index.js';
import { reply, scriptFrom, startFakeProvider, type FakeProvider } from '../support/fake-provider.js';
import { tempDataDir } from './support.js';
import { EventBus } from '../../src/core/index.js';

const NAME = 'VAULT_ONLY_PROVIDER_KEY';
const VALUE = 'sk-vault-only-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function encodings(v: string): string[] {
  const b = Buffer.from(v);
  return [
    v,
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('hex'),
    encodeURIComponent(v),
    JSON.stringify(v).slice(1, -1),
  ];
}

let daemon: RunningDaemon | undefined;
let fake: FakeProvider | undefined;
afterEach(async () => {
  await daemon?.close();
  await fake?.close();
  daemon = undefined;
  fake = undefined;
});

describe('vault-held provider key through the daemon', () => {
  it('reaches the provider, is audited as read, and leaves no trace in the data dir', async () => {
    Reflect.deleteProperty(process.env, NAME);
    resetEnvSnapshotForTests();
    const dir = tempDataDir();
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-key-')), 'master.key');
    const stored = openSecretStore({
      bus: new EventBus(),
      dataDir: dir,
      masterKeySource: { keyFile, create: true, dataDir: dir },
    });
    if (!stored.ok) throw new Error(stored.error.message);
    expect(stored.value.set(NAME, VALUE).ok).toBe(true);
    stored.value.close();

    fake = await startFakeProvider({ script: scriptFrom([reply.text('hello from the model')]) });
    writeFileSync(
      path.join(dir, 'config.yaml'),
      `server: { host: 127.0.0.1, port: 0 }
secrets: { masterKeyFile: ${keyFile} }
providers:
  fake: { type: openai, baseUrl: ${fake.openaiBaseUrl}, apiKey: { secret: ${NAME} } }
agents:
  - id: default
    provider: fake
    model: fake-model
`,
      { mode: 0o600 },
    );
    daemon = await startDaemon({ dataDir: dir, port: 0 });
    const admin = openTokenAdmin(dir);
    if (!admin.ok) throw new Error(admin.error.message);
    const token = admin.value.create('t', ['chat']);
    admin.value.close();
    if (!token.ok) throw new Error(token.error.message);

    const client = new OpenAI({ baseURL: `${daemon.url}/v1`, apiKey: token.value.token, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBe('hello from the model');
    expect(fake.requests.map((r) => r.apiKey)).toEqual([VALUE]);
    await daemon.close();
    daemon = undefined;

    const audit = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8');
    const reads = audit
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e['type'] === 'secret:accessed' && e['secretName'] === NAME);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((e) => e['outcome'] === 'success')).toBe(true);

    const files = filesUnder(dir);
    expect(files.some((f) => f.endsWith('vault.db'))).toBe(true);
    for (const f of files) {
      const content = readFileSync(f);
      for (const form of encodings(VALUE))
        expect(content.includes(Buffer.from(form)), `${path.basename(f)} holds the key (${form.slice(0, 6)}…)`).toBe(
          false,
        );
    }
  });
});
