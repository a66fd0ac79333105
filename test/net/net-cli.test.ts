import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../src/cli/commands/net.js';
import type { CliContext } from '../../src/cli/context.js';

async function run(args: string[], configYaml?: string): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let errText = '';
  let code = 0;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-net-'));
  if (configYaml !== undefined) writeFileSync(path.join(dataDir, 'config.yaml'), configYaml, { mode: 0o600 });
  const ctx: CliContext = {
    dataDir,
    stdout: (t) => (out += t),
    stderr: (t) => (errText += t),
    setExitCode: (c) => (code = c),
  };
  const program = new Command().exitOverride();
  register(program, ctx);
  await program.parseAsync(['node', 'bulwark', ...args]);
  return { out, err: errText, code };
}

describe('bulwark net check', () => {
  it("--for checks as one consumer: its net.allowFor exceptions apply, nobody else's", async () => {
    const yaml = 'net: { allowFor: { channels: ["127.0.0.1:8081"] } }\n';
    const asChannel = await run(['net', 'check', '--for', 'channels', 'https://127.0.0.1:8081/'], yaml);
    expect(asChannel.out).toMatch(/ALLOW\s+https:\/\/127.0.0.1:8081\/[\s\S]*rule: net.allow 127.0.0.1:8081/);
    expect(asChannel.code).toBe(0);
    const asWebFetch = await run(['net', 'check', '--for', 'web_fetch', 'https://127.0.0.1:8081/'], yaml);
    expect(asWebFetch.out).toMatch(/BLOCK\s+https:\/\/127.0.0.1:8081\//);
    expect(asWebFetch.code).toBe(2);
    const bad = await run(['net', 'check', '--for', 'webfetch', 'https://127.0.0.1:8081/'], yaml);
    expect(bad.err).toContain('--for takes one of web_fetch, broker, channels, mcp');
    expect(bad.code).toBe(1);
  });

  it('prints verdict, addresses and rule; exit code 2 when anything is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-dns-'));
    const dns = path.join(dir, 'dns.json');
    writeFileSync(
      dns,
      JSON.stringify({ hosts: { 'ok.test': [['93.184.216.34']], 'meta.test': [['169.254.169.254']] } }),
    );
    const r = await run([
      'net',
      'check',
      '--dns',
      dns,
      'https://ok.test/',
      'http://meta.test/',
      'http://0x7f.1/',
      'ftp://x/',
    ]);
    expect(r.out).toMatch(/ALLOW\s+https:\/\/ok.test\/ \[93.184.216.34\]/);
    expect(r.out).toMatch(/BLOCK\s+http:\/\/meta.test\/ \[169.254.169.254 metadata:aws-gcp-azure-oci\]/);
    expect(r.out).toMatch(/BLOCK\s+http:\/\/0x7f.1\/[\s\S]*rule: ipv4:loopback/);
    expect(r.out).toMatch(/INVALID\s+ftp:\/\/x\/[\s\S]*rule: url:scheme/);
    expect(r.code).toBe(2);
  });

  it('reads --jsonl rows (corpus format) and prints JSON lines with --json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-jsonl-'));
    const file = path.join(dir, 'in.jsonl');
    writeFileSync(
      file,
      [
        '{"input":"http://169.254.169.254/","expected":"block"}',
        '{"url":"http://[::1]:8080/"}',
        '{"id":"a1","text":"ftp://x/"}',
        '',
      ].join('\n'),
    );
    const r = await run(['net', 'check', '--jsonl', file]);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id?: string; verdict: string; expected?: string; rule: string });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ verdict: 'block', expected: 'block' });
    expect(lines[1]?.verdict).toBe('block');
    expect(lines[2]).toMatchObject({ id: 'a1', verdict: 'invalid', rule: 'url:scheme' });
  });

  it('--allow host:port lets exactly that through', async () => {
    const r = await run([
      'net',
      'check',
      '--allow',
      '127.0.0.1:11434',
      'http://127.0.0.1:11434/api/tags',
      'http://127.0.0.1:11435/',
    ]);
    expect(r.out).toMatch(/ALLOW\s+http:\/\/127.0.0.1:11434\/api\/tags[\s\S]*net.allow 127.0.0.1:11434/);
    expect(r.out).toMatch(/BLOCK\s+http:\/\/127.0.0.1:11435\//);
  });

  it('bad input: clear error, exit 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bad-'));
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(file, '{"nope": 1}\n');
    const r = await run(['net', 'check', '--jsonl', file]);
    expect(r.err).toContain('line 1');
    expect(r.code).toBe(1);
    const r2 = await run(['net', 'check']);
    expect(r2.code).toBe(1);
  });
});
