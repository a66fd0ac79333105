import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startForwarder } from '../../src/broker/forwarder.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';
import { rig, REAL_KEY, OTHER_VAULT_VALUE, type Rig } from './harness.js';

let r: Rig | undefined;
let forwarder: { port: number; close(): Promise<void> } | undefined;
afterEach(async () => {
  await forwarder?.close();
  await r?.close();
  r = undefined;
  forwarder = undefined;
});

const hasCurl = spawnSync('curl', ['--version']).status === 0;

/** curl through the TCP forwarder (as a tool inside a sandbox would), trusting only the broker CA. Returns body + status line. */
async function curl(args: string[], token: string): Promise<{ stdout: string; stderr: string; status: string }> {
  if (!r) throw new Error('no rig');
  forwarder ??= await startForwarder({ port: 0, socketPath: r.session.socketPath });
  const ca = path.join(r.dir, 'ca.pem');
  writeFileSync(ca, r.broker.caCertPem);
  const port = forwarder.port;
  return new Promise((resolve) => {
    execFile(
      'curl',
      [
        '-sS',
        '--max-time',
        '10',
        '--cacert',
        ca,
        '--proxy',
        `http://bulwark:${token}@127.0.0.1:${port}`,
        '-w',
        '\n%{http_code}',
        ...args,
      ],
      { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } },
      (_e, stdout, stderr) => resolve({ stdout, stderr, status: stdout.trim().split('\n').pop() ?? '' }),
    );
  });
}

describe.skipIf(!hasCurl)('L08 broker with curl through the forwarder', () => {
  it('placeholder in, real key upstream; a posted vault value is blocked; a wrong token gets 407', async () => {
    r = await rig();
    const url = `https://api.test:${r.upstream.port}/v1/messages`;
    expect((await curl(['-H', `x-api-key: ${PLACEHOLDER}`, '-d', '{"a":1}', url], r.session.token)).status).toBe('200');
    expect(r.upstream.log[0]?.headers['x-api-key']).toBe(REAL_KEY);
    expect((await curl(['-d', `leak=${OTHER_VAULT_VALUE}`, url], r.session.token)).status).toBe('403');
    expect((await curl([url], 'wrong')).stderr).toMatch(/407/);
    expect(r.upstream.log).toHaveLength(1);
  });
});
