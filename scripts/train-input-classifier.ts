/**
 * Trains the L01 input classifier and writes src/text/classifier/weights.json (bucket weights, Platt
 * scaling and the selected probability thresholds; no text). Training data: every development source
 * (scripts/l01/dev-corpus.ts: the prompt-injection corpora, the benign documents and multilingual injections
 * of extra/) plus the project's own written data (scripts/l01/own-data.ts). The recipe (scripts/l01/recipe.ts)
 * calibrates and selects thresholds on grouped out-of-fold predictions inside the data it is given, so the
 * scorecard's leave-one-source-out folds (eval/suites/perimeter.ts) run the very same procedure without the
 * held-out source. Deterministic: fixed order, seeds and folds.
 *   npm run train:classifier            train and write the weights
 *   npm run train:classifier -- --loso  also print the leave-one-source-out summary (minutes)
 */
import { writeFileSync } from 'node:fs';
import { locateCorpora } from '../eval/corpora.js';
import { loadDevCorpus } from './l01/dev-corpus.js';
import { ownTrainingItems } from './l01/own-data.js';
import { DEFAULT_FIT, encode, trainRecipe } from './l01/recipe.js';
import { leaveOneSourceOutParallel } from './l01/loso.js';
import { FEATURE_BITS } from '../src/text/classifier/features.js';
import { encodeWeights } from '../src/text/classifier/weights-codec.js';

const corpora = locateCorpora();
if (!corpora.available) {
  console.error(`train-input-classifier: ${corpora.reason}. Nothing written; the committed weights stay as they are.`);
  process.exit(1);
}
const started = performance.now();
const items = [...loadDevCorpus(), ...ownTrainingItems()];
const rows = items.map((i) => encode(i));
console.log(`encoded ${rows.length} items in ${((performance.now() - started) / 1000).toFixed(1)} s`);

if (process.argv.includes('--loso')) {
  const preds = await leaveOneSourceOutParallel(rows);
  const groups = new Map<string, { n: number; y: number; flagged: number }>();
  for (const p of preds) {
    const e = groups.get(p.row.group) ?? { n: 0, y: p.row.y, flagged: 0 };
    e.n++;
    if (p.probability >= p.thresholds.medium) e.flagged++;
    groups.set(p.row.group, e);
  }
  for (const [g, e] of groups)
    console.log(
      `LOSO ${g.padEnd(28)} n=${String(e.n).padStart(5)} ${e.y ? 'TPR' : 'FPR'} ${(e.flagged / e.n).toFixed(3)}`,
    );
}

const model = trainRecipe(rows, DEFAULT_FIT);
if (!model.feasible.medium || !model.feasible.high)
  console.warn(
    `train-input-classifier: no threshold met the out-of-fold limits for ${[
      model.feasible.medium ? '' : `medium (took ${model.thresholds.medium}, the grid's top)`,
      model.feasible.high ? '' : `high (took ${model.thresholds.high})`,
    ]
      .filter((x) => x !== '')
      .join(' and ')}`,
  );
const round = (x: number) => Math.round(x * 1e6) / 1e6;
const pos = rows.filter((r) => r.y === 1).length;
const out = {
  bits: FEATURE_BITS,
  bias: round(model.linear.bias),
  platt: { a: round(model.platt.a), b: round(model.platt.b) },
  thresholds: model.thresholds,
  oof: {
    innerFoldsHoldOut: 'whole source groups',
    tpr: round(model.oof.tpr),
    fpr: round(model.oof.fpr),
    worstDocumentFpr: round(model.oof.worstDocumentFpr),
  },
  trainedOn:
    `${pos} positive / ${rows.length - pos} negative items (${new Set(rows.map((r) => r.source)).size} sources); ` +
    `logistic regression, AdaGrad ${DEFAULT_FIT.epochs} epochs, L2 ${DEFAULT_FIT.l2}`,
  weights: encodeWeights(model.linear.w),
};
writeFileSync(new URL('../src/text/classifier/weights.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(
  `thresholds medium ${model.thresholds.medium} high ${model.thresholds.high}; out-of-fold TPR ${model.oof.tpr.toFixed(3)} ` +
    `FPR ${model.oof.fpr.toFixed(3)} worst document kind FPR ${model.oof.worstDocumentFpr.toFixed(3)}; ` +
    `wrote ${out.weights.data.length} base64 characters in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
