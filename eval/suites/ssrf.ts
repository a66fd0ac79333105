/**
 * L10 SSRF scorecard over <corpora>/ssrf/ssrf_cases.jsonl (four libraries' test fixtures, read in place:
 * eval/corpora.ts; eval/docs/net.md), through a
 * stub resolver and a stub transport: no DNS traffic, no connection. URL rows go through the full guarded
 * fetch (so the bit.ly redirect row is judged on its redirect target); IP rows through the classifier.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { markdownTable, barChartSvg, type Suite } from '../harness.js';
import { readCorpus } from '../corpora.js';
import { SsrfGuard, verdictOf, type SsrfVerdict } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { guardedFetch } from '../../src/net/fetch.js';
import { classifyAddressText } from '../../src/net/classify.js';
import { pinnedTransport, type Transport } from '../../src/net/pinned-transport.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBus } from '../../src/core/events.js';

/** The L10 refusals of these checks are audited on a real bus. */
const NET_BUS = new EventBus();

const CASES = 'ssrf/ssrf_cases.jsonl';
const annotations = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'annotations', 'ssrf');

interface Row {
  readonly input: string;
  readonly kind: 'url' | 'ip';
  readonly expected: SsrfVerdict;
  readonly source: string;
}
interface Dispute {
  readonly input: string;
  readonly expected: SsrfVerdict;
  readonly ours: SsrfVerdict;
  readonly reason: string;
}

function stubTransport(redirects: Record<string, string>): Transport {
  return async (target) => {
    const to = redirects[target.url.href];
    const body = (async function* () {
      yield Buffer.from('stub');
    })();
    return {
      status: to ? 301 : 200,
      headers: to ? { location: to } : { 'content-type': 'text/plain' },
      body,
      close: async () => undefined,
    };
  };
}

const ALL_PORTS = Array.from({ length: 65535 }, (_, i) => i + 1);

export async function judgeRow(
  row: Row,
  dns: { hosts: Record<string, string[][]>; redirects: Record<string, string> },
  portPolicy = true,
): Promise<{ verdict: SsrfVerdict; rule: string }> {
  if (row.kind === 'ip') {
    const v = classifyAddressText(row.input);
    if (!v) return { verdict: 'invalid', rule: 'ip:unparseable' };
    return { verdict: v.global ? 'allow' : 'block', rule: v.rule };
  }
  const guard = new SsrfGuard({
    bus: NET_BUS,
    resolver: new StubResolver(dns.hosts),
    ...(portPolicy ? {} : { config: { allow: [], ports: ALL_PORTS } }),
  });
  const r = await guardedFetch({ guard, transport: stubTransport(dns.redirects) }, row.input);
  return {
    verdict: verdictOf(r),
    rule: r.ok ? `allow (${r.value.address})` : String(r.error.details?.['rule'] ?? r.error.code),
  };
}

async function listen(
  host: string,
  port: number,
  body: (url: string) => { status: number; headers: Record<string, string>; text: string },
): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const out = body(req.url ?? '');
    res.writeHead(out.status, out.headers);
    res.end(out.text);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

const SCENARIO = {
  rebinding: 'DNS rebinding (second answer never used)',
  metadataRedirect: 'redirect to http://169.254.169.254/ refused',
} as const;

const FIGURES = {
  blockRaw: 'block rows blocked (raw)',
  invalid: 'invalid rows refused',
  blockNoPorts: 'block rows blocked with the port policy off',
  allowAdjudicated: 'allow rows allowed (excluding disputed labels)',
  unexplained: 'misses without a recorded dispute',
} as const;

/**
 * Two attacks on real loopback sockets (nothing leaves the machine):
 *  - DNS rebinding: the name answers 127.0.0.1 (allowed by an explicit net.allow for the test) and then
 *    127.0.0.2, where a second server listens on the same port. Pinning holds if the resolver is asked once
 *    and the second server sees nothing.
 *  - Redirect to the metadata service: an allowed server answers 302 to http://169.254.169.254/; the guard
 *    must refuse the hop before any connection is made.
 */
export async function scenarios(): Promise<Array<{ name: string; pass: boolean; detail: string }>> {
  const out: Array<{ name: string; pass: boolean; detail: string }> = [];
  const good = await listen('127.0.0.1', 0, () => ({ status: 200, headers: {}, text: 'pinned' }));
  const evil = await listen('127.0.0.2', good.port, () => ({ status: 200, headers: {}, text: 'rebound' }));
  try {
    const resolver = new StubResolver({ 'rebind.test': [['127.0.0.1'], ['127.0.0.2']] });
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver,
      config: { allow: [`rebind.test:${good.port}`], ports: [80] },
    });
    const r = await guardedFetch({ guard }, `http://rebind.test:${good.port}/`);
    const pass =
      r.ok && r.value.body.toString() === 'pinned' && resolver.count('rebind.test') === 1 && evil.hits.length === 0;
    out.push({
      name: SCENARIO.rebinding,
      pass,
      detail: `resolver asked ${resolver.count('rebind.test')}x, rebound server hits ${evil.hits.length}`,
    });
  } finally {
    await close(good.server);
    await close(evil.server);
  }
  const redirector = await listen('127.0.0.1', 0, () => ({
    status: 302,
    headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    text: '',
  }));
  try {
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver: new StubResolver({}),
      config: { allow: [`127.0.0.1:${redirector.port}`], ports: [80, 443] },
    });
    const dialled: string[] = [];
    const real = pinnedTransport();
    const transport: Transport = (t, req) => (dialled.push(t.pinned.address), real(t, req));
    const r = await guardedFetch({ guard, transport }, `http://127.0.0.1:${redirector.port}/`);
    const rule = r.ok ? 'allowed' : String(r.error.details?.['rule'] ?? r.error.code);
    out.push({
      name: SCENARIO.metadataRedirect,
      pass: !r.ok && rule.startsWith('metadata:') && dialled.length === 1,
      detail: `rule ${rule}; connections: ${dialled.join(', ')}`,
    });
  } finally {
    await close(redirector.server);
  }
  return out;
}

const suite: Suite = {
  name: 'ssrf',
  corpora: { files: [CASES], figures: [...Object.values(FIGURES), ...Object.values(SCENARIO)] },
  async run() {
    const rows = readCorpus(CASES)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Row);
    const dns = JSON.parse(readFileSync(path.join(annotations, 'stub_dns.json'), 'utf8')) as {
      hosts: Record<string, string[][]>;
      redirects: Record<string, string>;
    };
    const disputes = (
      JSON.parse(readFileSync(path.join(annotations, 'label_disputes.json'), 'utf8')) as { disputes: Dispute[] }
    ).disputes;
    const disputed = (r: Row) => disputes.find((d) => d.input === r.input && d.expected === r.expected);

    const results: Array<{ row: Row; verdict: SsrfVerdict; rule: string }> = [];
    for (const row of rows) results.push({ row, ...(await judgeRow(row, dns)) });

    // The same block rows with the port policy off: address rules alone must still stop them.
    const blockRows = rows.filter((x) => x.expected === 'block');
    let blockedWithoutPorts = 0;
    for (const row of blockRows) if ((await judgeRow(row, dns, false)).verdict !== 'allow') blockedWithoutPorts++;
    const blockRecallNoPortPolicy = blockRows.length ? blockedWithoutPorts / blockRows.length : 1;

    const byLabel = (label: SsrfVerdict, adjudicated: boolean) =>
      results.filter((x) => x.row.expected === label && !(adjudicated && disputed(x.row)));
    const rate = (xs: typeof results, pass: (v: SsrfVerdict) => boolean) =>
      xs.length ? xs.filter((x) => pass(x.verdict)).length / xs.length : 1;
    const blocked = (v: SsrfVerdict) => v !== 'allow';
    const figures = {
      blockRecallRaw: rate(byLabel('block', false), blocked),
      allowRateRaw: rate(byLabel('allow', false), (v) => v === 'allow'),
      invalidRefusedRaw: rate(byLabel('invalid', false), (v) => v === 'invalid'),
      blockRecallAdjudicated: rate(byLabel('block', true), blocked),
      allowRateAdjudicated: rate(byLabel('allow', true), (v) => v === 'allow'),
    };
    const misses = results.filter((x) =>
      x.row.expected === 'allow'
        ? x.verdict !== 'allow'
        : x.row.expected === 'block'
          ? x.verdict === 'allow'
          : x.verdict !== 'invalid',
    );
    const unexplained = misses.filter((m) => !disputed(m.row) || disputed(m.row)?.ours !== m.verdict);
    const counts = {
      block: byLabel('block', false).length,
      allow: byLabel('allow', false).length,
      invalid: byLabel('invalid', false).length,
    };
    const viaInvalid = results.filter((x) => x.row.expected === 'block' && x.verdict === 'invalid').length;

    const scen = await scenarios();
    const markdown = [
      `Rows: ${rows.length} (block ${counts.block}, allow ${counts.allow}, invalid ${counts.invalid}); stub resolver, no traffic.`,
      '',
      markdownTable(
        ['figure', 'all rows (raw labels)', 'excluding disputed labels'],
        [
          ['block rows blocked', figures.blockRecallRaw, figures.blockRecallAdjudicated],
          ['allow rows allowed', figures.allowRateRaw, figures.allowRateAdjudicated],
          ['invalid rows refused as invalid', figures.invalidRefusedRaw, figures.invalidRefusedRaw],
        ],
      ),
      '',
      `${viaInvalid} block rows were refused already at the strict URL parse (verdict "invalid").`,
      `With the port policy off (every port allowed), ${blockedWithoutPorts} of ${blockRows.length} block rows are still blocked (${(blockRecallNoPortPolicy * 100).toFixed(1)} %): the address rules do not lean on the port rule.`,
      '',
      'Which rule stopped the block rows:',
      '',
      markdownTable(
        ['rule', 'rows'],
        [
          ...results
            .filter((x) => x.row.expected === 'block')
            .reduce(
              (m, x) => m.set(x.rule.split('(')[0] as string, (m.get(x.rule.split('(')[0] as string) ?? 0) + 1),
              new Map<string, number>(),
            ),
        ].sort((a, b) => b[1] - a[1]),
      ),
      '',
      'Attack scenarios on loopback sockets:',
      '',
      markdownTable(
        ['scenario', 'result', 'detail'],
        scen.map((x) => [x.name, x.pass ? 'pass' : 'FAIL', x.detail]),
      ),
      '',
      'Rows where our verdict differs from the corpus label (each listed, with why, in eval/annotations/ssrf/label_disputes.json):',
      '',
      markdownTable(
        ['input', 'label', 'ours', 'rule', 'disputed?'],
        misses.map((m) => [`\`${m.row.input}\``, m.row.expected, m.verdict, m.rule, disputed(m.row) ? 'yes' : 'NO']),
      ),
    ].join('\n');

    return {
      name: 'ssrf',
      markdown,
      data: {
        figures,
        blockRecallNoPortPolicy,
        counts,
        viaInvalid,
        scenarios: scen,
        misses: misses.map((m) => ({ input: m.row.input, expected: m.row.expected, verdict: m.verdict, rule: m.rule })),
      },
      svg: barChartSvg('L10 SSRF guard on ssrf_cases.jsonl', [
        { label: 'block recall (raw)', value: figures.blockRecallRaw },
        { label: 'allow rate (raw)', value: figures.allowRateRaw },
        { label: 'invalid refused', value: figures.invalidRefusedRaw },
        { label: 'allow rate (excl. disputed)', value: figures.allowRateAdjudicated },
      ]),
      checks: [
        { name: FIGURES.blockRaw, value: figures.blockRecallRaw, min: 1 },
        { name: FIGURES.invalid, value: figures.invalidRefusedRaw, min: 1 },
        { name: FIGURES.blockNoPorts, value: blockRecallNoPortPolicy, min: 1 },
        { name: FIGURES.allowAdjudicated, value: figures.allowRateAdjudicated, min: 1 },
        { name: FIGURES.unexplained, value: unexplained.length, max: 0 },
        ...scen.map((x) => ({ name: x.name, value: x.pass ? 1 : 0, min: 1 })),
      ],
    };
  },
};
export default suite;
