/** `bulwark drill` refuses bad input before it builds anything, naming the problem and the fix. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { createProgram, type CliServices } from '../../src/cli/program.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bw-drill-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let errText = '';
  let code = 0;
  const ctx: CliContext = {
    dataDir: path.join(dir, 'data'),
    stdout: (t) => void (out += t),
    stderr: (t) => void (errText += t),
    setExitCode: (c) => void (code = c),
  };
  const unused = (): never => {
    throw new Error('not used before the input is checked');
  };
  const services: CliServices = {
    openTokens: unused,
    openStores: unused,
    openMemory: unused,
    layers: unused,
    startDaemon: unused,
    scopes: {},
  };
  await createProgram(ctx, services).parseAsync(['node', 'bulwark', ...args]);
  return { code, out, err: errText };
}

describe('bulwark drill input', () => {
  it('an unknown goal is refused with the list of goals', async () => {
    const r = await run(['drill', '--only', 'take-over']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--only: unknown goal "take-over"; goals: read-host-secrets, .*burn-budget/);
  });

  it('an invalid --config names the file and the key', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'exec: { sandbox: sometimes }\n');
    const r = await run(['drill', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(file);
    expect(r.err).toMatch(/exec\.sandbox/);
  });

  it('an unknown --agent names the agents there are', async () => {
    const file = path.join(dir, 'ok.yaml');
    writeFileSync(file, 'agents: [{ id: alpha, systemPrompt: hi }]\n');
    const r = await run(['drill', '--config', file, '--agent', 'beta', '--only', 'fill-disk']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no agent "beta" in the config; agents: alpha/);
  });
});
