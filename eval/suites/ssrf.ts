/**
 * L10 SSRF scorecard over eval/corpora/ssrf/ssrf_cases.jsonl (four libraries' test fixtures), through a
 * stub resolver and a stub transport: no DNS traffic, no connection. URL rows go through the full guarded
 * fetch (so the bit.ly redirect row is judged on its redirect target); IP rows through the classifier.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { markdownTable, barChartSvg, type Suite } from '../harness.js';
import { SsrfGuard, verdictOf, type SsrfVerdict } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { guardedFetch } from '../../src/net/fetch.js';
import { classifyAddressText } from '../../src/net/classify.js';
import type { Transport } from '../../src/net/pinned-transport.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'corpora', 'ssrf');

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

export async function judgeRow(row: Row, dns: { hosts: Record<string, string[][]>; redirects: Record<string, string> }): Promise<{ verdict: SsrfVerdict; rule: string }> {
  if (row.kind === 'ip') {
    const v = classifyAddressText(row.input);
    if (!v) return { verdict: 'invalid', rule: 'ip:unparseable' };
    return { verdict: v.global ? 'allow' : 'block', rule: v.rule };
  }
  const guard = new SsrfGuard({ resolver: new StubResolver(dns.hosts) });
  const r = await guardedFetch({ guard, transport: stubTransport(dns.redirects) }, row.input);
  return { verdict: verdictOf(r), rule: r.ok ? `allow (${r.value.address})` : String(r.error.details?.['rule'] ?? r.error.code) };
}

const suite: Suite = {
  name: 'ssrf',
  async run() {
    const rows = readFileSync(path.join(dir, 'ssrf_cases.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    const dns = JSON.parse(readFileSync(path.join(dir, 'stub_dns.json'), 'utf8')) as { hosts: Record<string, string[][]>; redirects: Record<string, string> };
    const disputes = (JSON.parse(readFileSync(path.join(dir, 'label_disputes.json'), 'utf8')) as { disputes: Dispute[] }).disputes;
    const disputed = (r: Row) => disputes.find((d) => d.input === r.input && d.expected === r.expected);

    const results: Array<{ row: Row; verdict: SsrfVerdict; rule: string }> = [];
    for (const row of rows) results.push({ row, ...(await judgeRow(row, dns)) });

    const byLabel = (label: SsrfVerdict, adjudicated: boolean) => results.filter((x) => x.row.expected === label && !(adjudicated && disputed(x.row)));
    const rate = (xs: typeof results, pass: (v: SsrfVerdict) => boolean) => (xs.length ? xs.filter((x) => pass(x.verdict)).length / xs.length : 1);
    const blocked = (v: SsrfVerdict) => v !== 'allow';
    const figures = {
      blockRecallRaw: rate(byLabel('block', false), blocked),
      allowRateRaw: rate(byLabel('allow', false), (v) => v === 'allow'),
      invalidRefusedRaw: rate(byLabel('invalid', false), (v) => v === 'invalid'),
      blockRecallAdjudicated: rate(byLabel('block', true), blocked),
      allowRateAdjudicated: rate(byLabel('allow', true), (v) => v === 'allow'),
    };
    const misses = results.filter((x) => (x.row.expected === 'allow' ? x.verdict !== 'allow' : x.row.expected === 'block' ? x.verdict === 'allow' : x.verdict !== 'invalid'));
    const unexplained = misses.filter((m) => !disputed(m.row) || disputed(m.row)?.ours !== m.verdict);
    const counts = { block: byLabel('block', false).length, allow: byLabel('allow', false).length, invalid: byLabel('invalid', false).length };
    const viaInvalid = results.filter((x) => x.row.expected === 'block' && x.verdict === 'invalid').length;

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
      '',
      'Rows where our verdict differs from the corpus label (each listed, with why, in eval/corpora/ssrf/label_disputes.json):',
      '',
      markdownTable(['input', 'label', 'ours', 'rule', 'disputed?'], misses.map((m) => [`\`${m.row.input}\``, m.row.expected, m.verdict, m.rule, disputed(m.row) ? 'yes' : 'NO'])),
    ].join('\n');

    return {
      name: 'ssrf',
      markdown,
      data: { figures, counts, viaInvalid, misses: misses.map((m) => ({ input: m.row.input, expected: m.row.expected, verdict: m.verdict, rule: m.rule })) },
      svg: barChartSvg('L10 SSRF guard on ssrf_cases.jsonl', [
        { label: 'block recall (raw)', value: figures.blockRecallRaw },
        { label: 'allow rate (raw)', value: figures.allowRateRaw },
        { label: 'invalid refused', value: figures.invalidRefusedRaw },
        { label: 'allow rate (excl. disputed)', value: figures.allowRateAdjudicated },
      ]),
      checks: [
        { name: 'block rows blocked (raw)', value: figures.blockRecallRaw, min: 1 },
        { name: 'invalid rows refused', value: figures.invalidRefusedRaw, min: 1 },
        { name: 'allow rows allowed (excluding disputed labels)', value: figures.allowRateAdjudicated, min: 1 },
        { name: 'misses without a recorded dispute', value: unexplained.length, max: 0 },
      ],
    };
  },
};
export default suite;
