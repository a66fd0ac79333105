/** `mcp.servers` and `supply` in config.yaml: hostile or malformed entries stop the load with the key named. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';

const load = (yaml: string) => parseConfigText(yaml, 'config.yaml');

describe('mcp config', () => {
  it('accepts the three kinds of server and defaults to class unknown and no network', () => {
    const r = load(`mcp:
  servers:
    - { name: notes, command: /usr/bin/node, args: [/opt/notes/server.js], readOnlyPaths: [/opt/notes] }
    - { name: fs, package: "@modelcontextprotocol/server-filesystem@2026.1.14", packageDir: /opt/fs }
    - { name: web, url: "https://mcp.example.com/mcp", actionClass: read }
supply: { maxIndexAgeDays: 3 }
`);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.mcp.servers[0]).toMatchObject({ actionClass: 'unknown', network: 'none', env: {} });
    expect(r.value.supply.maxIndexAgeDays).toBe(3);
    expect(r.value.supply.registry).toBe('https://registry.npmjs.org/');
  });

  it.each([
    ['an http registry', '{ registry: "http://registry.example.com/" }'],
    ['a registry with credentials', '{ registry: "https://u:p@registry.example.com/" }'],
    ['a relative npmCli', '{ npmCli: "npm-cli.js" }'],
  ])('refuses supply with %s', (_what, supply) => {
    const r = load(`supply: ${supply}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('supply');
  });

  it.each([
    ['a name with __', '{ name: a__b, command: /bin/true }'],
    ['a name with a slash', '{ name: "a/b", command: /bin/true }'],
    ['no transport', '{ name: a }'],
    ['two transports', '{ name: a, command: /bin/true, url: "http://x.example/mcp" }'],
    ['a file URL', '{ name: a, url: "file:///etc/passwd" }'],
    ['an unpinned package', '{ name: a, package: "left-pad@^1.3.0", packageDir: /opt/x }'],
    ['a package tag', '{ name: a, package: "left-pad@latest", packageDir: /opt/x }'],
    ['a folder without its package', '{ name: a, command: /bin/true, packageDir: /opt/x }'],
    ['a relative read-only path', '{ name: a, command: /bin/true, readOnlyPaths: [opt/x] }'],
    ['a .. read-only path', '{ name: a, command: /bin/true, readOnlyPaths: [/opt/../root] }'],
    ['a command with a space', '{ name: a, command: "/bin/sh -c x" }'],
    ['an unknown class', '{ name: a, command: /bin/true, actionClass: harmless }'],
    ['host network', '{ name: a, command: /bin/true, network: host }'],
    ['a lower-case env name', '{ name: a, command: /bin/true, env: { path: x } }'],
    ['an unknown key', '{ name: a, command: /bin/true, sandbox: off }'],
  ])('refuses %s', (_what, entry) => {
    const r = load(`mcp:\n  servers:\n    - ${entry}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('mcp');
  });

  it('refuses two servers of the same name', () => {
    const r = load('mcp:\n  servers:\n    - { name: a, command: /bin/true }\n    - { name: A, command: /bin/false }\n');
    expect(r.ok).toBe(false);
  });
});
