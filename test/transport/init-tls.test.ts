/**
 * `bulwark init --tls`: a self-signed server pair for the names asked (key 0600), named by server.tls in config.yaml,
 * which still loads; an existing server.tls is kept; a bad --tls-host is refused and writes nothing.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initTls } from '../../src/cli/commands/init.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDataDir } from './support.js';

const CONFIG = 'server:\n  host: 127.0.0.1\n';

describe('bulwark init --tls', () => {
  it('writes a matching pair for the names asked and points server.tls at it', async () => {
    const dir = tempDataDir();
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG, { mode: 0o600 });
    const made = await initTls(dir, 'localhost, 127.0.0.1,bulwark.example.org');
    if (!made.ok) throw new Error(made.error.message);
    expect(statSync(made.value.keyFile).mode & 0o077).toBe(0);
    const cert = new X509Certificate(readFileSync(made.value.certFile));
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(made.value.keyFile)))).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('DNS:bulwark.example.org');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.fingerprint256.replaceAll(':', '').toLowerCase()).toContain(
      made.value.fingerprint
        .replace(/^sha256:/, '')
        .replaceAll(':', '')
        .toLowerCase()
        .slice(0, 16),
    );
    const config = loadConfig(dir);
    if (!config.ok) throw new Error(config.error.message);
    expect(config.value.server.tls).toMatchObject({ cert: 'tls/server.crt', key: 'tls/server.key' });
  });

  it('keeps a server.tls the operator already set', async () => {
    const dir = tempDataDir();
    const own = `${CONFIG}  tls: { cert: /etc/bulwark/own.crt, key: /etc/bulwark/own.key }\n`;
    writeFileSync(path.join(dir, 'config.yaml'), own, { mode: 0o600 });
    const made = await initTls(dir, 'localhost');
    expect(made.ok).toBe(true);
    expect(readFileSync(path.join(dir, 'config.yaml'), 'utf8')).toContain('/etc/bulwark/own.crt');
  });

  it.each(['', ' , ', 'bad host', 'evil;rm', `${'a'.repeat(254)}`, 'x\ny'])(
    'refuses --tls-host %j and writes nothing',
    async (hosts) => {
      const dir = tempDataDir();
      writeFileSync(path.join(dir, 'config.yaml'), CONFIG, { mode: 0o600 });
      const made = await initTls(dir, hosts);
      expect(made.ok ? 'made' : made.error.message).toMatch(/--tls-host/);
      expect(existsSync(path.join(dir, 'tls'))).toBe(false);
      expect(readFileSync(path.join(dir, 'config.yaml'), 'utf8')).toBe(CONFIG);
    },
  );
});
