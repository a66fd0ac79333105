/**
 * `bulwark cert` on a data dir: the CA, a client certificate and its server.tls.clients entry, revocation into the
 * CRL (named in config.yaml), the list; and bad input that names the fix and changes nothing. The config it edits
 * still loads.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { register as registerCert } from '../../src/cli/commands/cert.js';
import { loadConfig } from '../../src/config/load.js';
import { createServerPair } from '../../src/transport/cert-files.js';
import { tempDataDir } from './support.js';

function cli(dataDir: string) {
  let out = '';
  let errOut = '';
  let code = 0;
  const ctx: CliContext = {
    dataDir,
    stdout: (t) => void (out += t),
    stderr: (t) => void (errOut += t),
    setExitCode: (n) => void (code = n),
  };
  const program = new Command().exitOverride();
  registerCert(program, ctx);
  return async (...args: string[]) => {
    code = 0;
    try {
      await program.parseAsync(['node', 'bulwark', 'cert', ...args]);
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      code = e.exitCode || 1;
    }
    const r = { out, err: errOut, code };
    out = '';
    errOut = '';
    return r;
  };
}

describe('bulwark cert', () => {
  it('makes a CA, issues and maps a certificate, revokes it into the CRL; the config still loads', async () => {
    const dir = tempDataDir();
    const server = await createServerPair(dir, ['localhost']);
    expect(server.ok).toBe(true);
    writeFileSync(
      path.join(dir, 'config.yaml'),
      'server:\n  host: 127.0.0.1\n  tls: { cert: tls/server.crt, key: tls/server.key }\n',
      { mode: 0o600 },
    );
    const run = cli(dir);
    const early = await run('issue', 'alice', '--scopes', 'chat');
    expect(early.code).not.toBe(0);
    expect(early.err).toMatch(/bulwark cert ca/);

    expect((await run('ca')).out).toMatch(/server\.tls\.clientCa set/);
    expect(statSync(path.join(dir, 'tls', 'client-ca.key')).mode & 0o077).toBe(0);
    const issued = await run('issue', 'alice', '--scopes', 'chat');
    expect(issued.code).toBe(0);
    expect(statSync(path.join(dir, 'tls', 'clients', 'alice.key')).mode & 0o077).toBe(0);
    const again = await run('issue', 'alice', '--scopes', 'chat');
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/--force/);

    const bad = await run('issue', 'bad name;rm', '--scopes', 'chat');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/not a certificate name/);
    expect(existsSync(path.join(dir, 'tls', 'clients', 'bad name;rm.crt'))).toBe(false);

    const revoked = await run('revoke', 'alice');
    expect(revoked.out).toMatch(/revoked alice \(serial [0-9a-f]+\); CRL .* lists 1 certificate/);
    const list = JSON.parse((await run('list', '--json')).out) as Array<{ name: string; revoked: boolean }>;
    expect(list).toEqual([expect.objectContaining({ name: 'alice', revoked: true })]);

    const config = loadConfig(dir);
    if (!config.ok) throw new Error(config.error.message);
    const tls = config.value.server.tls;
    expect(tls).toMatchObject({ clientCa: 'tls/client-ca.crt', crl: 'tls/crl.pem' });
    expect(tls?.clients).toEqual([expect.objectContaining({ match: { cn: 'alice' }, scopes: ['chat'] })]);
    expect(readFileSync(path.join(dir, 'tls', 'crl.pem'), 'utf8')).toMatch(/-----BEGIN (X509 )?CRL-----/);
  });
});
