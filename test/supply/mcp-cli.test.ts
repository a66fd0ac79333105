/** `bulwark mcp …` in process, with the daemon's real MCP admin (sandboxed starts, SQLite pins, config edits). */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess, type CliRun } from '../support/cli-in-process.js';
import { openMcpAdmin } from '../../src/daemon.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(import.meta.dirname, 'fixtures', 'mcp-test-server.mjs');

function bulwark(dataDir: string, ...args: string[]): Promise<CliRun> {
  return runCliInProcess(dataDir, args, { openMcp: openMcpAdmin });
}

function dataDir(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-mcp-cli-')), 'home');
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(path.join(dir, 'config.yaml'), '# operator notes stay\nagents:\n  - id: main\n', { mode: 0o600 });
  return dir;
}

const add = (dir: string, name: string, mode: string) =>
  bulwark(
    dir,
    'mcp',
    'add',
    name,
    '--read-only',
    REPO,
    '--env',
    `MCP_TEST_MODE=${mode}`,
    '--',
    process.execPath,
    SERVER,
  );

describe('bulwark mcp', () => {
  it('add, approve, list, scan and remove a sandboxed stdio server', async () => {
    const dir = dataDir();
    const added = await add(dir, 'notes', 'clean');
    expect(added).toMatchObject({ code: 0 });
    const config = readFileSync(path.join(dir, 'config.yaml'), 'utf8');
    expect(config).toContain('# operator notes stay');
    expect(config).toContain('name: notes');

    const approved = await bulwark(dir, 'mcp', 'approve', 'notes');
    expect(approved.err).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('notes__echo');
    expect(approved.out).toContain('approved 3 of 3 tools');

    const listed = await bulwark(dir, 'mcp', 'list', '--json');
    expect(JSON.parse(listed.out)).toEqual([
      expect.objectContaining({ name: 'notes', kind: 'stdio', actionClass: 'unknown', approvedTools: 3 }),
    ]);

    expect((await add(dir, 'bad', 'poisoned')).code).toBe(0);
    const scanned = await bulwark(dir, 'mcp', 'scan', 'bad', '--json');
    expect(scanned.code).toBe(2);
    const review = JSON.parse(scanned.out) as { tools: Array<{ name: string; state: string; code?: string }> };
    expect(review.tools.find((t) => t.name === 'add')).toMatchObject({ state: 'refused', code: 'mcp.tool_poisoned' });
    // scan approves nothing
    expect(JSON.parse((await bulwark(dir, 'mcp', 'list', '--json')).out)[1]).toMatchObject({ approvedTools: 0 });

    const removed = await bulwark(dir, 'mcp', 'remove', 'notes');
    expect(removed).toMatchObject({ code: 0 });
    expect(removed.out).toContain('3 approved tools forgotten');
    expect(readFileSync(path.join(dir, 'config.yaml'), 'utf8')).not.toContain('name: notes');
  });

  it('hostile or malformed input is refused with the problem named, and config.yaml is left unchanged', async () => {
    const dir = dataDir();
    expect((await add(dir, 'notes', 'clean')).code).toBe(0);
    const before = readFileSync(path.join(dir, 'config.yaml'), 'utf8');
    const cases: Array<[string[], RegExp]> = [
      [['mcp', 'add', 'a__b', '--', '/bin/true'], /name/],
      [['mcp', 'add', '../x', '--', '/bin/true'], /name/],
      [['mcp', 'add', 'x'], /exactly one of command/],
      [['mcp', 'add', 'x', '--url', 'http://127.0.0.1:1/mcp', '--', '/bin/true'], /exactly one of/],
      [['mcp', 'add', 'x', '--url', 'file:///etc/passwd'], /url/],
      [['mcp', 'add', 'x', '--package', 'left-pad@^1.0.0', '--package-dir', '/opt/x'], /pinned npm package/],
      [['mcp', 'add', 'x', '--package-dir', '/opt/x', '--', '/bin/true'], /packageDir only goes with package/],
      [['mcp', 'add', 'x', '--action-class', 'harmless', '--', '/bin/true'], /actionClass/],
      [['mcp', 'add', 'x', '--env', 'NOEQUALS', '--', '/bin/true'], /KEY=VALUE/],
      [['mcp', 'add', 'x', '--env', 'lower=1', '--', '/bin/true'], /env/],
      [['mcp', 'add', 'x', '--timeout-ms', 'soon', '--', '/bin/true'], /timeout-ms/],
      [['mcp', 'add', 'x', '--', '/bin/sh -c evil'], /one program/],
      [['mcp', 'add', 'NOTES', '--', '/bin/true'], /already configured/],
      [['mcp', 'remove', 'ghost'], /no MCP server "ghost"/],
      [['mcp', 'approve', 'ghost'], /no MCP server "ghost"/],
    ];
    for (const [args, message] of cases) {
      const r = await bulwark(dir, ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(readFileSync(path.join(dir, 'config.yaml'), 'utf8')).toBe(before);
    }
  });
});
