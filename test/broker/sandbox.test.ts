/**
 * L08 end to end inside a real bubblewrap sandbox (exec network mode `broker`): --unshare-net, the unix socket
 * bound in, the forwarder inside, curl and a Node client that only ever hold the placeholder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildBwrapArgs } from '../../src/exec/sandbox/bwrap-args.js';
import { writeEtcStubs } from '../../src/exec/sandbox/etc-stubs.js';
import { probeSystemLayout } from '../../src/exec/detect.js';
import { prepareBrokerSpawn, type BrokerSpawn } from '../../src/broker/sandbox.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';
import { rig, REAL_KEY, OTHER_VAULT_VALUE, type Rig } from './harness.js';

const BWRAP = '/usr/bin/bwrap';
const bwrapWorks =
  spawnSync(BWRAP, ['--unshare-all', '--unshare-user', '--die-with-parent', '--ro-bind', '/', '/', '--', '/bin/true'])
    .status === 0 && spawnSync('curl', ['--version']).status === 0;

let r: Rig;
let spawnDir: string;
let ws: string;
let etc: { passwd: string; group: string };
const layout = bwrapWorks ? probeSystemLayout() : { mounts: [] };

async function inSandbox(
  spawn: BrokerSpawn,
  command: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = buildBwrapArgs({
    bwrapPath: BWRAP,
    layout,
    workspace: ws,
    insideWorkspace: '/workspace',
    cwdInside: '/workspace',
    env: { PATH: '/usr/bin:/bin', HOME: '/workspace' },
    network: 'broker',
    broker: spawn.access,
    tmpBytes: 16 * 1024 * 1024,
    protected: [],
    etcStubs: etc,
    runtimePaths: [],
    uid: 1000,
    gid: 1000,
    command: spawn.wrapCommand(command),
  });
  return new Promise((resolve) => {
    execFile(BWRAP, args, { encoding: 'utf8', timeout: 20_000, env: {} }, (e, stdout, stderr) => {
      const code = e ? (typeof e.code === 'number' ? e.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function freshSpawn(agentId = 'agent-1'): Promise<BrokerSpawn> {
  const dir = mkdtempSync(path.join(spawnDir, 's-'));
  const s = await prepareBrokerSpawn(r.broker, { agentId, traceId: 'trace-sbx' }, { hostDir: dir });
  if (!s.ok) throw new Error(s.error.message);
  return s.value;
}

const NODE_CLIENT = `
import { request } from 'node:http';
import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';
const proxy = new URL(process.env.HTTPS_PROXY);
const [host, port, path] = process.argv.slice(2);
const auth = 'Basic ' + Buffer.from(decodeURIComponent(proxy.username) + ':' + decodeURIComponent(proxy.password)).toString('base64');
const req = request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: host + ':' + port, headers: { 'proxy-authorization': auth } });
req.on('connect', (res, socket) => {
  if (res.statusCode !== 200) { console.log('CONNECT ' + res.statusCode); process.exit(0); }
  const tls = connect({ socket, servername: host, ca: readFileSync(process.env.NODE_EXTRA_CA_CERTS) }, () => {
    tls.write('POST ' + path + ' HTTP/1.1\\r\\nHost: ' + host + ':' + port + '\\r\\nx-api-key: ' + process.env.ANTHROPIC_API_KEY + '\\r\\ncontent-length: 2\\r\\nconnection: close\\r\\n\\r\\n{}');
  });
  let out = '';
  tls.on('data', (d) => (out += d));
  tls.on('end', () => console.log(out.split('\\r\\n')[0]));
});
req.end();
`;

describe.skipIf(!bwrapWorks)('L08 broker inside real bwrap', () => {
  beforeAll(async () => {
    r = await rig();
    spawnDir = mkdtempSync(path.join(tmpdir(), 'bulwark-sbx-'));
    ws = path.join(spawnDir, 'ws');
    mkdirSync(ws);
    writeFileSync(path.join(ws, 'client.mjs'), NODE_CLIENT);
    etc = writeEtcStubs(spawnDir);
  });
  afterAll(async () => {
    await r?.close();
  });

  it('the sandbox only has the placeholder; curl through the broker delivers the real key upstream', async () => {
    const s = await freshSpawn();
    const env = await inSandbox(s, ['/bin/sh', '-c', "tr '\\0' '\\n' < /proc/self/environ"]);
    expect(env.code).toBe(0);
    expect(env.stdout).toContain(`ANTHROPIC_API_KEY=${PLACEHOLDER}`);
    expect(env.stdout).toContain('CURL_CA_BUNDLE=/run/bulwark/ca.pem');
    expect(env.stdout).not.toContain(REAL_KEY);
    const url = `https://api.test:${r.upstream.port}/v1/messages`;
    const before = r.upstream.log.length;
    const c = await inSandbox(s, [
      '/bin/sh',
      '-c',
      `curl -sS -w '\\n%{http_code}' -H "x-api-key: $ANTHROPIC_API_KEY" -d '{}' ${url}`,
    ]);
    expect(c.stdout.trim().split('\n').pop()).toBe('200');
    expect(r.upstream.log).toHaveLength(before + 1);
    expect(r.upstream.log.at(-1)?.headers['x-api-key']).toBe(REAL_KEY);
    await s.close();
    // After the spawn: the socket is gone and its token is dead.
    const { existsSync } = await import('node:fs');
    expect(existsSync(s.session.socketPath)).toBe(false);
    expect(s.session.closed).toBe(true);
  });

  it('a Node client inside the sandbox (placeholder from its env, CA from NODE_EXTRA_CA_CERTS) works the same', async () => {
    const s = await freshSpawn();
    const before = r.upstream.log.length;
    const out = await inSandbox(s, [
      process.execPath,
      '/workspace/client.mjs',
      'api.test',
      String(r.upstream.port),
      '/v1/messages',
    ]);
    expect(out.stdout.trim()).toBe('HTTP/1.1 200 OK');
    expect(r.upstream.log).toHaveLength(before + 1);
    expect(r.upstream.log.at(-1)?.headers['x-api-key']).toBe(REAL_KEY);
    await s.close();
  });

  it('direct egress without the proxy fails (no network in the sandbox)', async () => {
    const s = await freshSpawn();
    const before = r.upstream.log.length;
    const out = await inSandbox(s, [
      '/bin/sh',
      '-c',
      `curl -sS --noproxy '*' --max-time 5 -k https://127.0.0.1:${r.upstream.port}/v1/x; echo "exit=$?"`,
    ]);
    expect(out.stdout).toMatch(/exit=(7|28)/);
    expect(r.upstream.log).toHaveLength(before);
    await s.close();
  });

  it('wrong token, replayed token → 407; unbound host → 403; missing secret → 502; posted vault value → 403: zero upstream requests', async () => {
    const s = await freshSpawn();
    const before = r.upstream.log.length;
    const url = (p: string, host = 'api.test') => `https://${host}:${r.upstream.port}${p}`;
    const code = async (cmd: string) => (await inSandbox(s, ['/bin/sh', '-c', cmd])).stdout.trim().split('\n').pop();
    // %{http_connect} is the proxy's answer to CONNECT, %{http_code} the answer inside the tunnel.
    expect(
      await code(
        `curl -s -o /dev/null -w '%{http_connect}' --proxy http://bulwark:wrong@127.0.0.1:3128 ${url('/v1/x')}`,
      ),
    ).toBe('407');
    const old = await freshSpawn();
    const oldToken = old.session.token;
    await old.close();
    expect(
      await code(
        `curl -s -o /dev/null -w '%{http_connect}' --proxy http://bulwark:${oldToken}@127.0.0.1:3128 ${url('/v1/x')}`,
      ),
    ).toBe('407');
    expect(await code(`curl -s -o /dev/null -w '%{http_connect}' ${url('/', 'unbound.test')}`)).toBe('403');
    expect(
      await code(
        `curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $OPENAI_API_KEY" ${url('/openai/chat')}`,
      ),
    ).toBe('502');
    expect(
      await code(`curl -s -o /dev/null -w '%{http_code}' -d 'x=${OTHER_VAULT_VALUE}' ${url('/v1/messages')}`),
    ).toBe('403');
    expect(r.upstream.log).toHaveLength(before);
    expect(r.events.some((e) => e.type === 'broker:blocked_egress')).toBe(true);
    await s.close();
  });
});
