/**
 * The macOS provider cannot run here: its generated profiles are checked against golden files
 * (test/exec/golden/*.sb, reviewed rule by rule) and for the properties that make them safe.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSbplProfile, macRealPath } from '../../src/exec/sandbox/sbpl.js';

const golden = (name: string) => readFileSync(fileURLToPath(new URL(`./golden/${name}`, import.meta.url)), 'utf8');
const base = {
  workspace: '/Users/alice/bulwark/workspaces/default',
  tmp: '/var/folders/xy/T/bulwark-run-abc',
  protectedPaths: [
    { rel: '.git/hooks', dir: true },
    { rel: '.bashrc', dir: false },
    { rel: '.mcp.json', dir: false },
  ],
  runtimePaths: ['/opt/homebrew/opt/node@22'],
};

describe('sandbox-exec profile', () => {
  it('matches the reviewed golden profile (network none)', () => {
    expect(buildSbplProfile({ ...base, network: 'none' })).toBe(golden('sbpl-network-none.sb'));
  });

  it('matches the reviewed golden profile (network host, a path with quotes)', () => {
    expect(buildSbplProfile({ ...base, workspace: '/tmp/ws "quoted"', network: 'host' })).toBe(
      golden('sbpl-network-host.sb'),
    );
  });

  it('denies by default, and writes only to the workspace and its temp dir', () => {
    const p = buildSbplProfile({ ...base, network: 'none' });
    const lines = p.split('\n').filter((l) => !l.startsWith(';'));
    expect(lines[1]).toBe('(deny default)');
    const writes = lines.filter((l) => l.startsWith('(allow') && /file-write\*/.test(l));
    expect(writes).toEqual([
      '(allow file-read* file-write* (subpath "/Users/alice/bulwark/workspaces/default") (subpath "/private/var/folders/xy/T/bulwark-run-abc"))',
    ]);
    expect(p).not.toMatch(/\(allow network/);
  });

  it('puts the persistence denials after the workspace allow, so they win', () => {
    const p = buildSbplProfile({ ...base, network: 'none' });
    expect(
      p.indexOf('(deny file-write* (subpath "/Users/alice/bulwark/workspaces/default/.git/hooks")'),
    ).toBeGreaterThan(p.indexOf('(allow file-read* file-write*'));
  });

  it('resolves macOS symlinked roots and refuses control characters', () => {
    expect(macRealPath('/tmp/x')).toBe('/private/tmp/x');
    expect(macRealPath('/var/folders/a')).toBe('/private/var/folders/a');
    expect(macRealPath('/etc')).toBe('/private/etc');
    expect(macRealPath('/tmpfoo')).toBe('/tmpfoo');
    expect(() => buildSbplProfile({ ...base, workspace: '/w\n(allow default)', network: 'none' })).toThrow(
      /control character/,
    );
  });
});
