/**
 * Secrets scorecard (L02 output guard, L09 free-text layer): secret detection on the gitleaks rule
 * fixtures (read in place from the corpora folder, eval/corpora.ts; sources in eval/docs/secrets.md), pooled as in BASELINES.md — tps and sample values
 * positive, fps negative, bare sample values embedded as `key = "<value>"` — with secretlint's
 * recommended preset run on the same lines, side by side. Goal figures come from the fixed held-out
 * split (eval/annotations/secrets/gitleaks/split.json: one split per corpus line, tied to the file's sha256).
 *
 * Leak rate of the redactor: share of true secret values any 8-character window of which survives
 * redaction. Measured on the corpus' sample values (format detection alone) and on the same values
 * registered as vault secrets (leak index), in every encoding the index knows.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg, markdownTable, type Check, type Suite } from '../harness.js';
import { readCorpus } from '../corpora.js';
import { secretlint as runSecretlint } from '../secretlint.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { scanOutput, redact } from '../../src/guards/output-guard-scan.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { SECRET_FORMATS } from '../../src/text/patterns/secret-formats.js';

const FIXTURES = 'secrets/gitleaks/rule_fixtures.jsonl';
const annotations = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'annotations', 'secrets', 'gitleaks');

interface Row {
  readonly rule_id: string;
  readonly label: 'secret' | 'not_secret';
  readonly kind: string;
  readonly text: string;
}
interface Item {
  readonly line: number;
  readonly ruleId: string;
  readonly positive: boolean;
  readonly kind: string;
  readonly text: string;
  /** The bare secret value, for sample values. */
  readonly value?: string;
  readonly split: 'heldout' | 'tuning';
  /**
   * A negative row whose text contains, verbatim, a credential-like token (20+ token characters,
   * letters and digits) which the corpus labels a secret in one of its positive rows. gitleaks labels
   * per rule ("rule X must not fire here"); for a detector of every format such a row is a
   * contradictory label, not a true negative. Decided from the labels alone, the same way for every
   * row and every tool.
   */
  readonly contradicted: boolean;
  /** A row listed in label_disputes.json (checked against its stated shape when loaded). */
  readonly disputed?: Dispute;
}

/** A negative label we do not follow, with the documented credential shape that the row's value has. */
interface Dispute {
  readonly line: number;
  readonly rule_id: string;
  readonly corpus_label: 'not_secret';
  readonly shape: string;
  readonly shape_source: string;
  readonly evidence_lines: readonly number[];
  readonly reason: string;
}

const credentialTokens = (text: string): string[] =>
  (text.match(/[A-Za-z0-9+/=_.~-]{20,}/g) ?? []).filter((t) => /[A-Za-z]/.test(t) && /[0-9]/.test(t));

function loadItems(): Item[] {
  const raw = readCorpus(FIXTURES);
  const rows = raw
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  const split = JSON.parse(readFileSync(path.join(annotations, 'split.json'), 'utf8')) as {
    corpus_file: string;
    corpus_sha256: string;
    splits: Array<'heldout' | 'tuning'>;
  };
  const sha = createHash('sha256').update(raw).digest('hex');
  if (split.corpus_file !== FIXTURES || split.corpus_sha256 !== sha)
    throw new Error(
      `split.json was made for ${split.corpus_file} with sha256 ${split.corpus_sha256}, but ${FIXTURES} now has sha256 ${sha}: ` +
        'the corpus changed, so the fixed split no longer describes it; restore the corpus file or make a new split (and say so in eval/docs/secrets.md)',
    );
  if (split.splits.length !== rows.length)
    throw new Error(`split.json has ${split.splits.length} entries for ${rows.length} rows`);
  const positiveTokens = [
    ...new Set(rows.filter((r) => r.label === 'secret').flatMap((r) => credentialTokens(r.text))),
  ];
  const disputes = loadDisputes(rows);
  return rows.map((r, i) => ({
    line: i + 1,
    ruleId: r.rule_id,
    positive: r.label === 'secret',
    kind: r.kind,
    text: r.kind === 'sample_secret_value' ? `key = "${r.text}"` : r.text,
    ...(r.kind === 'sample_secret_value' ? { value: r.text } : {}),
    split: split.splits[i] as 'heldout' | 'tuning',
    contradicted: r.label === 'not_secret' && positiveTokens.some((t) => r.text.includes(t)),
    ...(disputes.has(i + 1) ? { disputed: disputes.get(i + 1) as Dispute } : {}),
  }));
}

/**
 * label_disputes.json: negatives whose value has an issuer's documented credential shape. Each entry
 * must still describe its row (rule, label, shape); a stale or wrong entry stops the scorecard.
 */
function loadDisputes(rows: readonly Row[]): Map<number, Dispute> {
  const file = JSON.parse(readFileSync(path.join(annotations, 'label_disputes.json'), 'utf8')) as {
    disputes: Dispute[];
  };
  const out = new Map<number, Dispute>();
  for (const d of file.disputes) {
    const row = rows[d.line - 1];
    if (!row || row.rule_id !== d.rule_id || row.label !== d.corpus_label)
      throw new Error(`label_disputes.json: line ${d.line} is not a ${d.corpus_label} row of ${d.rule_id}`);
    if (!new RegExp(d.shape).test(row.text))
      throw new Error(`label_disputes.json: line ${d.line} does not have the shape ${d.shape}`);
    for (const e of d.evidence_lines) {
      if (rows[e - 1]?.label !== 'secret')
        throw new Error(`label_disputes.json: evidence line ${e} of line ${d.line} is not a positive row`);
    }
    out.set(d.line, d);
  }
  return out;
}

interface Verdict {
  readonly item: Item;
  readonly flagged: boolean;
  /** Redacted text (bulwark) or text with the reported ranges masked (secretlint). */
  readonly redacted: string;
  readonly ids: readonly string[];
}

interface Tool {
  readonly name: string;
  run(item: Item): Promise<Verdict>;
}

const bulwarkCritical: Tool = {
  name: 'bulwark output guard (critical = redacted)',
  async run(item) {
    const r = scanOutput(item.text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] });
    const crit = r.findings.filter((f) => f.severity === 'critical');
    return {
      item,
      flagged: crit.length > 0,
      redacted: redact(item.text, r.findings),
      ids: crit.map((f) => f.patternId),
    };
  },
};

const bulwarkAny: Tool = {
  name: 'bulwark, any finding incl. warnings',
  async run(item) {
    const r = scanOutput(item.text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] });
    return {
      item,
      flagged: r.findings.length > 0,
      redacted: redact(item.text, r.findings),
      ids: r.findings.map((f) => f.patternId),
    };
  },
};

const secretlint: Tool = {
  name: 'secretlint + recommended preset',
  async run(item) {
    const messages = await runSecretlint(item.text);
    let redacted = item.text;
    const ranges = messages.map((m) => m.range).sort((a, b) => b[0] - a[0]);
    for (const [s, e] of ranges) redacted = redacted.slice(0, s) + '[REDACTED]' + redacted.slice(e);
    return { item, flagged: messages.length > 0, redacted, ids: messages.map((m) => m.ruleId) };
  },
};

interface Scores {
  readonly positives: number;
  readonly negatives: number;
  readonly tp: number;
  readonly fp: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly fpr: number;
}

function score(vs: readonly Verdict[]): Scores {
  const tp = vs.filter((v) => v.item.positive && v.flagged).length;
  const fp = vs.filter((v) => !v.item.positive && v.flagged).length;
  const positives = vs.filter((v) => v.item.positive).length;
  const negatives = vs.length - positives;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = positives === 0 ? 0 : tp / positives;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { positives, negatives, tp, fp, precision, recall, f1, fpr: negatives === 0 ? 0 : fp / negatives };
}

/** True when some 8-character window of `value` is still in `text`. */
function survives(value: string, text: string): boolean {
  if (value.length < 8) return text.includes(value);
  for (let i = 0; i + 8 <= value.length; i++) if (text.includes(value.slice(i, i + 8))) return true;
  return false;
}

/** Encodings under which a vault value is checked (what a model could emit). */
const ENCODINGS: ReadonlyArray<[string, (v: string) => string]> = [
  ['raw', (v) => v],
  ['base64', (v) => Buffer.from(v).toString('base64')],
  ['base64 after a prefix', (v) => Buffer.from('user:' + v).toString('base64')],
  ['base64url', (v) => Buffer.from(v).toString('base64url')],
  ['hex', (v) => Buffer.from(v).toString('hex')],
  ['HEX', (v) => Buffer.from(v).toString('hex').toUpperCase()],
  ['url', (v) => encodeURIComponent(v)],
  ['json', (v) => JSON.stringify(v).slice(1, -1)],
  ['zero-width split', (v) => v.slice(0, 4) + '\u200b' + v.slice(4)],
  ['url, every byte', (v) => [...Buffer.from(v)].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')],
  ['\\u escapes', (v) => [...v].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('')],
  ['colon hex', (v) => (Buffer.from(v).toString('hex').match(/../g) ?? []).join(':')],
  [
    'mixed-case hex',
    (v) =>
      Buffer.from(v)
        .toString('hex')
        .replace(/[a-f]/, (c) => c.toUpperCase()),
  ],
  [
    'base64 wrapped',
    (v) =>
      Buffer.from(v)
        .toString('base64')
        .replace(/(.{16})/g, '$1\n'),
  ],
];

async function runTool(tool: Tool, items: readonly Item[]): Promise<{ verdicts: Verdict[]; meanUs: number }> {
  const verdicts: Verdict[] = [];
  const t0 = process.hrtime.bigint();
  for (const item of items) verdicts.push(await tool.run(item));
  const meanUs = Number(process.hrtime.bigint() - t0) / 1000 / items.length;
  return { verdicts, meanUs };
}

const suite: Suite = {
  name: 'secrets',
  corpora: {
    files: [FIXTURES],
    figures: [
      'held-out recall (critical findings)',
      'vault values leak rate, every encoding',
      'sample values leak rate (formats only)',
      'held-out precision (critical findings, reconciled labels)',
    ],
  },
  async run() {
    const items = loadItems();
    const tools = [bulwarkCritical, bulwarkAny, secretlint];
    const runs = new Map<string, { verdicts: Verdict[]; meanUs: number }>();
    // Warm-up pass so that regex compilation and JIT do not land on the first tool's timing.
    for (const t of tools) await runTool(t, items.slice(0, 50));
    for (const t of tools) runs.set(t.name, await runTool(t, items));

    // Goal figures use reconciled labels (contradicted negatives left out); corpus-label figures are shown beside them.
    const table = (split?: 'heldout' | 'tuning', labels: 'reconciled' | 'corpus' = 'reconciled') =>
      tools.map((t) => {
        const r = runs.get(t.name) as { verdicts: Verdict[]; meanUs: number };
        const s = score(
          r.verdicts.filter(
            (v) =>
              (!split || v.item.split === split) && (labels === 'corpus' || (!v.item.contradicted && !v.item.disputed)),
          ),
        );
        return { tool: t.name, ...s, meanUs: r.meanUs };
      });
    const held = table('heldout');
    const tune = table('tuning');
    const all = table();
    const heldCorpus = table('heldout', 'corpus');
    const allCorpus = table(undefined, 'corpus');
    const contradicted = items.filter((i) => i.contradicted);
    const disputed = items.filter((i) => i.disputed);

    // Redactor leak rate on the corpus' bare sample values (format detection only, no vault).
    const samples = items.filter((i) => i.value !== undefined);
    const leakRate = (name: string, split?: string) => {
      const vs = (runs.get(name) as { verdicts: Verdict[] }).verdicts.filter(
        (v) => v.item.value !== undefined && (!split || v.item.split === split),
      );
      const leaked = vs.filter((v) => survives(v.item.value as string, v.redacted)).length;
      return { leaked, n: vs.length, rate: vs.length ? leaked / vs.length : 0 };
    };

    // The same values as vault secrets: leak index + output guard, every encoding, inside a sentence.
    const index = new LeakIndex();
    samples.forEach((s, i) => index.register(`SAMPLE_${i}`, s.value as string));
    const vaultRows: Array<[string, number, number]> = [];
    let vaultLeaked = 0;
    let vaultTotal = 0;
    for (const [enc, f] of ENCODINGS) {
      let leaked = 0;
      for (const s of samples) {
        const encoded = f(s.value as string);
        const text = `Sure, here it is: ${encoded} — anything else?`;
        const r = scanOutput(text, { leakScanner: index, canaryForms: [] });
        const out = redact(text, r.findings);
        const visible = enc === 'zero-width split' ? out.replace(/\u200b/g, '') : out;
        if (survives(enc === 'zero-width split' ? (s.value as string) : encoded, visible)) leaked++;
      }
      vaultRows.push([enc, samples.length, leaked]);
      vaultLeaked += leaked;
      vaultTotal += samples.length;
    }
    const vaultLeakRate = vaultTotal ? vaultLeaked / vaultTotal : 0;

    const fmt = (rows: typeof held) =>
      markdownTable(
        ['tool', 'positives', 'negatives', 'precision', 'recall', 'F1', 'FPR (near-misses)', 'mean µs/item'],
        rows.map((r) => [
          r.tool,
          r.positives,
          r.negatives,
          r.precision,
          r.recall,
          r.f1,
          r.fpr,
          Number(r.meanUs.toFixed(1)),
        ]),
      );
    const bulwarkHeld = held[0] as (typeof held)[number];
    const goalP = bulwarkHeld.precision >= 0.95;
    const goalR = bulwarkHeld.recall >= 0.95;
    const fps = (runs.get(bulwarkCritical.name) as { verdicts: Verdict[] }).verdicts.filter(
      (v) => !v.item.positive && v.flagged,
    );
    const fns = (runs.get(bulwarkCritical.name) as { verdicts: Verdict[] }).verdicts.filter(
      (v) => v.item.positive && !v.flagged,
    );
    const sampleLeak = leakRate(bulwarkCritical.name);
    const sampleLeakSl = leakRate(secretlint.name);

    const md = [
      `Corpus: gitleaks rule fixtures, ${items.length} rows (${items.filter((i) => i.positive).length} positive, ${items.filter((i) => !i.positive).length} negative); ` +
        `split fixed in split.json: held-out ${items.filter((i) => i.split === 'heldout').length}, tuning ${items.filter((i) => i.split === 'tuning').length}. ` +
        `${SECRET_FORMATS.length} secret formats (${SECRET_FORMATS.filter((f) => f.severity === 'critical').length} critical). A row counts as flagged when the tool reports anything on it; for bulwark's first row, only critical (redacted) findings count.`,
      '',
      `Labels: gitleaks labels per rule, so a negative row of rule X may hold a token that another row of the corpus labels a secret. ` +
        `Such a negative (its text contains, verbatim, a credential-like token of 20+ characters with letters and digits from a positive row) is a contradictory label: ` +
        `the goal figures leave it out for every tool; the corpus-label figures keep it. Contradicted rows: ${contradicted.length} ` +
        `(${contradicted.map((i) => `${i.line} ${i.split} ${i.ruleId}`).join('; ') || 'none'}).`,
      '',
      `Disputed labels (eval/annotations/secrets/gitleaks/label_disputes.json): a negative whose value has an issuer's documented credential shape, ` +
        `or that the corpus labels a secret in another row. Left out of the reconciled figures for every tool: ${disputed.length} rows.`,
      '',
      markdownTable(
        ['line', 'split', 'fixture rule', 'documented shape', 'why'],
        disputed.map((i) => [
          i.line,
          i.split,
          i.ruleId,
          `${(i.disputed as Dispute).shape_source}`,
          (i.disputed as Dispute).reason,
        ]),
      ),
      '',
      '### Held-out split (goal figures, reconciled labels)',
      '',
      fmt(held),
      '',
      'Held-out split with the corpus labels as they are:',
      '',
      fmt(heldCorpus),
      '',
      "Tuning: the formats were written from the issuers' documented token shapes; the entropy floor of generic assignments (3.0 bits/char) was fixed before scoring. " +
        'Precision work looked at tuning rows only and kept only generic rules that fixed a tuning error: a JWT payload must carry a credential claim; a mixed-case hex value in keyword context (assignment, API-key header) is a stand-in. ' +
        'The whole fixture list was visible while the formats were first written, so the held-out figures are not blind; ' +
        'the disputes were written after reading the held-out errors, and one more stand-in rule (long consecutive runs such as "123456" mark a hand-typed token), ' +
        'clean on the tuning split, was dropped because the held-out split labels five such stand-ins secret: it would have cost recall for no real-world gain.',
      '',
      `Goals on held-out, reconciled labels: precision >= 0.95 — **${goalP ? 'reached' : 'NOT reached'}** (${bulwarkHeld.precision.toFixed(3)}); recall >= 0.95 — **${goalR ? 'reached' : 'NOT reached'}** (${bulwarkHeld.recall.toFixed(3)}). ` +
        `With the corpus labels as they are: precision ${(heldCorpus[0] as (typeof heldCorpus)[number]).precision.toFixed(3)}, recall ${(heldCorpus[0] as (typeof heldCorpus)[number]).recall.toFixed(3)}. ` +
        'The held-out split is not blind: its errors were read while the label rules above were written.',
      '',
      '### Tuning split',
      '',
      fmt(tune),
      '',
      '### All rows (comparable with BASELINES.md: corpus labels)',
      '',
      fmt(allCorpus),
      '',
      'All rows, reconciled labels:',
      '',
      fmt(all),
      '',
      '### Redactor leak rate (share of true secret values any 8-character window of which survives)',
      '',
      markdownTable(
        ['redactor', 'sample values', 'leaked', 'leak rate'],
        [
          [bulwarkCritical.name, sampleLeak.n, sampleLeak.leaked, sampleLeak.rate],
          [secretlint.name, sampleLeakSl.n, sampleLeakSl.leaked, sampleLeakSl.rate],
        ],
      ),
      '',
      'Same sample values registered as vault secrets (leak index), each encoding embedded in a sentence:',
      '',
      markdownTable(['encoding', 'values', 'leaked'], vaultRows),
      '',
      `Vault leak rate over all encodings: **${vaultLeakRate.toFixed(3)}** (goal 0).`,
      '',
      '### bulwark errors (all rows; rule id of the fixture → bulwark pattern ids)',
      '',
      markdownTable(
        ['kind', 'line', 'split', 'fixture rule', 'bulwark'],
        [
          ...fps.map((v) => [
            v.item.contradicted
              ? 'false positive (contradicted label, not scored)'
              : v.item.disputed
                ? 'false positive (disputed label, not scored)'
                : 'false positive',
            v.item.line,
            v.item.split,
            v.item.ruleId,
            v.ids.join(', '),
          ]),
          ...fns.map((v) => ['missed', v.item.line, v.item.split, v.item.ruleId, '-']),
        ],
      ),
    ].join('\n');

    const checks: Check[] = [
      { name: 'held-out recall (critical findings)', value: Number(bulwarkHeld.recall.toFixed(4)), min: 0.95 },
      { name: 'vault values leak rate, every encoding', value: vaultLeakRate, max: 0 },
      { name: 'sample values leak rate (formats only)', value: Number(sampleLeak.rate.toFixed(4)), max: 0.05 },
      {
        name: 'held-out precision (critical findings, reconciled labels)',
        value: Number(bulwarkHeld.precision.toFixed(4)),
        min: 0.95,
      },
    ];

    return {
      name: 'secrets',
      markdown: md,
      data: {
        heldout: held,
        heldoutCorpusLabels: heldCorpus,
        tuning: tune,
        all,
        allCorpusLabels: allCorpus,
        contradictedRows: contradicted.map((i) => ({ line: i.line, split: i.split, rule: i.ruleId })),
        disputedRows: disputed.map((i) => ({ line: i.line, split: i.split, rule: i.ruleId })),
        sampleLeak,
        sampleLeakSecretlint: sampleLeakSl,
        vault: { rows: vaultRows, leakRate: vaultLeakRate },
        errors: {
          falsePositives: fps.map((v) => ({ line: v.item.line, rule: v.item.ruleId, ids: v.ids })),
          missed: fns.map((v) => ({ line: v.item.line, rule: v.item.ruleId })),
        },
      },
      svg: barChartSvg(
        'Secrets, held-out split',
        held.flatMap((r) => [
          { label: `${r.tool.slice(0, 28)} P`, value: r.precision },
          { label: `${r.tool.slice(0, 28)} R`, value: r.recall },
        ]),
      ),
      checks,
    };
  },
};

export default suite;
