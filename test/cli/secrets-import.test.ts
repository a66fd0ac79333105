/** `bulwark secrets import` on files that are not what they seem: devices, pipes, huge files, ambiguous entries. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { register, type SecretsIo } from '../../src/cli/commands/secrets.js';
import type { CliContext } from '../../src/cli/context.js';
import { openSecretStore } from '../../src/secrets/store.js';
import { EventBus } from '../../src/core/index.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'bulwark-import-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let n = 0;

function layout(): { dataDir: string; keyFile: string; root: string } {
  const root = path.join(scratch, `r${n++}`);
  return { root, dataDir: path.join(root, 'data'), keyFile: path.join(root, 'config', 'master.key') };
}

async function importFile(
  l: { dataDir: string; keyFile: string },
  file: string,
): Promise<{ out: string; err: string; code: number }> {
  const res = { out: '', err: '', code: 0 };
  const ctx: CliContext = {
    dataDir: l.dataDir,
    stdout: (t) => void (res.out += t),
    stderr: (t) => void (res.err += t),
    setExitCode: (c) => void (res.code = c),
  };
  const io: SecretsIo = {
    stdin: Readable.from([]) as Readable & { isTTY?: boolean },
    promptHidden: async () => undefined,
    confirm: async () => false,
  };
  const program = new Command().exitOverride().configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });
  register(program, ctx, undefined, io);
  try {
    await program.parseAsync([
      'node',
      'bulwark',
      'secrets',
      '--key-file',
      l.keyFile,
      'import',
      file,
      '--keep-plaintext',
    ]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    res.code = e.exitCode || 1;
  }
  return res;
}

describe('bulwark secrets import: the file itself', () => {
  it('a symlink to /dev/zero is refused at once; nothing is stored', async () => {
    const l = layout();
    const file = path.join(scratch, `zero-${n}.env`);
    symlinkSync('/dev/zero', file);
    const r = await importFile(l, file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(file);
    expect(r.err).toMatch(/character device/);
    expect(existsSync(path.join(l.dataDir, 'vault.db'))).toBe(false);
  });

  it('a 10 MB file is refused by size; nothing is stored', async () => {
    const l = layout();
    const file = path.join(scratch, `big-${n}.env`);
    writeFileSync(file, `A_TOKEN=${'x'.repeat(10 * 1024 * 1024)}\n`);
    const r = await importFile(l, file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/larger than 1 MB/);
    expect(existsSync(path.join(l.dataDir, 'vault.db'))).toBe(false);
  });

  it('a duplicate name is refused naming both lines; nothing is stored and the file stays', async () => {
    const l = layout();
    const file = path.join(scratch, `dup-${n}.env`);
    writeFileSync(file, 'A_TOKEN=first-value-1\nA_TOKEN=second-value-2\n');
    const r = await importFile(l, file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:2: A_TOKEN is already set on line 1`);
    expect(r.err).not.toMatch(/first-value|second-value/);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(path.join(l.dataDir, 'vault.db'))).toBe(false);
  });

  it('a pipe still works (e.g. `import <(sops -d .env)`), bounded like a file', async () => {
    const l = layout();
    const fifo = path.join(scratch, `pipe-${n}.env`);
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
    const writer = spawn('sh', ['-c', `printf 'A_TOKEN=piped-value-123\\n' > "$1"`, 'sh', fifo], { stdio: 'ignore' });
    const done = new Promise<number | null>((resolve) => writer.on('close', resolve));
    const r = await importFile(l, fifo);
    expect(await done).toBe(0);
    expect(r.code).toBe(0);
    expect(r.out).toContain('imported 1 secret(s): A_TOKEN');
    const store = openSecretStore({ bus: new EventBus(), dataDir: l.dataDir, masterKeySource: { keyFile: l.keyFile } });
    if (!store.ok) throw new Error(store.error.message);
    const v = store.value.get('A_TOKEN');
    expect(v.ok && v.value).toBe('piped-value-123');
    store.value.close();
  });
});
