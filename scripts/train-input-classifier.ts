/**
 * Trains the L01 input classifier (src/text/classifier/) on the TUNING split only and writes
 * src/text/classifier/weights.json. Model selection (L2 strength and the decision threshold of the
 * combined score max(pattern score, classifier probability)) uses 5-fold cross-validation inside the
 * tuning split; the held-out split is never read here. Deterministic: fixed split, folds and order.
 * Every source weighs the same inside its class (gandalf's 1,000 rows would otherwise teach the model
 * that any mention of "instructions" or "password" is an attack), and the chosen threshold must keep
 * the cross-validated false-positive rate and NotInject over-defence under margins below the goals.
 *   node --import tsx scripts/train-input-classifier.ts
 */
import { writeFileSync } from 'node:fs';
import { fnv1a, loadInputCorpus } from './perimeter-corpus.js';
import { locateCorpora } from '../eval/corpora.js';
import { scanText } from '../src/text/scan.js';
import { FEATURE_BITS, featuresOf } from '../src/text/classifier/features.js';

const EPOCHS = 300;
const RATE = 2;
const L2_GRID = [3e-4, 1e-3, 3e-3, 1e-2];
const THRESHOLDS = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];
const MAX_CV_FPR = 0.02;
const MAX_CV_NOTINJECT = 0.03;
const FOLDS = 5;
const KEEP_ABOVE = 2e-3;

interface Row {
  x: number[];
  y: 0 | 1;
  pattern: number;
  fold: number;
  source: string;
  weight: number;
}

const corpora = locateCorpora();
if (!corpora.available) {
  console.error(`train-input-classifier: ${corpora.reason}. Nothing written; the committed weights stay as they are.`);
  process.exit(1);
}
const items = loadInputCorpus().filter(
  (i) => i.split === 'tuning' && (i.role === 'positive' || i.role === 'negative' || i.role === 'extra_positive'),
);
const rows: Row[] = items.map((i) => {
  const scan = scanText(i.text);
  return {
    x: featuresOf(scan.correctedView),
    y: i.role === 'negative' ? 0 : 1,
    pattern: scan.score,
    fold: fnv1a(`fold:${i.source}:${i.text}`) % FOLDS,
    source: i.source,
    weight: 1,
  };
});
// Source balancing: each source's rows share weight sqrt(n_source), so big sources still count more, but not linearly.
const perSource = new Map<string, number>();
for (const r of rows) perSource.set(r.source, (perSource.get(r.source) ?? 0) + 1);
for (const r of rows) r.weight = 1 / Math.sqrt(perSource.get(r.source) ?? 1);

function train(data: Row[], l2: number): { w: Float64Array; bias: number } {
  const pos = data.filter((r) => r.y === 1).reduce((a, r) => a + r.weight, 0);
  const neg = data.filter((r) => r.y === 0).reduce((a, r) => a + r.weight, 0);
  const cw = [data.length / (2 * Math.max(1e-9, neg)), data.length / (2 * Math.max(1e-9, pos))];
  const w = new Float64Array(1 << FEATURE_BITS);
  const touched = new Set<number>();
  for (const r of data) for (const i of r.x) touched.add(i);
  let bias = 0;
  const grad = new Float64Array(1 << FEATURE_BITS);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    let gBias = 0;
    for (const r of data) {
      let z = bias;
      for (const i of r.x) z += w[i] ?? 0;
      const g = (1 / (1 + Math.exp(-z)) - r.y) * (cw[r.y] ?? 1) * r.weight;
      gBias += g;
      for (const i of r.x) grad[i] = (grad[i] ?? 0) + g;
    }
    bias -= (RATE * gBias) / data.length;
    for (const i of touched) {
      w[i] = (w[i] ?? 0) - RATE * ((grad[i] ?? 0) / data.length + l2 * (w[i] ?? 0));
      grad[i] = 0;
    }
  }
  return { w, bias };
}

const predict = (m: { w: Float64Array; bias: number }, x: number[]) => {
  let z = m.bias;
  for (const i of x) z += m.w[i] ?? 0;
  return 1 / (1 + Math.exp(-z));
};

let best = { l2: L2_GRID[0] ?? 1e-3, threshold: 0.5, ba: -1, tpr: 0, fpr: 1 };
for (const l2 of L2_GRID) {
  const combined: Array<{ y: number; v: number; source: string }> = [];
  for (let f = 0; f < FOLDS; f++) {
    const m = train(
      rows.filter((r) => r.fold !== f),
      l2,
    );
    for (const r of rows.filter((r) => r.fold === f))
      combined.push({ y: r.y, v: Math.max(r.pattern, predict(m, r.x)), source: r.source });
  }
  for (const t of THRESHOLDS) {
    const p = combined.filter((c) => c.y === 1);
    const n = combined.filter((c) => c.y === 0);
    const tpr = p.filter((c) => c.v >= t).length / p.length;
    const fpr = n.filter((c) => c.v >= t).length / n.length;
    const ni = combined.filter((c) => c.source === 'notinject_one');
    const notInject = ni.filter((c) => c.v >= t).length / Math.max(1, ni.length);
    const ba = (tpr + 1 - fpr) / 2;
    console.log(
      `l2=${l2} t=${t} cv TPR=${tpr.toFixed(3)} FPR=${fpr.toFixed(3)} NotInject=${notInject.toFixed(3)} BA=${ba.toFixed(3)}`,
    );
    if (fpr <= MAX_CV_FPR && notInject <= MAX_CV_NOTINJECT && ba > best.ba) best = { l2, threshold: t, ba, tpr, fpr };
  }
}
console.log('chosen', best);
const model = train(rows, best.l2);
const sparse: Array<[number, number]> = [];
for (let i = 0; i < model.w.length; i++) {
  const v = model.w[i] ?? 0;
  if (Math.abs(v) > KEEP_ABOVE) sparse.push([i, Math.round(v * 1000) / 1000]);
}
const pos = rows.filter((r) => r.y === 1).length;
const out = {
  bits: FEATURE_BITS,
  bias: Math.round(model.bias * 1000) / 1000,
  threshold: best.threshold,
  cv: {
    folds: FOLDS,
    l2: best.l2,
    tpr: Number(best.tpr.toFixed(3)),
    fpr: Number(best.fpr.toFixed(3)),
    balancedAccuracy: Number(best.ba.toFixed(3)),
  },
  trainedOn: `tuning split: ${pos} positive / ${rows.length - pos} negative items; logistic regression, ${EPOCHS} epochs, L2 ${best.l2}`,
  weights: sparse,
};
writeFileSync(new URL('../src/text/classifier/weights.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`wrote ${sparse.length} non-zero weights`);
