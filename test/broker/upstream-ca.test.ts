/**
 * broker.upstreamCas: a CA file trusted for ONE upstream host. The host it is configured for is reached (its
 * certificate verified against that CA only); another host served with a certificate from the very same CA still meets
 * the system roots and is refused (502, nothing delivered). Bad entries are refused when the config is read or the daemon
 * starts, naming the key, the file and the fix.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConfigSchema } from '../../src/config/sections/broker.js';
import { loadUpstreamCas } from '../../src/broker/upstream-ca.js';
import { createCa, LeafIssuer } from '../../src/broker/ca.js';
import { unwrap } from '../../src/core/result.js';
import { describeZodError } from '../../src/config/load.js';
import { nodeClient, rig, type Rig } from './harness.js';
import { startDaemon } from '../../src/daemon.js';
import { tempDataDir } from '../e2e/support.js';

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-upstream-ca-'));
const file = (name: string, text: string): string => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('broker.upstreamCas', () => {
  it('trusts the CA for its host only: that host is reached, another host with a certificate of the same CA is not', async () => {
    r = await rig(
      (port, caPem) => ({
        egressAllow: [`unbound.test:${port}`],
        upstreamCas: [{ host: `api.test:${port}`, caFile: file(`ca-${port}.pem`, caPem) }],
      }),
      undefined,
      false,
    );
    const ask = (host: string, p: string) =>
      nodeClient((r as Rig).session.socketPath, (r as Rig).broker.caCertPem, {
        token: (r as Rig).session.token,
        host,
        port: (r as Rig).upstream.port,
        path: p,
      });
    const bound = await ask('api.test', '/v1/models');
    expect(bound.status).toBe(200);
    expect(JSON.parse(bound.body as string)).toMatchObject({ ok: true, path: '/v1/models' });
    // The key went to the host the CA vouches for.
    expect(r.upstream.log.at(-1)?.headers['x-api-key']).toBeDefined();
    const delivered = r.upstream.log.length;
    const other = await ask('unbound.test', '/anything');
    expect(other.status).toBe(502);
    expect(r.upstream.log).toHaveLength(delivered);
    expect(r.broker.status().upstreamCaHosts).toEqual([`api.test:${r.upstream.port}`]);
    expect(other.body).toMatch(/upstream unbound\.test failed: .*(certificate|verify)/i);
    expect(r.events.find((e) => e.type === 'broker:deny')?.payload).toMatchObject({
      host: 'unbound.test',
      rule: 'upstream',
    });
  });

  it('refuses an entry for a host the broker never reaches, and two entries for one host', () => {
    const bad = BrokerConfigSchema.safeParse({
      enabled: true,
      egressAllow: ['git.internal:8443'],
      upstreamCas: [
        { host: 'git.internal', caFile: 'ca.pem' },
        { host: 'git.internal:8443', caFile: 'a.pem' },
        { host: 'git.internal:8443', caFile: 'b.pem' },
      ],
    });
    expect(bad.success).toBe(false);
    const lines = bad.success ? [] : describeZodError(bad.error);
    expect(lines).toEqual([
      expect.stringMatching(/^upstreamCas\[0\]\.host: "git\.internal" is not the host of a binding or an egressAllow/),
      expect.stringMatching(/^upstreamCas\[2\]\.host: "git\.internal:8443" has more than one upstreamCas entry/),
    ]);
    expect(
      BrokerConfigSchema.safeParse({
        egressAllow: ['git.internal:8443'],
        upstreamCas: [{ host: 'GIT.internal:8443', caFile: 'ca.pem' }],
      }).success,
    ).toBe(true);
  });

  it('reads each file when the daemon starts: missing, not PEM, not a CA, or not valid now → an error naming key, file and fix', async () => {
    const ca = unwrap(await createCa('upstream CA for the load test'));
    const leaf = unwrap(await new LeafIssuer(ca).issue('git.internal'));
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['missing.pem', undefined, /missing\.pem does not exist/],
      ['text.pem', 'not a certificate\n', /holds no PEM certificate/],
      ['leaf.pem', leaf.certPem, /certificate 1 \(.*git\.internal.*\) is not a CA/],
    ];
    for (const [name, text, problem] of cases) {
      const f = text === undefined ? path.join(dir, name) : file(name, text);
      const cfg = BrokerConfigSchema.parse({
        egressAllow: ['git.internal'],
        upstreamCas: [{ host: 'git.internal', caFile: f }],
      });
      const loaded = loadUpstreamCas(cfg, dir);
      expect(loaded.ok, name).toBe(false);
      if (loaded.ok) continue;
      expect(loaded.error.code).toBe('broker.upstream_ca');
      expect(loaded.error.message).toContain('broker.upstreamCas[0].caFile (for git.internal)');
      expect(loaded.error.message).toMatch(problem);
      expect(loaded.error.message).toContain('point it at a PEM file with the CA certificate(s)');
    }
    // A relative path is read from the data dir; the CA is keyed by host:port as the proxy's tunnels are.
    file('good.pem', ca.certPem);
    const cfg = BrokerConfigSchema.parse({
      egressAllow: ['git.internal'],
      upstreamCas: [{ host: 'git.internal', caFile: 'good.pem' }],
    });
    const good = unwrap(loadUpstreamCas(cfg, dir));
    expect([...good.keys()]).toEqual(['git.internal:443']);
    const later = loadUpstreamCas(cfg, dir, new Date(Date.now() + 50 * 365 * 24 * 3600_000));
    expect(later.ok).toBe(false);
    if (!later.ok) expect(later.error.message).toMatch(/is not valid now/);
  });

  it('a daemon with a broken caFile does not start, and says which key and file to fix', async () => {
    const dataDir = tempDataDir();
    writeFileSync(
      path.join(dataDir, 'config.yaml'),
      `server: { host: 127.0.0.1, port: 0 }
broker: { enabled: true, egressAllow: ["git.internal:8443"], upstreamCas: [{ host: "git.internal:8443", caFile: nowhere.pem }] }
`,
      { mode: 0o600 },
    );
    await expect(startDaemon({ dataDir, port: 0 })).rejects.toThrow(
      /broker\.upstreamCas\[0\]\.caFile \(for git\.internal:8443\): .*nowhere\.pem does not exist; point it at a PEM file/,
    );
  });
});
