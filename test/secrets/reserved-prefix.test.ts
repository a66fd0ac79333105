/**
 * L07: names starting with BULWARK_ in any case (the canary key, the broker CA) are bulwark's own: no agent glob
 * reaches them, config cannot name them, the CLI cannot set or import them.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { register } from '../../src/cli/commands/secrets.js';
import type { CliContext } from '../../src/cli/context.js';
import { parseConfigText } from '../../src/config/load.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { anyGlobMatches } from '../../src/secrets/glob.js';
import { createScopedSecrets } from '../../src/secrets/scoped.js';
import { openSecretStore } from '../../src/secrets/store.js';
import { layout } from './helpers.js';

function denied(events: readonly Envelope<EventType>[]): Envelope<EventType>[] {
  const out = events.filter((e) => e.payload['reason'] === 'reserved name');
  for (const e of out) expect(e.payload).toMatchObject({ outcome: 'denied', layer: 'L07' });
  return out;
}

/** A fresh vault whose secret:accessed events are collected. */
function auditedStore() {
  const { dataDir } = layout();
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('secret:accessed', (e) => events.push(e));
  const opened = openSecretStore({ dataDir, masterKeySource: { key: randomBytes(32) }, bus });
  if (!opened.ok) throw new Error(opened.error.message);
  return { bus, events, store: opened.value };
}

describe('the BULWARK_ prefix', () => {
  it('is never matched by an agent glob, however wide; each attempt is denied and audited', () => {
    const { bus, events, store } = auditedStore();
    store.setMany([
      ['BULWARK_CANARY_KEY', 'canary-key-material-0123456789'],
      ['BULWARK_BROKER_CA', '{"certPem":"x","keyPem":"y"}'],
      ['OPENAI_API_KEY', 'sk-openai-value-0123456789'],
    ]);
    for (const globs of [['*'], ['B*'], ['BULWARK_*'], ['BULWARK_CANARY_KEY'], ['*KEY', '?ULWARK_*']]) {
      const reader = createScopedSecrets(store, 'agent', globs, bus);
      for (const name of ['BULWARK_CANARY_KEY', 'BULWARK_BROKER_CA']) {
        const r = reader.get(name);
        expect(!r.ok && r.error.code, `${globs.join(',')} → ${name}`).toBe('secret.reserved');
        expect(!r.ok && r.error.layer).toBe('L07');
        expect(anyGlobMatches(globs, name)).toBe(false);
      }
    }
    expect(createScopedSecrets(store, 'agent', ['*'], bus).get('OPENAI_API_KEY').ok).toBe(true);
    expect(denied(events)).toHaveLength(10);
    store.close();
  });

  it('is reserved in any case: a lower- or mixed-case name is refused to every glob, of either case', () => {
    const { bus, events, store } = auditedStore();
    // Written below the CLI's check: what a vault made before the reservation folded case may hold.
    const names = ['bulwark_foo', 'Bulwark_Canary_Key', 'bULWARK_x'];
    store.setMany(names.map((n) => [n, `value-of-${n}-0123456789`] as const));
    for (const globs of [['*'], ['b*'], ['bulwark_*'], ['Bulwark_*'], ['BULWARK_*'], ['?ulwark_*'], names]) {
      const reader = createScopedSecrets(store, 'agent', globs, bus);
      for (const name of names) {
        const r = reader.get(name);
        expect(!r.ok && r.error.code, `${globs.join(',')} → ${name}`).toBe('secret.reserved');
        expect(anyGlobMatches(globs, name)).toBe(false);
      }
    }
    expect(denied(events)).toHaveLength(21);
    // Only the prefix: BULWARK inside or at the end of a name is an ordinary name.
    for (const name of ['MY_BULWARK_KEY', 'BULWARKS', 'bulwarkfoo'])
      expect(anyGlobMatches(['*'], name), name).toBe(true);
    store.close();
  });

  it('cannot be named in config in any case', () => {
    for (const name of ['bulwark_canary_key', 'Bulwark_*']) {
      const r = parseConfigText(`agents:\n  - id: a\n    secrets: ["${name}"]\n`, 'config.yaml');
      expect(r.ok, name).toBe(false);
      expect(!r.ok && r.error.message).toContain('(in any case) are reserved');
    }
  });

  it('cannot be named in config: agent globs, provider keys or broker bindings', () => {
    const cases = [
      'agents:\n  - id: a\n    secrets: [BULWARK_CANARY_KEY]\n',
      'providers:\n  p: { type: openai, apiKey: { secret: BULWARK_OPENAI } }\nagents:\n  - id: a\n    provider: p\n',
      'broker:\n  bindings: [ { host: api.example.com, secret: BULWARK_BROKER_CA } ]\n',
    ];
    for (const text of cases) {
      const r = parseConfigText(text, 'config.yaml');
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.error.message).toContain('names starting with BULWARK_ (in any case) are reserved');
    }
    expect(parseConfigText('agents:\n  - id: a\n    secrets: ["*"]\n', 'config.yaml').ok).toBe(true);
  });

  it('cannot be set or imported by the CLI, in any case; nothing is stored', async () => {
    const { root, dataDir, keyFile } = layout();
    const cli = async (args: string[]): Promise<{ code: number; err: string }> => {
      let err = '';
      let code = 0;
      const ctx: CliContext = {
        dataDir,
        stdout: () => undefined,
        stderr: (t) => void (err += t),
        setExitCode: (c) => void (code = c),
      };
      const stdin = Readable.from([Buffer.from('value-0123456789')]) as Readable & { isTTY?: boolean };
      const program = new Command().exitOverride();
      register(program, ctx, undefined, { stdin, promptHidden: async () => '', confirm: async () => false });
      await program.parseAsync(['node', 'bulwark', 'secrets', '--key-file', keyFile, ...args]);
      return { code, err };
    };
    for (const name of ['BULWARK_CANARY_KEY', 'bulwark_foo', 'Bulwark_Canary_Key']) {
      const r = await cli(['set', name]);
      expect(r.code, name).toBe(1);
      expect(r.err).toContain(`cannot set "${name}"`);
      expect(r.err).toContain('(in any case) are reserved');
    }
    const dotenv = path.join(root, 'import.env');
    writeFileSync(dotenv, 'GITHUB_TOKEN=ghp-value-0123456789\nbulwark_broker_ca=x-0123456789\n');
    const imported = await cli(['import', dotenv]);
    expect(imported.code).toBe(1);
    expect(imported.err).toContain('holds bulwark_broker_ca');
    expect(imported.err).toContain('nothing was imported');
    // Nothing reached the vault: the ordinary entry of the refused file neither.
    const r = await cli(['set', 'OK_NAME']);
    expect(r.code, r.err).toBe(0);
    const opened = openSecretStore({ dataDir, masterKeySource: { keyFile }, bus: new EventBus() });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.list().map((m) => m.name)).toEqual(['OK_NAME']);
    opened.value.close();
  });
});
