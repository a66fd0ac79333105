/** The exec room's CLI: scan command, sandbox run/status and doctor, through commander as the binary would run them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import * as sandbox from '../../src/cli/commands/sandbox.js';
import * as doctor from '../../src/cli/commands/doctor.js';
import * as scan from '../../src/cli/commands/scan-command.js';
import type { CliContext } from '../../src/cli/context.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-exec-cli-'));
  mkdirSync(join(root, 'ws'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = 0;
  const ctx: CliContext = {
    dataDir: join(root, 'data'),
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    setExitCode: (c) => (code = c),
  };
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  sandbox.register(program, ctx);
  doctor.register(program, ctx);
  scan.register(program, ctx);
  await program.parseAsync(['node', 'bulwark', ...args]);
  return { out, err, code };
}

describe('bulwark scan command', () => {
  it('gives the verdict, rule and segment without running anything', async () => {
    const r = await cli(['scan', 'command', '-c', `sudo sh -c 'rm -rf /*' > ${join(root, 'never-created')}`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('DENY');
    expect(r.out).toContain('rule: fs.rm-recursive-root');
    expect(r.out).toContain('segment: rm -rf /*');
  });

  it('speaks JSON lines', async () => {
    const f = join(root, 'cmds.jsonl');
    writeFileSync(f, '{"command":"ls -la","id":"1"}\n{"input":"git push -f","expected":"deny"}\n');
    const r = await cli(['scan', 'command', '--jsonl', f]);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { id: '1', input: 'ls -la', verdict: 'allow', rule: null, segment: null, via: [], reason: null },
      expect.objectContaining({ input: 'git push -f', verdict: 'deny', rule: 'git.push-force', expected: 'deny' }),
    ]);
  });

  it('reports the rules for script text built at run time, shell-outs, history symlinks and rsync --delete', async () => {
    const r = await cli(['scan', 'command', '-c', 'X="rm -rf /"; eval $X']);
    expect(r.code).toBe(2);
    expect(r.out).toContain('rule: dynamic.shell-script');
    const f = join(root, 'new-rules.jsonl');
    const cmds = [
      'echo cm0gLXJmIC8= | base64 -d | bash',
      'perl -e "system(q{rm -rf /})"',
      'ln -sf /dev/null ~/.bash_history',
      'rsync -a --delete /tmp/e/ /',
      'bash -c "make test"',
    ];
    writeFileSync(f, cmds.map((command) => JSON.stringify({ command })).join('\n') + '\n');
    const j = await cli(['scan', 'command', '--jsonl', f]);
    const rules = j.out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { rule: string | null }).rule);
    expect(rules).toEqual([
      'dynamic.shell-script',
      'code.shell-destructive',
      'history.symlink-devnull',
      'fs.rsync-delete-system',
      null,
    ]);
  });

  it('refuses malformed JSON lines with the line number', async () => {
    const f = join(root, 'bad.jsonl');
    writeFileSync(f, '{"command":"ls"}\nnot json\n');
    const r = await cli(['scan', 'command', '--jsonl', f]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 2');
    expect(scan.parseCommandJsonl('[1]\n').ok).toBe(false);
    expect(scan.parseCommandJsonl('{"command": 5}\n').ok).toBe(false);
  });
});

describe('bulwark sandbox run', () => {
  it('runs a command as the exec tool would, with its exit code', async () => {
    const r = await cli(['sandbox', 'run', '--workspace', join(root, 'ws'), '--', 'id -u; echo $HOME; ls /; exit 4']);
    expect(r.code).toBe(4);
    expect(r.out).toContain('1000\n/workspace\n');
    expect(r.out).not.toContain('root\n');
  });

  it('quotes several arguments into one command line', async () => {
    const r = await cli(['sandbox', 'run', '--workspace', join(root, 'ws'), '--', 'printf', '%s|', 'a b', "it's"]);
    expect(r.out).toBe("a b|it's|");
  });

  it('exits 126 when a layer refuses, and 124 on timeout', async () => {
    expect((await cli(['sandbox', 'run', '--workspace', join(root, 'ws'), '--', 'rm -rf /'])).code).toBe(126);
    expect(
      (await cli(['sandbox', 'run', '--workspace', join(root, 'ws'), '--env', 'LD_PRELOAD=x', '--', 'true'])).code,
    ).toBe(126);
    expect(
      (await cli(['sandbox', 'run', '--workspace', join(root, 'ws'), '--timeout', '300', '--', 'sleep 5'])).code,
    ).toBe(124);
  });

  it("audits every run and refusal in the data dir's audit.jsonl, naming the gate", async () => {
    const auditFile = join(root, 'data', 'audit.jsonl');
    const lines = () =>
      (existsSync(auditFile) ? readFileSync(auditFile, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const before = lines().length;
    await cli(['sandbox', 'run', '--workspace', join(root, 'ws'), '--', 'echo audited']);
    await cli(['sandbox', 'run', '--workspace', join(root, 'ws'), '--', 'rm -rf /']);
    expect(lines().slice(before)).toEqual([
      expect.objectContaining({ type: 'tool:exec', layer: 'L11.5', sender: 'cli', outcome: 'ran', exitCode: 0 }),
      expect.objectContaining({ type: 'security:blocked', layer: 'L11.2', sender: 'cli', command: 'rm -rf /' }),
    ]);
  });

  it('rejects a bad --net value and a missing workspace', async () => {
    expect((await cli(['sandbox', 'run', '--net', 'everything', '--', 'true'])).code).toBe(1);
    expect((await cli(['sandbox', 'run', '--workspace', join(root, 'nope'), '--', 'true'])).code).toBe(1);
  });

  it('reports the providers in sandbox status', async () => {
    const r = await cli(['sandbox', 'status']);
    expect(r.out).toContain('provider: bwrap');
    expect(r.code).toBe(0);
  });
});

describe('bulwark doctor', () => {
  it('checks the host and gives a fix for what is not ok', async () => {
    const r = await cli(['doctor', '--json']);
    const checks = JSON.parse(r.out) as Array<{ name: string; state: string; fix?: string }>;
    const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(byName['bwrap works']?.state).toBe('ok');
    expect(byName['node']?.state).toBe('ok');
    expect(byName['process limit']?.state).toBe('ok');
    for (const c of checks) if (c.state !== 'ok' && c.name !== 'landlock') expect(c.fix, c.name).toBeTruthy();
  });

  it('warns about a data dir others can read, and fails on one others can write (as start refuses it)', () => {
    const dir = join(root, 'loose');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const c = doctor.doctorChecks(dir).find((x) => x.name === 'data dir');
    expect(c).toMatchObject({ state: 'warn', fix: `chmod 700 ${dir}` });
    chmodSync(dir, 0o777);
    const w = doctor.doctorChecks(dir).find((x) => x.name === 'data dir');
    expect(w).toMatchObject({ state: 'fail', fix: `chmod 700 ${dir}` });
  });
});
