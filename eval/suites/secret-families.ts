/**
 * Secret families (L02 output guard): one row per secret format, with its vendor and the page that
 * documents its shape; secretlint's recommended preset (the scanner in devDependencies) run side by side
 * on the same items.
 *
 * 1. Documented shapes: for each family, tokens written from the vendor's documented shape (the family's
 *    regex, sampled deterministically by test/support/vendor-samples.ts; GitHub and npm tokens carry a
 *    valid CRC32) in four settings (prose, a JSON string, an env line, a code block) are the positives;
 *    near misses of the same family (its body replaced by x's, cut to half its length) are negatives.
 *    These say whether each family does what its documentation says; they are our own tokens, so they
 *    are not a test on third-party data.
 * 2. Third-party fixtures per vendor: the gitleaks rule fixtures (eval/docs/secrets.md), grouped by the
 *    vendor part of each row's rule id, corpus labels as they are.
 * 3. Benign documents: 2,060 ordinary documents (../shared/corpora/extra/benign-docs.jsonl: mail, code,
 *    logs, tables, web pages, manuals, 15+ languages); any critical finding is a false positive.
 */
import { markdownTable, type Check, type Suite } from '../harness.js';
import { readCorpus } from '../corpora.js';
import { secretlint } from '../secretlint.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { scanOutput } from '../../src/guards/output-guard-scan.js';
import { SECRET_FORMATS } from '../../src/text/patterns/secret-formats.js';
import { VENDOR_FORMATS } from '../../src/text/patterns/secret-vendors.js';
import type { PatternDef } from '../../src/text/patterns/types.js';
import { compileFormat } from '../../src/text/patterns/format-matches.js';
import { sampleFamily } from '../../test/support/vendor-samples.js';

const FIXTURES = 'secrets/gitleaks/rule_fixtures.jsonl';
const BENIGN = 'extra/benign-docs.jsonl';
const SAMPLES = 12;

const CONTEXTS: ReadonlyArray<(t: string) => string> = [
  (t) => `Here is the value you asked for: ${t} — store it somewhere safe.`,
  (t) => `{"name": "deploy", "value": "${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"}`,
  (t) => `SERVICE_SETTING=${t}\n`,
  (t) => '```\n' + t + '\n```',
];

const CONFIRMED_BY: Readonly<Record<string, string>> = {
  'secret.github_token': 'CRC32',
  'secret.github_oauth_token': 'CRC32',
  'secret.github_user_to_server_token': 'CRC32',
  'secret.github_server_to_server_token': 'CRC32',
  'secret.github_refresh_token': 'CRC32',
  'secret.npm_token': 'CRC32',
  'secret.age_secret_key': 'bech32',
  'secret.pypi_upload_token': 'macaroon header',
  'secret.jwt': 'JSON header + claims',
  'secret.http_authorization': 'Basic decodes',
  'secret.azure_sas_signature': '32-byte HMAC',
};

function bulwarkIds(text: string): string[] {
  return scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] }).findings.map((f) => f.patternId);
}

function bulwarkCritical(text: string): string[] {
  return scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] })
    .findings.filter((f) => f.severity === 'critical')
    .map((f) => f.patternId);
}

async function secretlintFlags(text: string): Promise<boolean> {
  return (await secretlint(text)).length > 0;
}

/**
 * Near misses of a vendor family's sample: its body replaced by x's (a placeholder), and cut one
 * character below the shortest body the documentation allows.
 */
function nearMisses(f: PatternDef, sample: string): string[] {
  const prefix = (f.literals ?? []).find((l) => sample.includes(l)) ?? '';
  const at = sample.indexOf(prefix) + prefix.length;
  const body = sample.slice(at);
  const shortest = Math.max(1, compileFormat(f).minLength - prefix.length - 1);
  return [
    sample.slice(0, at) + body.replace(/[A-Za-z0-9]/g, 'x'),
    sample.slice(0, at + Math.min(body.length - 1, shortest)),
  ];
}

interface FamilyRow {
  readonly id: string;
  readonly vendor: string;
  readonly severity: string;
  readonly source: string;
  readonly confirmedBy: string;
  readonly positives: number;
  readonly found: number;
  readonly nearMisses: number;
  readonly nearMissHits: number;
  readonly benignHits: number;
  readonly secretlintFound: number;
  /** Shortest and longest match of the format's regex (code units), for the stream guard's hold-back. */
  readonly minLength: number;
  readonly maxLength: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

const suite: Suite = {
  name: 'secret-families',
  corpora: {
    files: [FIXTURES, BENIGN],
    figures: [
      'families with a documented source',
      'family recall on documented shapes',
      'family precision on near misses and benign documents',
      'benign documents with a critical finding',
    ],
  },
  async run() {
    const docs = readCorpus(BENIGN)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; source: string; lang: string });
    const fixtures = readCorpus(FIXTURES)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule_id: string; label: string; kind: string; text: string });

    // --- benign documents: every finding, per source and per family ---------------------------
    const benignByFamily = new Map<string, number>();
    const perSource = new Map<string, { docs: number; bulwark: number; warnings: number; secretlint: number }>();
    let bulwarkMs = 0;
    for (const d of docs) {
      const source = d.source.split('@')[0] as string;
      const row = perSource.get(source) ?? { docs: 0, bulwark: 0, warnings: 0, secretlint: 0 };
      const t0 = process.hrtime.bigint();
      const found = scanOutput(d.text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] }).findings;
      bulwarkMs += Number(process.hrtime.bigint() - t0) / 1e6;
      row.docs++;
      if (found.some((f) => f.severity === 'critical')) row.bulwark++;
      else if (found.length) row.warnings++;
      if (await secretlintFlags(d.text)) row.secretlint++;
      for (const id of new Set(found.map((f) => f.patternId)))
        benignByFamily.set(id, (benignByFamily.get(id) ?? 0) + 1);
      perSource.set(source, row);
    }
    const benignBytes = docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0);

    // --- families on their documented shapes ---------------------------------------------------
    const rows: FamilyRow[] = [];
    const vendorIds = new Set(VENDOR_FORMATS.map((f) => f.id));
    for (const f of SECRET_FORMATS) {
      let found = 0;
      let secretlintFound = 0;
      let nearMissHits = 0;
      let nearMissCount = 0;
      for (let s = 0; s < SAMPLES; s++) {
        const sample = sampleFamily(f, s * 7919 + 13);
        const text = (CONTEXTS[s % CONTEXTS.length] as (t: string) => string)(sample);
        if (bulwarkIds(text).includes(f.id)) found++;
        if (await secretlintFlags(text)) secretlintFound++;
        // Near misses only for prefix families: a cut or masked header, assignment or key block is still one.
        if (s < 4 && vendorIds.has(f.id)) {
          for (const miss of nearMisses(f, sample)) {
            nearMissCount++;
            if (bulwarkIds(`value: ${miss} end`).includes(f.id)) nearMissHits++;
          }
        }
      }
      rows.push({
        id: f.id,
        vendor: f.vendor ?? '',
        severity: f.severity,
        source: f.source ?? '(context: name, value entropy, placeholders)',
        confirmedBy: CONFIRMED_BY[f.id] ?? '',
        positives: SAMPLES,
        found,
        nearMisses: nearMissCount,
        nearMissHits,
        benignHits: benignByFamily.get(f.id) ?? 0,
        secretlintFound,
        minLength: compileFormat(f).minLength,
        maxLength: compileFormat(f).maxLength,
      });
    }
    const totalPos = rows.reduce((n, r) => n + r.positives, 0);
    const totalFound = rows.reduce((n, r) => n + r.found, 0);
    const totalFp = rows.reduce((n, r) => n + r.nearMissHits + r.benignHits, 0);
    const familyRecall = ratio(totalFound, totalPos);
    const familyPrecision = ratio(totalFound, totalFound + totalFp);
    const documented = rows.filter((r) => r.source.startsWith('https://')).length;

    // --- per vendor ------------------------------------------------------------------------------
    const vendors = new Map<string, FamilyRow[]>();
    for (const r of rows) vendors.set(r.vendor, [...(vendors.get(r.vendor) ?? []), r]);
    const vendorRows = [...vendors.entries()]
      .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
      .map(([vendor, rs]) => {
        const pos = rs.reduce((n, r) => n + r.positives, 0);
        const tp = rs.reduce((n, r) => n + r.found, 0);
        const fp = rs.reduce((n, r) => n + r.nearMissHits + r.benignHits, 0);
        const sl = rs.reduce((n, r) => n + r.secretlintFound, 0);
        return [vendor, rs.length, ratio(tp, pos), ratio(tp, tp + fp), ratio(sl, pos)] as [
          string,
          number,
          number,
          number,
          number,
        ];
      });

    // --- gitleaks fixtures per vendor (third-party data, corpus labels) --------------------------
    const gl = new Map<string, { pos: number; neg: number; tp: number; fp: number; slTp: number; slFp: number }>();
    for (const r of fixtures) {
      const vendor = r.rule_id.split('-')[0] as string;
      const text = r.kind === 'sample_secret_value' ? `key = "${r.text}"` : r.text;
      const flagged = bulwarkCritical(text).length > 0;
      const sl = await secretlintFlags(text);
      const e = gl.get(vendor) ?? { pos: 0, neg: 0, tp: 0, fp: 0, slTp: 0, slFp: 0 };
      if (r.label === 'secret') {
        e.pos++;
        if (flagged) e.tp++;
        if (sl) e.slTp++;
      } else {
        e.neg++;
        if (flagged) e.fp++;
        if (sl) e.slFp++;
      }
      gl.set(vendor, e);
    }
    const glRows = [...gl.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([v, e]) => [
        v,
        e.pos,
        e.neg,
        e.pos ? `${e.tp}/${e.pos}` : '-',
        e.neg ? `${e.fp}/${e.neg}` : '-',
        e.pos ? `${e.slTp}/${e.pos}` : '-',
        e.neg ? `${e.slFp}/${e.neg}` : '-',
      ]);
    const glMissedVendors = [...gl.entries()].filter(([, e]) => e.pos > 0 && e.tp < e.pos).map(([v]) => v);

    const benignFlagged = [...perSource.values()].reduce((n, r) => n + r.bulwark, 0);
    const benignRate = ratio(benignFlagged, docs.length);
    const slBenign = [...perSource.values()].reduce((n, r) => n + r.secretlint, 0);

    const md = [
      `${SECRET_FORMATS.length} secret formats: ${VENDOR_FORMATS.length} vendor token families (a documented prefix) and ${SECRET_FORMATS.length - VENDOR_FORMATS.length} formats read from context or structure; ` +
        `${documented} name the page that documents their shape (src/text/patterns/secret-vendors.ts, secret-formats.ts). ` +
        `secretlint = secretlint + recommended preset, run on the same items.`,
      '',
      '### Per vendor (documented shapes; precision counts near misses and benign documents)',
      '',
      markdownTable(['vendor', 'families', 'bulwark recall', 'bulwark precision', 'secretlint recall'], vendorRows),
      '',
      `All families: recall **${familyRecall.toFixed(3)}** on ${totalPos} tokens written from the documented shapes, precision **${familyPrecision.toFixed(3)}** ` +
        `(${totalFp} findings of a family on its own near misses or on a benign document). secretlint finds ${rows.reduce((n, r) => n + r.secretlintFound, 0)} of the ${totalPos}.`,
      '',
      '### Per family',
      '',
      'Positives: tokens of the documented shape in prose, a JSON string, an env line and a code block. Near misses (prefix families): the same token with its body replaced by x, or one character shorter than the documented minimum. ' +
        '"confirmed by": a vendor checksum or structure that confirms a value (it never vetoes one: a random-looking token whose checksum fails is still redacted).',
      '',
      markdownTable(
        [
          'family',
          'vendor',
          'severity',
          'found',
          'near misses flagged',
          'benign docs flagged',
          'secretlint found',
          'confirmed by',
          'match length',
          'source',
        ],
        rows.map((r) => [
          r.id.replace(/^secret\./, ''),
          r.vendor,
          r.severity,
          `${r.found}/${r.positives}`,
          r.nearMisses ? `${r.nearMissHits}/${r.nearMisses}` : '-',
          r.benignHits,
          `${r.secretlintFound}/${r.positives}`,
          r.confirmedBy,
          `${r.minLength}–${r.maxLength}`,
          r.source,
        ]),
      ),
      '',
      `Match lengths bound what the stream guard must hold back: the longest match of any format is ${Math.max(...rows.map((r) => r.maxLength))} characters ` +
        `(${rows
          .slice()
          .sort((a, b) => b.maxLength - a.maxLength)
          .slice(0, 4)
          .map((r) => `${r.id.replace(/^secret\./, '')} ${r.maxLength}`)
          .join(
            ', ',
          )}); the longest shortest match is ${Math.max(...rows.map((r) => r.minLength))} (a partial token shorter than its format's shortest match is not a match yet).`,
      '',
      '### Third-party fixtures per vendor (gitleaks rule fixtures, corpus labels as they are)',
      '',
      'Rows grouped by the vendor part of the fixture rule id; a row counts when the tool reports anything on it (bulwark: critical findings). ' +
        'The goal figures on the fixed held-out split are in secrets.md.',
      '',
      markdownTable(
        [
          'vendor',
          'positives',
          'negatives',
          'bulwark found',
          'bulwark false positives',
          'secretlint found',
          'secretlint false positives',
        ],
        glRows,
      ),
      '',
      `Vendors with a positive bulwark misses: ${glMissedVendors.join(', ') || 'none'}.`,
      '',
      '### Benign documents (../shared/corpora/extra/benign-docs.jsonl)',
      '',
      `${docs.length} documents, ${(benignBytes / 1024).toFixed(0)} KB; bulwark's output guard took ${bulwarkMs.toFixed(0)} ms for all of them (${((bulwarkMs * 1000) / (benignBytes / 1024)).toFixed(1)} µs/KB on this machine, formats only).`,
      '',
      markdownTable(
        [
          'source',
          'documents',
          'bulwark critical',
          'bulwark FPR',
          'bulwark warnings only',
          'secretlint flagged',
          'secretlint FPR',
        ],
        [...perSource.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([s, r]) => [
            s,
            r.docs,
            r.bulwark,
            ratio(r.bulwark, r.docs),
            r.warnings,
            r.secretlint,
            ratio(r.secretlint, r.docs),
          ]),
      ),
      '',
      `All sources: bulwark ${benignFlagged} of ${docs.length} (${(benignRate * 100).toFixed(2)} %), secretlint ${slBenign} of ${docs.length}. ` +
        `Families that fired on benign documents: ${[...benignByFamily.entries()].map(([id, n]) => `${id.replace(/^secret\./, '')} ${n}`).join(', ') || 'none'}.`,
    ].join('\n');

    const checks: Check[] = [
      { name: 'families with a documented source', value: documented, min: 100 },
      { name: 'family recall on documented shapes', value: Number(familyRecall.toFixed(4)), min: 0.95 },
      {
        name: 'family precision on near misses and benign documents',
        value: Number(familyPrecision.toFixed(4)),
        min: 0.98,
      },
      { name: 'benign documents with a critical finding', value: Number(benignRate.toFixed(4)), max: 0.01 },
    ];
    return {
      name: 'secret-families',
      markdown: md,
      data: {
        families: rows,
        vendors: vendorRows.map(([vendor, families, recall, precision, secretlintRecall]) => ({
          vendor,
          families,
          recall,
          precision,
          secretlintRecall,
        })),
        gitleaksPerVendor: Object.fromEntries(gl),
        benign: Object.fromEntries(perSource),
        benignByFamily: Object.fromEntries(benignByFamily),
      },
      checks,
    };
  },
};

export default suite;
