/**
 * Transport room: what TLS and L19 mutual TLS cost on loopback next to plain HTTP — a new connection per request
 * (handshake included) and a kept-alive one — against a real daemon each; and L20 signature checks per provider on
 * 1 KiB and 64 KiB bodies.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeAsync, timeSync, type Timing } from '../measure.js';
import { createCaFiles, createServerPair, issueClientFiles } from '../../src/transport/cert-files.js';
import { signGeneric, verifyWebhook } from '../../src/transport/webhooks/verify.js';
import { createHmac } from 'node:crypto';
import { reply, scriptFrom } from '../../test/support/fake-provider.js';
import { startTlsDaemon, tempDataDir, type TlsDaemon } from '../../test/transport/support.js';

interface Target {
  readonly url: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
}

function get(t: Target, route: string, agent: HttpAgent | HttpsAgent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${t.url}${route}`);
    const opts = {
      host: u.hostname,
      port: u.port,
      path: u.pathname,
      agent,
      headers: t.token ? { authorization: `Bearer ${t.token}` } : {},
    };
    const done = (res: import('node:http').IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(
            {
              ...opts,
              ca: t.ca,
              servername: 'localhost',
              ...(t.cert ? { cert: t.cert, key: t.key } : {}),
            },
            done,
          )
        : httpRequest(opts, done);
    req.on('error', reject);
    req.end();
  });
}

async function pair(t: Target, route: string, n: number): Promise<{ fresh: Timing; keepAlive: Timing }> {
  const status = await get(t, route, false);
  if (status !== 200) throw new Error(`${t.url}${route} answered ${status}`);
  const fresh = await timeAsync(() => get(t, route, false), n, 10);
  const agent = t.url.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: t.ca, ...(t.cert ? { cert: t.cert, key: t.key } : {}) })
    : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  try {
    const keepAlive = await timeAsync(() => get(t, route, agent), n, 20);
    return { fresh, keepAlive };
  } finally {
    agent.destroy();
  }
}

function webhookTimings(): { rows: (string | number)[][]; data: Record<string, Timing> } {
  const secret = 'whsec_bench_secret_value_0123456789';
  const now = 1_800_000_000;
  const rows: (string | number)[][] = [];
  const data: Record<string, Timing> = {};
  for (const size of [1024, 65536]) {
    const body = Buffer.alloc(size, 'a');
    const hex = (s: string) => createHmac('sha256', secret).update(s).digest('hex');
    const swKey = Buffer.alloc(32, 7);
    const swSecret = `whsec_${swKey.toString('base64')}`;
    const cases: [string, Parameters<typeof verifyWebhook>[0], Record<string, string>][] = [
      ['github', 'github', { 'x-hub-signature-256': `sha256=${hex(body.toString())}` }],
      ['stripe', 'stripe', { 'stripe-signature': `t=${now},v1=${hex(`${now}.${body.toString()}`)}` }],
      [
        'slack',
        'slack',
        { 'x-slack-request-timestamp': String(now), 'x-slack-signature': `v0=${hex(`v0:${now}:${body.toString()}`)}` },
      ],
      [
        'standard-webhooks',
        'standard-webhooks',
        {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(now),
          'webhook-signature': `v1,${createHmac('sha256', swKey).update(`msg_1.${now}.${body.toString()}`).digest('base64')}`,
        },
      ],
      [
        'generic',
        'generic',
        {
          'x-bulwark-webhook-id': 'd-1',
          'x-bulwark-webhook-timestamp': String(now),
          'x-bulwark-webhook-signature': signGeneric(secret, 'd-1', now, body),
        },
      ],
    ];
    for (const [name, provider, headers] of cases) {
      const opts = { secret: provider === 'standard-webhooks' ? swSecret : secret, nowSec: now, toleranceSec: 300 };
      const v = verifyWebhook(provider, { headers, body }, opts);
      if (!v.valid) throw new Error(`${name} bench delivery does not verify: ${v.reason}`);
      const t = timeSync(() => verifyWebhook(provider, { headers, body }, opts), 2000);
      data[`${name} ${size} B`] = t;
      rows.push([name, size, t.p50.toFixed(1), t.p99.toFixed(1)]);
    }
  }
  return { rows, data };
}

const suite: Suite = {
  name: 'transport',
  async run() {
    // The daemons' vault master keys go to a scratch config home, never the real one.
    const configHome = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-config-'));
    const daemons: TlsDaemon[] = [];
    const rows: (string | number)[][] = [];
    const data: Record<string, unknown> = {};
    const checks: Check[] = [];
    try {
      const script = scriptFrom([reply.text('x')]);
      const plainDir = tempDataDir();
      const plain = await startTlsDaemon(plainDir, script, '');
      daemons.push(plain);
      const tlsDir = tempDataDir();
      const server = await createServerPair(tlsDir, ['localhost', '127.0.0.1']);
      if (!server.ok) throw new Error(server.error.message);
      const ca = readFileSync(server.value.certFile, 'utf8');
      const tls = await startTlsDaemon(tlsDir, script, '  tls: { cert: tls/server.crt, key: tls/server.key }');
      daemons.push(tls);
      const mtlsDir = tempDataDir();
      const s2 = await createServerPair(mtlsDir, ['localhost', '127.0.0.1']);
      const ca2 = await createCaFiles(mtlsDir);
      const client = await issueClientFiles(mtlsDir, 'bench');
      if (!s2.ok || !ca2.ok || !client.ok) throw new Error('certificates for the mTLS daemon could not be made');
      const mtls = await startTlsDaemon(
        mtlsDir,
        script,
        `  tls:
    cert: tls/server.crt
    key: tls/server.key
    clientCa: tls/client-ca.crt
    clients: [{ match: { cn: bench }, scopes: [chat] }]`,
      );
      daemons.push(mtls);
      const targets: [string, Target][] = [
        ['plain HTTP, bearer token', { url: plain.daemon.url, token: plain.token }],
        ['TLS, bearer token', { url: tls.daemon.url, ca, token: tls.token }],
        [
          'mTLS, client certificate (L19)',
          {
            url: mtls.daemon.url,
            ca: readFileSync(s2.value.certFile, 'utf8'),
            cert: readFileSync(client.value.certFile, 'utf8'),
            key: readFileSync(client.value.keyFile, 'utf8'),
          },
        ],
      ];
      const n = 300;
      const results: Record<string, { fresh: Timing; keepAlive: Timing }> = {};
      for (const [name, t] of targets) {
        const r = await pair(t, '/v1/models', n);
        results[name] = r;
        data[name] = r;
        rows.push([name, 'new connection each', n, (r.fresh.p50 / 1000).toFixed(2), (r.fresh.p99 / 1000).toFixed(2)]);
        rows.push([name, 'keep-alive', n, (r.keepAlive.p50 / 1000).toFixed(2), (r.keepAlive.p99 / 1000).toFixed(2)]);
      }
      const base = results['plain HTTP, bearer token'] as { fresh: Timing; keepAlive: Timing };
      const withTls = results['TLS, bearer token'] as { fresh: Timing; keepAlive: Timing };
      const withMtls = results['mTLS, client certificate (L19)'] as { fresh: Timing; keepAlive: Timing };
      checks.push(
        {
          name: 'TLS handshake + request overhead over plain, p50 (ms)',
          value: (withTls.fresh.p50 - base.fresh.p50) / 1000,
          max: 20,
        },
        {
          name: 'mTLS handshake + request overhead over plain, p50 (ms)',
          value: (withMtls.fresh.p50 - base.fresh.p50) / 1000,
          max: 25,
        },
        {
          name: 'TLS keep-alive request overhead over plain, p50 (ms)',
          value: (withTls.keepAlive.p50 - base.keepAlive.p50) / 1000,
          max: 5,
        },
      );
    } finally {
      for (const d of daemons) await d.close();
      if (configHome === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = configHome;
    }
    const hooks = webhookTimings();
    data['webhook verify'] = hooks.data;
    const worst = Math.max(...Object.values(hooks.data).map((t) => t.p50));
    checks.push({ name: 'slowest webhook verify p50 at 64 KiB (µs)', value: worst, max: 2000 });
    const markdown = `## TLS and mTLS vs plain HTTP (127.0.0.1, authenticated GET /v1/models, real daemon each)\n\nECDSA P-256 certificates made by \`bulwark cert\`; TLS 1.3; "new connection each" includes the TCP and TLS handshakes.\n\n${markdownTable(['transport', 'connection', 'n', 'p50 ms', 'p99 ms'], rows)}\n\n## L20 webhook verification (signature over the raw body, constant-time compare, window)\n\n${markdownTable(['provider', 'body bytes', 'p50 µs', 'p99 µs'], hooks.rows)}\n`;
    return { name: 'transport', markdown, data, checks };
  },
};

export default suite;
