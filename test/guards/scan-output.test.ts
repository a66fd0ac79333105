import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { createProgram, type CliServices } from '../../src/cli/program.js';
import { openSecretStore } from '../../src/secrets/store.js';
import { register as registerScan } from '../../src/cli/commands/scan.js';
import { bulwarkError, type BulwarkError } from '../../src/core/errors.js';
import type { LeakScanner } from '../../src/core/leak.js';
import { err, ok, type Result } from '../../src/core/result.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { parseOutputJsonl, register, scanOutputItems } from '../../src/cli/commands/scan-output.js';
import { SYSTEM_PROMPT, VAULT_VALUE, fakeAwsKeyId } from './helpers.js';
import { EventBus } from '../../src/core/index.js';

type Opened = () => Result<LeakScanner, BulwarkError>;

async function cli(
  args: string[],
  registerOn: (program: Command, ctx: CliContext) => void,
): Promise<{ out: string; errOut: string; code: number }> {
  let out = '';
  let errOut = '';
  let code = 0;
  const ctx: CliContext = {
    dataDir: '/nonexistent',
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (errOut += t),
    setExitCode: (c: number) => void (code = c),
  };
  const program = new Command().exitOverride();
  registerOn(program, ctx);
  try {
    await program.parseAsync(['node', 'bulwark', 'scan', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode || 1;
  }
  return { out, errOut, code };
}

function run(
  args: string[],
  leaks?: LeakIndex,
  opened?: Opened,
): Promise<{ out: string; errOut: string; code: number }> {
  const leakScanner = opened ?? (leaks ? () => ok(leaks) : undefined);
  return cli(['output', ...args], (program, ctx) => register(program, ctx, leakScanner ? { leakScanner } : {}));
}

function runScan(args: string[]): Promise<{ out: string; errOut: string; code: number }> {
  return cli(args, (program, ctx) => registerScan(program, ctx));
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

  it('takes the same JSON lines as scan input and numbers rows without an id the same way', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-scan-both-'));
    const file = path.join(dir, 'items.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'first', text: 'hello' }),
        JSON.stringify({ text: 'no id here' }),
        '',
        JSON.stringify({ id: 7, text: 'numeric id' }),
        JSON.stringify({ text: 'last' }),
      ].join('\n') + '\n',
    );
    const input = await runScan(['input', '--jsonl', file]);
    const output = await run(['--jsonl', file]);
    expect(input.code).toBe(0);
    expect(output.code).toBe(0);
    const ids = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id?: unknown }).id);
    expect(ids(input.out)).toEqual(['first', '2', '7', '4']);
    expect(ids(output.out)).toEqual(ids(input.out));
    // A malformed line is refused by both, naming the same line, with nothing on stdout.
    writeFileSync(file, `${JSON.stringify({ text: 'ok' })}\n{"nope": 1}\n`);
    const [badIn, badOut] = [await runScan(['input', '--jsonl', file]), await run(['--jsonl', file])];
    expect([badIn.code, badOut.code]).toEqual([1, 1]);
    expect([badIn.out, badOut.out]).toEqual(['', '']);
    expect(badIn.errOut).toMatch(/line 2/);
    expect(badOut.errOut).toMatch(/line 2/);
  });

  it('goes on without known values when the vault cannot be opened, and says so on stderr', async () => {
    const key = fakeAwsKeyId(3);
    const r = await run(['-t', `a ${key} b ${VAULT_VALUE}`], undefined, () =>
      err(bulwarkError('vault.absent', 'no vault at X')),
    );
    expect(r.code).toBe(2);
    expect(r.errOut).toContain('known secret values are not checked: no vault at X');
    expect(r.out).toContain('a [REDACTED] b');
    expect(r.out).toContain(VAULT_VALUE.slice(0, 4));
  });

  it('--no-vault does not open the vault at all', async () => {
    let opened = false;
    const r = await run(['--no-vault', '-t', 'nothing here'], undefined, () => {
      opened = true;
      return ok(new LeakIndex());
    });
    expect(r.code).toBe(0);
    expect(opened).toBe(false);
  });

  it('answers one JSON line per row: verdict, findings (never the value), the redacted text and expected', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-scan-output-'));
    const file = path.join(dir, 'in.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'a', text: 'hello world' }),
        JSON.stringify({ id: 'b', input: `x ${Buffer.from(VAULT_VALUE).toString('base64')} y`, expected: 'redact' }),
      ].join('\n') + '\n',
    );
    const leaks = new LeakIndex();
    leaks.register('STRIPE_KEY', VAULT_VALUE);
    const r = await run(['--jsonl', file], leaks);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ id: 'a', verdict: 'clean', findings: [], redacted: 'hello world' });
    expect(lines[1]).toMatchObject({ id: 'b', verdict: 'redacted', redacted: 'x [REDACTED] y', expected: 'redact' });
    expect((lines[1]?.['findings'] as Array<Record<string, unknown>>)[0]).toMatchObject({
      patternId: 'leak.known_value',
      encoding: 'base64',
      secretName: 'STRIPE_KEY',
    });
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

describe('bulwark scan output as the program wires it (the vault of the data dir)', () => {
  function dataDirWithVault(values: Record<string, string>): { dataDir: string; keyFile: string } {
    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-scan-vault-'));
    const dataDir = path.join(root, 'data');
    const keyFile = path.join(root, 'master.key');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(path.join(dataDir, 'config.yaml'), `secrets:\n  masterKeyFile: ${JSON.stringify(keyFile)}\n`, {
      mode: 0o600,
    });
    if (Object.keys(values).length > 0) {
      const store = openSecretStore({
        bus: new EventBus(),
        dataDir,
        masterKeySource: { keyFile, dataDir, create: true },
      });
      if (!store.ok) throw new Error(store.error.message);
      for (const [k, v] of Object.entries(values)) {
        const set = store.value.set(k, v);
        if (!set.ok) throw new Error(set.error.message);
      }
      store.value.close();
    }
    return { dataDir, keyFile };
  }

  async function bulwark(dataDir: string, args: string[]): Promise<{ out: string; errOut: string; code: number }> {
    let out = '';
    let errOut = '';
    let code = 0;
    const ctx: CliContext = {
      dataDir,
      stdout: (t) => void (out += t),
      stderr: (t) => void (errOut += t),
      setExitCode: (c) => void (code = c),
    };
    const program = createProgram(ctx, { scopes: {} } as unknown as CliServices);
    try {
      await program.parseAsync(['node', 'bulwark', ...args]);
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      code = e.exitCode || 1;
    }
    return { out, errOut, code };
  }

  it('recognises a vault value in base64 and names the secret, never printing the value', async () => {
    const { dataDir } = dataDirWithVault({ PAYMENTS_KEY: VAULT_VALUE });
    const b64 = Buffer.from(VAULT_VALUE).toString('base64');
    const file = path.join(dataDir, '..', 'answer.txt');
    writeFileSync(file, `here you go ${b64} (encoded)`);
    const r = await bulwark(dataDir, ['scan', 'output', file]);
    expect(r.errOut).toBe('');
    expect(r.code).toBe(2);
    expect(r.out).toContain('leak.known_value');
    expect(r.out).toContain('secret PAYMENTS_KEY');
    expect(r.out).toContain('here you go [REDACTED] (encoded)');
    expect(r.out).not.toContain(b64);
    expect(r.out).not.toContain(VAULT_VALUE);
    const skipped = await bulwark(dataDir, ['scan', 'output', '--no-vault', file]);
    expect(skipped.code).toBe(0);
  });

  it('a data dir without a vault: a note on stderr, the other checks run, and no vault is created', async () => {
    const { dataDir } = dataDirWithVault({});
    const key = fakeAwsKeyId(9);
    const r = await bulwark(dataDir, ['scan', 'output', '-t', `id ${key}`]);
    expect(r.code).toBe(2);
    expect(r.errOut).toMatch(/known secret values are not checked: no vault at .*vault\.db/);
    expect(r.out).toContain('id [REDACTED]');
    expect(existsSync(path.join(dataDir, 'vault.db'))).toBe(false);
  });
});
