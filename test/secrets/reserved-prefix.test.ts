/** L07: names starting with BULWARK_ (the canary key, the broker CA) are bulwark's own: no agent glob reaches them. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
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

describe('the BULWARK_ prefix', () => {
  it('is never matched by an agent glob, however wide; each attempt is denied and audited', () => {
    const { dataDir } = layout();
    const bus = new EventBus();
    const events: Envelope<EventType>[] = [];
    bus.on('secret:accessed', (e) => events.push(e));
    const opened = openSecretStore({ dataDir, masterKeySource: { key: randomBytes(32) }, bus });
    if (!opened.ok) throw new Error(opened.error.message);
    const store = opened.value;
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
    const denied = events.filter((e) => e.payload['reason'] === 'reserved name');
    expect(denied).toHaveLength(10);
    expect(denied.every((e) => e.payload['outcome'] === 'denied' && e.payload['layer'] === 'L07')).toBe(true);
    store.close();
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
      expect(!r.ok && r.error.message).toContain('names starting with BULWARK_ are reserved');
    }
    expect(parseConfigText('agents:\n  - id: a\n    secrets: ["*"]\n', 'config.yaml').ok).toBe(true);
  });

  it('cannot be set or imported by the CLI', async () => {
    const { dataDir, keyFile } = layout();
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
    await program.parseAsync(['node', 'bulwark', 'secrets', '--key-file', keyFile, 'set', 'BULWARK_CANARY_KEY']);
    expect(code).toBe(1);
    expect(err).toContain('reserved');
  });
});
