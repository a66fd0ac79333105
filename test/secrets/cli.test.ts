import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { register, type SecretsIo } from '../../src/cli/commands/secrets.js';
import type { CliContext } from '../../src/cli/context.js';
import type { Register } from '../../src/cli/program.js';
import { openSecretStore } from '../../src/secrets/store.js';
import { filesUnder, layout, tracesOf } from './helpers.js';
import { EventBus } from '../../src/core/index.js';

interface Run {
  out: string;
  errText: string;
  code: number;
}

async function run(
  dataDir: string,
  args: string[],
  stdin = '',
  tty = false,
  answers: { confirm?: boolean } = {},
): Promise<Run> {
  const res: Run = { out: '', errText: '', code: 0 };
  const ctx: CliContext = {
    dataDir,
    stdout: (t) => void (res.out += t),
    stderr: (t) => void (res.errText += t),
    setExitCode: (c) => void (res.code = c),
  };
  const stream = Readable.from([Buffer.from(stdin)]) as Readable & { isTTY?: boolean };
  stream.isTTY = tty;
  const io: SecretsIo = {
    stdin: stream,
    promptHidden: async () => stdin,
    confirm: async () => answers.confirm ?? false,
  };
  const program = new Command().exitOverride().configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });
  register(program, ctx, undefined, io);
  try {
    await program.parseAsync(['node', 'bulwark', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    res.code = e.exitCode || 1;
  }
  return res;
}

const savedEnv = { ...process.env };
beforeEach(() => resetEnvSnapshotForTests());
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  resetEnvSnapshotForTests();
});

describe('bulwark secrets', () => {
  it("fits the CLI program's Register signature", () => {
    const asRegister: Register = register;
    expect(typeof asRegister).toBe('function');
  });

  it('set reads the value from stdin; list shows metadata only; nothing under the data dir or the audit log holds the value', async () => {
    const { dataDir, keyFile } = layout();
    const secret = `sk-live-${randomBytes(20).toString('base64url')}`;
    const set = await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'OPENAI_API_KEY'], `${secret}\n`);
    expect(set.code).toBe(0);
    expect(set.out).toBe('stored OPENAI_API_KEY\n');
    expect(set.errText).toContain('created a new master key');
    const again = await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'OPENAI_API_KEY'], secret);
    expect(again.out).toBe('updated OPENAI_API_KEY\n');

    const list = await run(dataDir, ['secrets', '--key-file', keyFile, 'list', '--json']);
    const rows = JSON.parse(list.out) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'OPENAI_API_KEY', source: 'vault', agents: [] });
    expect(list.out + set.out + set.errText).not.toContain(secret);

    const audit = readFileSync(path.join(dataDir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"type":"secret:changed"');
    expect(tracesOf(secret, filesUnder(dataDir))).toEqual([]);

    const store = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile } });
    if (!store.ok) throw new Error(store.error.message);
    const got = store.value.get('OPENAI_API_KEY');
    expect(got.ok && got.value).toBe(secret);
    store.value.close();
  });

  it('never takes a value from argv', async () => {
    const { dataDir, keyFile } = layout();
    const r = await run(
      dataDir,
      ['secrets', '--key-file', keyFile, 'set', 'X_TOKEN', 'value-on-argv'],
      'from-stdin-123',
    );
    expect(r.code).not.toBe(0);
    expect(existsSync(path.join(dataDir, 'vault.db'))).toBe(false);
  });

  it('uses the hidden prompt on a terminal', async () => {
    const { dataDir, keyFile } = layout();
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'X_TOKEN'], 'typed-value-123', true);
    expect(r.code).toBe(0);
    expect(r.out).toBe('stored X_TOKEN\n');
  });

  it('refuses a bad name before asking for anything', async () => {
    const { dataDir, keyFile } = layout();
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'bad-name'], 'v');
    expect(r.code).toBe(1);
    expect(r.errText).toContain('not a secret name');
    expect(existsSync(keyFile)).toBe(false);
  });

  it('import stores every entry atomically and deletes the plaintext file when asked', async () => {
    const { dataDir, keyFile, root } = layout();
    const env = path.join(root, '.env');
    writeFileSync(env, '# comment\nexport A_TOKEN=aaa-111-bbb\nB_KEY="line1\\nline2"\nC_PASS=\'lit $x\' \nEMPTY=\n');
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'import', env, '--delete-plaintext']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('imported 3 secret(s): A_TOKEN, B_KEY, C_PASS');
    expect(existsSync(env)).toBe(false);
    const store = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile } });
    if (!store.ok) throw new Error(store.error.message);
    const b = store.value.get('B_KEY');
    expect(b.ok && b.value).toBe('line1\nline2');
    const c = store.value.get('C_PASS');
    expect(c.ok && c.value).toBe('lit $x');
    store.value.close();
  });

  it('import --delete-plaintext through a symlink deletes nothing and names the file that holds the plaintext', async () => {
    const { dataDir, keyFile, root } = layout();
    const real = path.join(root, 'real.env');
    const link = path.join(root, 'link.env');
    writeFileSync(real, 'A_TOKEN=aaa-111-bbb\n');
    symlinkSync(real, link);
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'import', link, '--delete-plaintext']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('imported 1 secret(s): A_TOKEN');
    expect(r.errText).toContain('symbolic link');
    expect(r.errText).toContain(realpathSync(real));
    expect(existsSync(link)).toBe(true);
    expect(existsSync(real)).toBe(true);
  });

  it('import of a malformed file names the line, stores nothing and keeps the file', async () => {
    const { dataDir, keyFile, root } = layout();
    const env = path.join(root, 'bad.env');
    writeFileSync(env, 'GOOD=value-12345\nthis line is wrong secret-value-xyz\n');
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'import', env, '--delete-plaintext']);
    expect(r.code).toBe(1);
    expect(r.errText).toContain(':2:');
    expect(r.errText).not.toContain('secret-value-xyz');
    expect(existsSync(env)).toBe(true);
    expect(existsSync(path.join(dataDir, 'vault.db'))).toBe(false);
  });

  it('import keeps the plaintext when the operator says no', async () => {
    const { dataDir, keyFile, root } = layout();
    const env = path.join(root, '.env');
    writeFileSync(env, 'A_TOKEN=aaa-111-bbb\n');
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'import', env], '', true, { confirm: false });
    expect(r.code).toBe(0);
    expect(existsSync(env)).toBe(true);
    expect(r.out).toContain('still there');
  });

  it('delete removes a secret; deleting a missing one is an error', async () => {
    const { dataDir, keyFile } = layout();
    await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'A_TOKEN'], 'value-12345');
    expect((await run(dataDir, ['secrets', '--key-file', keyFile, 'delete', 'A_TOKEN'])).out).toBe('deleted A_TOKEN\n');
    expect((await run(dataDir, ['secrets', '--key-file', keyFile, 'delete', 'A_TOKEN'])).code).toBe(1);
  });

  it('a wrong master key is reported clearly', async () => {
    const { dataDir, keyFile, root } = layout();
    await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'A_TOKEN'], 'value-12345');
    const other = path.join(root, 'other.key');
    writeFileSync(other, randomBytes(32).toString('base64'), { mode: 0o600 });
    const r = await run(dataDir, ['secrets', '--key-file', other, 'list']);
    expect(r.code).toBe(1);
    expect(r.errText).toMatch(/master key does not match/);
  });

  it('rotate-key re-encrypts and the secrets still read', async () => {
    const { dataDir, keyFile } = layout();
    await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'A_TOKEN'], 'value-12345');
    const before = readFileSync(keyFile, 'utf8');
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'rotate-key']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('re-encrypted 1 secret(s)');
    expect(readFileSync(keyFile, 'utf8')).not.toBe(before);
    const list = await run(dataDir, ['secrets', '--key-file', keyFile, 'list']);
    expect(list.out).toContain('A_TOKEN');
  });

  it('audit finds plaintext secrets in config, data dir, environment and shell history, without printing them', async () => {
    const { dataDir, keyFile, root } = layout();
    const home = path.join(root, 'home');
    mkdirSync(home, { recursive: true });
    const inVault = `vault-value-${randomBytes(12).toString('hex')}`;
    await run(dataDir, ['secrets', '--key-file', keyFile, 'set', 'DEPLOY_TOKEN'], inVault);
    const ghp = `ghp_${randomBytes(27)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, 'q')
      .slice(0, 36)}`;
    writeFileSync(path.join(dataDir, 'config.yaml'), `server:\n  port: 8787\n# github: ${ghp}\n`);
    writeFileSync(path.join(dataDir, 'notes.txt'), `line one\ncopied ${inVault} here\n`);
    writeFileSync(path.join(home, '.bash_history'), `ls\nexport GITHUB_TOKEN=${ghp}\n`);
    process.env.HOME = home;
    process.env.SOME_API_KEY = 'plain-env-value-123';
    resetEnvSnapshotForTests();
    const r = await run(dataDir, ['secrets', '--key-file', keyFile, 'audit', '--json']);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.out) as Array<{ place: string; where: string; kind: string; advice: string }>;
    const has = (place: string, where: string, kind?: string) =>
      findings.some((f) => f.place === place && f.where.includes(where) && (kind === undefined || f.kind === kind));
    expect(has('config', 'config.yaml:3', 'secret.github_token')).toBe(true);
    expect(has('data_dir', 'notes.txt:2', 'known:DEPLOY_TOKEN')).toBe(true);
    expect(has('environment', '$SOME_API_KEY')).toBe(true);
    expect(has('shell_history', '.bash_history:2', 'secret.github_token')).toBe(true);
    expect(findings.some((f) => f.where.includes('vault.db'))).toBe(false);
    for (const v of [ghp, inVault, 'plain-env-value-123']) expect(r.out + r.errText).not.toContain(v);
    expect(findings.find((f) => f.place === 'environment')?.advice).toContain('bulwark secrets set SOME_API_KEY');
  });
});
