/**
 * Network room costs: the L10 check per URL (stub resolver, so DNS time is excluded) and per address,
 * leaf certificate issuance, and the L08 broker's added latency per request against a direct TLS request
 * to the same local upstream (both open a new connection per request, as a one-shot CLI tool would).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { request as httpsRequest } from 'node:https';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { readCorpus } from '../../eval/corpora.js';
import { timeAsync, timeSync, type Timing } from '../measure.js';
import { SsrfGuard } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { classifyAddressText } from '../../src/net/classify.js';
import { createCa, LeafIssuer } from '../../src/broker/ca.js';
import { unwrap } from '../../src/core/result.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';
import { nodeClient, rig } from '../../test/broker/harness.js';
import { Agent as UndiciAgent, ProxyAgent, request as undiciRequest } from 'undici';
import { startForwarder } from '../../src/broker/forwarder.js';
import { EventBus } from '../../src/core/events.js';

/** The L10 refusals of these checks are audited on a real bus. */
const NET_BUS = new EventBus();

const CASES = 'ssrf/ssrf_cases.jsonl';
const stubDns = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'eval',
  'annotations',
  'ssrf',
  'stub_dns.json',
);

function directTls(port: number, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'api.test',
        port,
        method: 'POST',
        path: '/v1/messages',
        ca,
        agent: false,
        headers: { host: `api.test:${port}`, 'x-api-key': 'k', 'content-length': '2' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

const us = (t: Timing) => [t.n, t.p50, t.p99, t.mean];

const suite: Suite = {
  name: 'net',
  corpora: {
    files: [CASES],
    figures: ['L10 check per URL p50 (µs)', 'leaf issuance p50 (µs)', 'broker added latency p50 (µs)'],
  },
  async run() {
    const rows = readCorpus(CASES)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { input: string; kind: string });
    const dns = JSON.parse(readFileSync(stubDns, 'utf8')) as {
      hosts: Record<string, string[][]>;
    };
    const urls = rows.filter((r) => r.kind === 'url').map((r) => r.input);
    const ips = rows.filter((r) => r.kind === 'ip').map((r) => r.input);
    const guard = new SsrfGuard({ bus: NET_BUS, resolver: new StubResolver(dns.hosts) });
    let i = 0;
    const checkUrl = await timeAsync(() => guard.check(urls[i++ % urls.length] as string), 5000, 500);
    let j = 0;
    const classify = timeSync(() => classifyAddressText(ips[j++ % ips.length] as string), 20000, 1000);

    const issuer = new LeafIssuer(unwrap(await createCa()));
    let k = 0;
    const leaf = await timeAsync(async () => unwrap(await issuer.issue(`host${k++}.example.com`)), 200, 10);
    const cachedLeaf = await timeAsync(async () => unwrap(await issuer.contextFor('cached.example.com')), 2000, 10);

    const r = await rig();
    const direct = await timeAsync(() => directTls(r.upstream.port, r.upstreamCaPem), 300, 30);
    const viaBroker = await timeAsync(
      () =>
        nodeClient(r.session.socketPath, r.broker.caCertPem, {
          token: r.session.token,
          host: 'api.test',
          port: r.upstream.port,
          method: 'POST',
          path: '/v1/messages',
          headers: { 'x-api-key': PLACEHOLDER },
          body: '{}',
        }),
      300,
      30,
    );
    // Warm path, as SDK clients run: keep-alive direct vs keep-alive through one tunnel (via the in-sandbox forwarder).
    const directAgent = new UndiciAgent({ connect: { ca: r.upstreamCaPem, servername: 'api.test' } });
    const fwd = await startForwarder({ port: 0, socketPath: r.session.socketPath });
    const proxyAgent = new ProxyAgent({
      uri: `http://127.0.0.1:${fwd.port}`,
      token: `Basic ${Buffer.from(`bulwark:${r.session.token}`).toString('base64')}`,
      requestTls: { ca: r.broker.caCertPem, servername: 'api.test' },
    });
    const post = async (dispatcher: UndiciAgent | ProxyAgent, origin: string) => {
      const res = await undiciRequest(`${origin}/v1/messages`, {
        method: 'POST',
        dispatcher,
        headers: { 'x-api-key': PLACEHOLDER, host: `api.test:${r.upstream.port}` },
        body: '{}',
      });
      await res.body.text();
    };
    const warmDirect = await timeAsync(() => post(directAgent, `https://127.0.0.1:${r.upstream.port}`), 500, 50);
    const warmBroker = await timeAsync(() => post(proxyAgent, `https://api.test:${r.upstream.port}`), 500, 50);
    await proxyAgent.close();
    await directAgent.close();
    await fwd.close();
    await r.close();

    const added = { p50: viaBroker.p50 - direct.p50, p99: viaBroker.p99 - direct.p99 };
    const markdown = [
      markdownTable(
        ['operation', 'n', 'p50 µs', 'p99 µs', 'mean µs'],
        [
          ['L10 check per URL (corpus URL rows, stub DNS)', ...us(checkUrl)],
          ['L10 classify per IP literal (corpus IP rows)', ...us(classify)],
          ['L08 leaf certificate issuance (new key + sign)', ...us(leaf)],
          ['L08 leaf certificate, cached', ...us(cachedLeaf)],
          ['direct TLS request to the local upstream (new connection)', ...us(direct)],
          [
            'same request through the broker (CONNECT, TLS termination, checks, inject, upstream TLS)',
            ...us(viaBroker),
          ],
          ['warm: direct TLS, keep-alive', ...us(warmDirect)],
          ['warm: through the broker, keep-alive tunnel via the forwarder', ...us(warmBroker)],
        ],
      ),
      '',
      `Broker added latency per request, cold (new connections): p50 ${(added.p50 / 1000).toFixed(2)} ms, p99 ${(added.p99 / 1000).toFixed(2)} ms.`,
      `Broker added latency per request, warm (keep-alive): p50 ${((warmBroker.p50 - warmDirect.p50) / 1000).toFixed(2)} ms, p99 ${((warmBroker.p99 - warmDirect.p99) / 1000).toFixed(2)} ms.`,
    ].join('\n');
    const checks: Check[] = [
      { name: 'L10 check per URL p50 (µs)', value: checkUrl.p50, max: 1000 },
      { name: 'leaf issuance p50 (µs)', value: leaf.p50, max: 50_000 },
      { name: 'broker added latency p50 (µs)', value: added.p50, max: 50_000 },
    ];
    return {
      name: 'net',
      markdown,
      data: { checkUrl, classify, leaf, cachedLeaf, direct, viaBroker, warmDirect, warmBroker, addedMicros: added },
      checks,
    };
  },
};
export default suite;
