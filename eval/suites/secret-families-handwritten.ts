/**
 * Secret families on hand-written fakes (eval/fixtures/secret-doc-fakes.json): credentials written the way
 * each vendor's documentation shows them in use (an env line, a client constructor, a curl header, a cookie,
 * a clone URL, a PEM in adjacent string literals, an HTML-escaped page), with random bodies, plus documented
 * defaults and samples that are not secrets (RabbitMQ's guest, redis.conf's foobared, the jwt.io token).
 *
 * The family recall of secret-families.ts is measured on tokens sampled from our own regexes, so it cannot
 * show a family we lack or a shape our regex does not expect; these fakes were written from the vendors'
 * pages, not from the patterns, and are scored on their own. A positive counts when any critical finding
 * covers it (the output guard redacts it); a negative when any critical finding fires on it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { markdownTable, type Check, type Suite } from '../harness.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { scanOutput } from '../../src/guards/output-guard-scan.js';

interface Fake {
  readonly family: string;
  readonly vendor: string;
  readonly label: 'secret' | 'not_secret';
  readonly why?: string;
  readonly text: string;
}

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'secret-doc-fakes.json');

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

const suite: Suite = {
  name: 'secret-families-handwritten',
  async run() {
    const fakes = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fake[];
    const rows = new Map<
      string,
      { vendor: string; pos: number; tp: number; neg: number; fp: number; by: Set<string> }
    >();
    const missed: string[] = [];
    const falsePositives: string[] = [];
    for (const f of fakes) {
      const ids = scanOutput(f.text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] })
        .findings.filter((x) => x.severity === 'critical')
        .map((x) => x.patternId.replace(/^secret\./, ''));
      const row = rows.get(f.family) ?? { vendor: f.vendor, pos: 0, tp: 0, neg: 0, fp: 0, by: new Set<string>() };
      if (f.label === 'secret') {
        row.pos++;
        if (ids.length) row.tp++;
        else missed.push(f.family);
      } else {
        row.neg++;
        if (ids.length) {
          row.fp++;
          falsePositives.push(`${f.family} (${f.why ?? ''})`);
        }
      }
      for (const id of ids) row.by.add(id);
      rows.set(f.family, row);
    }
    const all = [...rows.values()];
    const pos = all.reduce((n, r) => n + r.pos, 0);
    const tp = all.reduce((n, r) => n + r.tp, 0);
    const neg = all.reduce((n, r) => n + r.neg, 0);
    const fp = all.reduce((n, r) => n + r.fp, 0);
    const recall = ratio(tp, pos);
    const precision = ratio(tp, tp + fp);
    const md = [
      `${fakes.length} hand-written fakes (${pos} secrets, ${neg} documented defaults, samples and placeholders) in eval/fixtures/secret-doc-fakes.json, ` +
        'written from the vendors’ pages, not sampled from our patterns. A secret counts as found when a critical (redacted) finding fires on it.',
      '',
      markdownTable(
        ['family', 'vendor', 'secrets found', 'non-secrets flagged', 'formats that fired'],
        [...rows.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([family, r]) => [
            family,
            r.vendor,
            r.pos ? `${r.tp}/${r.pos}` : '-',
            r.neg ? `${r.fp}/${r.neg}` : '-',
            [...r.by].join(', ') || '-',
          ]),
      ),
      '',
      `Recall **${recall.toFixed(3)}** (${tp} of ${pos}), precision **${precision.toFixed(3)}** (${fp} of ${neg} non-secrets flagged). ` +
        `Missed: ${missed.join(', ') || 'none'}. Flagged non-secrets: ${falsePositives.join(', ') || 'none'}.`,
    ].join('\n');
    const checks: Check[] = [
      { name: 'hand-written fakes found', value: Number(recall.toFixed(4)), min: 0.95 },
      { name: 'hand-written non-secrets flagged', value: fp, max: 0 },
    ];
    return {
      name: 'secret-families-handwritten',
      markdown: md,
      data: {
        recall,
        precision,
        positives: pos,
        negatives: neg,
        missed,
        falsePositives,
        perFamily: Object.fromEntries([...rows.entries()].map(([k, r]) => [k, { ...r, by: [...r.by] }])),
      },
      checks,
    };
  },
};

export default suite;
