import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { createScopedSecrets } from '../../src/secrets/scoped.js';
import { globMatches } from '../../src/secrets/glob.js';
import { openSecretStore } from '../../src/secrets/store.js';
import {
  AgentSecretsSchema,
  createSecretResolver,
  resolveSecretRef,
  secretRefNames,
  secretScopesFromConfig,
  SecretsConfigSchema,
} from '../../src/secrets/config.js';
import { layout } from './helpers.js';

function setup() {
  const { dataDir } = layout();
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const r = openSecretStore({ dataDir, masterKeySource: { key: randomBytes(32) }, bus });
  if (!r.ok) throw new Error(r.error.message);
  const store = r.value;
  store.setMany([
    ['OPENAI_API_KEY', 'sk-openai-value-1'],
    ['OPENAI_ORG', 'org-value-12345'],
    ['GITHUB_TOKEN', 'ghp-value-12345'],
    ['AWS_SECRET', 'aws-value-12345'],
  ]);
  events.length = 0;
  return { store, bus, events };
}

describe('glob', () => {
  it('matches * and ? and nothing else', () => {
    expect(globMatches('OPENAI_*', 'OPENAI_API_KEY')).toBe(true);
    expect(globMatches('OPENAI_*', 'OPENAI_')).toBe(true);
    expect(globMatches('OPENAI_*', 'XOPENAI_A')).toBe(false);
    expect(globMatches('GITHUB_TOKEN', 'GITHUB_TOKEN')).toBe(true);
    expect(globMatches('GITHUB_TOKEN', 'GITHUB_TOKENS')).toBe(false);
    expect(globMatches('A?C', 'ABC')).toBe(true);
    expect(globMatches('*_KEY', 'OPENAI_API_KEY')).toBe(true);
    expect(globMatches('*', 'ANYTHING')).toBe(true);
    expect(globMatches('A*B*C', 'AxxBxxC')).toBe(true);
    expect(globMatches('A*B*C', 'AxxCxxB')).toBe(false);
  });
  it('is linear on adversarial input', () => {
    const glob = `${'*A'.repeat(50)}B`;
    expect(globMatches(glob, 'A'.repeat(5000))).toBe(false);
  });
});

describe('L07 scoped secrets', () => {
  it('allows names within the globs and audits success with agent and trace ids, never the value', () => {
    const { store, bus, events } = setup();
    const scoped = createScopedSecrets(store, 'coder', ['OPENAI_*', 'GITHUB_TOKEN'], bus);
    const r = scoped.get('OPENAI_API_KEY', { traceId: 't-1', sessionId: 's-1' });
    expect(r.ok && r.value).toBe('sk-openai-value-1');
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('secret:accessed');
    expect(events[0]?.payload).toMatchObject({
      agentId: 'coder',
      traceId: 't-1',
      sessionId: 's-1',
      secretName: 'OPENAI_API_KEY',
      outcome: 'success',
      layer: 'L07',
    });
    expect(JSON.stringify(events)).not.toContain('sk-openai');
  });

  it('denies names outside the globs (deny by default), audits it, and never touches the store', () => {
    const { store, bus, events } = setup();
    let reads = 0;
    const counting = { get: (n: string) => (reads++, store.get(n)) };
    const scoped = createScopedSecrets(counting, 'coder', ['OPENAI_*'], bus);
    const r = scoped.get('AWS_SECRET', { traceId: 't-2' });
    expect(!r.ok && r.error.code).toBe('secret.denied');
    expect(!r.ok && r.error.message).toContain('AWS_SECRET');
    expect(!r.ok && r.error.message).not.toContain('aws-value');
    expect(reads).toBe(0);
    expect(events[0]?.payload).toMatchObject({
      agentId: 'coder',
      traceId: 't-2',
      outcome: 'denied',
      secretName: 'AWS_SECRET',
    });
    const none = createScopedSecrets(store, 'empty', [], bus);
    expect(none.get('OPENAI_API_KEY').ok).toBe(false);
  });

  it('reports not_found for an allowed but missing name', () => {
    const { store, bus, events } = setup();
    const scoped = createScopedSecrets(store, 'coder', ['OPENAI_*'], bus);
    const r = scoped.get('OPENAI_MISSING');
    expect(!r.ok && r.error.code).toBe('secret.not_found');
    expect(events[0]?.payload.outcome).toBe('not_found');
  });

  it('has no enumeration: the scoped reader exposes get only', () => {
    const { store, bus } = setup();
    const scoped = createScopedSecrets(store, 'coder', ['*'], bus) as unknown as Record<string, unknown>;
    expect(Object.keys(scoped)).toEqual(['get']);
    expect(scoped.list).toBeUndefined();
  });

  it('a hostile name is just denied', () => {
    const { store, bus, events } = setup();
    const scoped = createScopedSecrets(store, 'coder', ['OPENAI_*'], bus);
    for (const n of ['OPENAI_*', '../vault', 'OPENAI_API_KEY\nX', '%', '']) {
      const r = scoped.get(n);
      expect(r.ok, JSON.stringify(n)).toBe(false);
    }
    expect(events.every((e) => e.payload.outcome !== 'success')).toBe(true);
  });
});

describe('config fragment and resolver', () => {
  const config = {
    providers: { oa: { type: 'openai', apiKey: { secret: 'OPENAI_API_KEY' } } },
    agents: [
      { id: 'coder', provider: 'oa', secrets: ['GITHUB_*'] },
      { id: 'chat', secrets: [] as string[] },
    ],
  };

  it('parses the schema fragments', () => {
    expect(SecretsConfigSchema.parse(undefined)).toEqual({ masterKeyEnv: 'BULWARK_MASTER_KEY' });
    expect(SecretsConfigSchema.parse({ masterKeyFile: '/etc/bulwark/key' }).masterKeyFile).toBe('/etc/bulwark/key');
    expect(() => SecretsConfigSchema.parse({ masterKey: 'inline' })).toThrow();
    expect(AgentSecretsSchema.parse(['OPENAI_*'])).toEqual(['OPENAI_*']);
    expect(() => AgentSecretsSchema.parse(['OPENAI_(.*)'])).toThrow();
  });

  it('gives each agent its globs plus its provider key; resolves through the scope', () => {
    const { store, bus, events } = setup();
    const scopes = secretScopesFromConfig(config);
    expect(scopes.get('coder')).toEqual(['GITHUB_*', 'OPENAI_API_KEY']);
    expect(secretRefNames(config)).toEqual(['OPENAI_API_KEY']);
    const resolve = createSecretResolver(store, scopes, bus);
    const key = resolveSecretRef(
      config.providers.oa.apiKey,
      resolve,
      { agentId: 'coder', traceId: 'tr' },
      'provider oa',
    );
    expect(key.ok && key.value).toBe('sk-openai-value-1');
    expect(resolve('OPENAI_API_KEY', { agentId: 'chat' }).ok).toBe(false);
    expect(resolve('OPENAI_API_KEY', { agentId: 'unknown-agent' }).ok).toBe(false);
    const missing = resolveSecretRef(undefined, resolve, { agentId: 'coder' }, 'provider oa');
    expect(!missing.ok && missing.error.code).toBe('secret.not_configured');
    expect(events.map((e) => e.payload.outcome)).toEqual(['success', 'denied', 'denied']);
  });
});
