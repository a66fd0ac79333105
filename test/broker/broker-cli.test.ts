import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/broker.js';
import { BrokerConfigSchema } from '../../src/config/sections/broker.js';
import type { CliContext } from '../../src/cli/context.js';

describe('bulwark broker status', () => {
  it('prints the default (disabled, no bindings) state', async () => {
    let out = '';
    const ctx: CliContext = {
      dataDir: mkdtempSync(path.join(tmpdir(), 'bulwark-b-')),
      stdout: (t) => (out += t),
      stderr: () => undefined,
      setExitCode: () => undefined,
    };
    const program = new Command().exitOverride();
    register(program, ctx);
    await program.parseAsync(['node', 'bulwark', 'broker', 'status']);
    expect(out).toContain('disabled');
    expect(out).toContain('No bindings');
  });

  it('config fragment: refuses bad bindings with a clear message', () => {
    expect(
      BrokerConfigSchema.safeParse({ bindings: [{ host: 'api.x.com', secret: 'K', preset: 'query' }] }).success,
    ).toBe(false);
    expect(BrokerConfigSchema.safeParse({ bindings: [{ host: 'api x', secret: 'K' }] }).success).toBe(false);
    expect(BrokerConfigSchema.safeParse({ bindings: [{ host: 'api.x.com', secret: 'K-1' }] }).success).toBe(false);
    expect(
      BrokerConfigSchema.safeParse({ bindings: [{ host: 'api.x.com', secret: 'K', pathPrefix: 'v1' }] }).success,
    ).toBe(false);
    expect(
      BrokerConfigSchema.safeParse({ egressAllow: ['pypi.org', 'files.pythonhosted.org:443', '[::1]:8443'] }).success,
    ).toBe(true);
    const ok = BrokerConfigSchema.parse({
      bindings: [{ host: 'api.anthropic.com', pathPrefix: '/v1', secret: 'ANTHROPIC_API_KEY', preset: 'anthropic' }],
    });
    expect(ok.bindings[0]).toMatchObject({ methods: [], preset: 'anthropic' });
  });
});
