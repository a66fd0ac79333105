import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ok } from '../../src/core/result.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { parseOutputJsonl, register, scanOutputItems } from '../../src/cli/commands/scan-output.js';
import { SYSTEM_PROMPT, VAULT_VALUE, fakeAwsKeyId } from './helpers.js';

async function run(args: string[], leaks?: LeakIndex): Promise<{ out: string; errOut: string; code: number }> {
  let out = '';
  let errOut = '';
  let code = 0;
  const ctx = { dataDir: '/nonexistent', stdout: (t: string) => (out += t), stderr: (t: string) => (errOut += t), setExitCode: (c: number) => (code = c) };
  const program = new Command().exitOverride();
  register(program, ctx, leaks ? { leakScanner: () => ok(leaks) } : {});
  await program.parseAsync(['node', 'bulwark', 'scan', 'output', ...args]);
  return { out, errOut, code };
}

describe('bulwark scan output', () => {
  it('prints findings and the redacted text, never the value, exit 2', async () => {
    const key = fakeAwsKeyId(21);
    const r = await run(['-t', `deploy with ${key} now`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('secret.aws_access_key_id');
    expect(r.out).toContain('deploy with [REDACTED] now');
    expect(r.out).not.toContain(key);
  });

  it('answers JSON lines with the same interface as scan input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-scan-output-'));
    const file = path.join(dir, 'in.jsonl');
    writeFileSync(file, [JSON.stringify({ id: 'a', text: 'hello world' }), JSON.stringify({ id: 'b', input: `x ${Buffer.from(VAULT_VALUE).toString('base64')} y`, expected: 'redact' })].join('\n') + '\n');
    const leaks = new LeakIndex();
    leaks.register('STRIPE_KEY', VAULT_VALUE);
    const r = await run(['--jsonl', file], leaks);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ id: 'a', verdict: 'clean', findings: [], redacted: 'hello world' });
    expect(lines[1]).toMatchObject({ id: 'b', verdict: 'redacted', redacted: 'x [REDACTED] y', expected: 'redact' });
    expect((lines[1]?.['findings'] as Array<Record<string, unknown>>)[0]).toMatchObject({ patternId: 'leak.known_value', encoding: 'base64', secretName: 'STRIPE_KEY' });
    expect(r.code).toBe(2);
  });

  it('reports system-prompt extraction when given the prompt', () => {
    const [line] = scanOutputItems([{ text: `My rules: ${SYSTEM_PROMPT}` }], { systemPrompt: SYSTEM_PROMPT });
    expect(line?.findings.some((f) => f.patternId === 'prompt.extraction')).toBe(true);
  });

  it('rejects malformed JSON lines with the line number, and a missing file', async () => {
    expect(parseOutputJsonl('{"text":"a"}\nnot json').ok).toBe(false);
    const bad = parseOutputJsonl('{"text":"a"}\n{"nope":1}');
    expect(!bad.ok && bad.error.message).toMatch(/line 2/);
    const r = await run(['/nonexistent/file.txt']);
    expect(r.code).toBe(1);
    expect(r.errOut).toMatch(/cannot read/);
  });
});
