import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { captureEnvSecrets, looksLikeSecretEnvName } from '../../src/secrets/env-secrets.js';
import { CREDENTIAL_NAME, loadMasterKey } from '../../src/secrets/master-key.js';
import { openSecretStore } from '../../src/secrets/store.js';
import { layout } from './helpers.js';
import { EventBus } from '../../src/core/index.js';

const saved = { ...process.env };
beforeEach(() => resetEnvSnapshotForTests());
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  resetEnvSnapshotForTests();
});

describe('environment snapshot and scrub', () => {
  it('classifies secret-looking names', () => {
    for (const n of [
      'OPENAI_API_KEY',
      'GITHUB_TOKEN',
      'DB_PASSWORD',
      'AWS_SECRET_ACCESS_KEY',
      'STRIPE_KEY',
      'SENTRY_DSN',
      'BULWARK_MASTER_KEY',
    ]) {
      expect(looksLikeSecretEnvName(n), n).toBe(true);
    }
    for (const n of ['PATH', 'HOME', 'KEYBOARD', 'TOKENIZERS_PARALLELISM', 'LANG', 'NODE_EXTRA_CA_CERTS']) {
      expect(looksLikeSecretEnvName(n), n).toBe(false);
    }
  });

  it('captures secret variables, removes them from process.env, and children see none of them', () => {
    const values = {
      OPENAI_API_KEY: `sk-${randomBytes(12).toString('hex')}`,
      GITHUB_TOKEN: `ghp_${randomBytes(12).toString('hex')}`,
      MY_REFERENCED_THING: `ref-${randomBytes(12).toString('hex')}`,
      // A harmless-looking name whose value has a known credential shape is captured too.
      DEPLOY_HELPER: `ghp_${randomBytes(40)
        .toString('base64')
        .replace(/[^A-Za-z0-9]/g, 'Q')
        .slice(0, 36)}`,
      BULWARK_MASTER_KEY: randomBytes(32).toString('base64'),
    };
    Object.assign(process.env, values, { HARMLESS_SETTING: 'visible' });
    const env = captureEnvSecrets({ extraNames: ['MY_REFERENCED_THING'] });
    expect(env.get('OPENAI_API_KEY')).toBe(values.OPENAI_API_KEY);
    expect(env.get('MY_REFERENCED_THING')).toBe(values.MY_REFERENCED_THING);
    expect(env.names()).not.toContain('BULWARK_MASTER_KEY');
    for (const n of Object.keys(values)) expect(process.env[n], n).toBeUndefined();

    // A child spawned the ordinary way inherits process.env: it must see none of the values.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], {
      encoding: 'utf8',
    });
    expect(child.status).toBe(0);
    const childEnv = JSON.parse(child.stdout) as Record<string, string>;
    expect(childEnv.HARMLESS_SETTING).toBe('visible');
    for (const [n, v] of Object.entries(values)) {
      expect(childEnv[n], n).toBeUndefined();
      expect(child.stdout).not.toContain(v);
    }
  });

  it('a captured variable is served by the store when the vault has no such name, and registered for leaks', () => {
    process.env.SOME_SERVICE_TOKEN = 'env-token-value-123';
    const env = captureEnvSecrets();
    const { dataDir } = layout();
    const r = openSecretStore({
      bus: new EventBus(),
      dataDir,
      masterKeySource: { key: randomBytes(32) },
      envSecrets: env,
    });
    if (!r.ok) throw new Error(r.error.message);
    const g = r.value.get('SOME_SERVICE_TOKEN');
    expect(g.ok && g.value).toBe('env-token-value-123');
    expect(r.value.list()).toEqual([{ name: 'SOME_SERVICE_TOKEN', source: 'env' }]);
    expect(r.value.leakIndex.scan('x env-token-value-123 y')).toHaveLength(1);
    r.value.close();
  });
});

describe('master key sources', () => {
  it('reads the key from the environment variable, then scrubs it', () => {
    const key = randomBytes(32);
    process.env.BULWARK_MASTER_KEY = key.toString('hex');
    const { dataDir, keyFile } = layout();
    const mk = loadMasterKey({ keyFile, dataDir });
    expect(mk.ok && mk.value.origin).toBe('env');
    expect(mk.ok && mk.value.key.equals(key)).toBe(true);
    expect(process.env.BULWARK_MASTER_KEY).toBeUndefined();
  });

  it('prefers a systemd credential over the environment and the key file', () => {
    const { root, dataDir, keyFile } = layout();
    const creds = path.join(root, 'creds');
    mkdirSync(creds);
    const key = randomBytes(32);
    writeFileSync(path.join(creds, CREDENTIAL_NAME), key, { mode: 0o400 });
    process.env.CREDENTIALS_DIRECTORY = creds;
    process.env.BULWARK_MASTER_KEY = randomBytes(32).toString('hex');
    const mk = loadMasterKey({ keyFile, dataDir, create: true });
    expect(mk.ok && mk.value.origin).toBe('systemd-credential');
    expect(mk.ok && mk.value.key.equals(key)).toBe(true);
  });

  it('a malformed key in the environment is an error, not a fallback', () => {
    process.env.BULWARK_MASTER_KEY = 'too-short';
    const { dataDir, keyFile } = layout();
    const mk = loadMasterKey({ keyFile, dataDir, create: true });
    expect(!mk.ok && mk.error.code).toBe('masterkey.malformed');
    expect(!mk.ok && mk.error.message).not.toContain('too-short');
  });
});
