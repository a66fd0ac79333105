/** `bulwark drill` refuses bad input before it builds anything, naming the problem and the fix. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess, type CliRun } from '../support/cli-in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bw-drill-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<CliRun> {
  return runCliInProcess(path.join(dir, 'data'), args);
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
