/**
 * The L01 classifier: a calibrated logistic model over hashed character and word n-grams, document-shape
 * signals and the scanner's pattern families (features.ts), trained in this repository by
 * scripts/train-input-classifier.ts. Its output is a probability: Platt scaling fitted on predictions for
 * sources the model had not seen (grouped out-of-fold), so 0.7 means about 70 % of such texts are attacks,
 * at equal prior odds. Long texts are read in overlapping windows and the most suspicious window counts.
 */
import weights from './weights.json' with { type: 'json' };
import { FEATURE_BITS, visitFeatures } from './features.js';
import { classifierWindows, patternSignals } from './encode.js';
import { decodeWeights } from './weights-codec.js';
import type { Finding } from '../scan.js';

interface WeightsFile {
  readonly bits: number;
  readonly bias: number;
  readonly platt: { readonly a: number; readonly b: number };
  /** Probability thresholds the training script selected on its own out-of-fold predictions. */
  readonly thresholds: { readonly medium: number; readonly high: number };
  readonly weights: { readonly scale: number; readonly data: string };
  readonly trainedOn: string;
}

const file = weights as unknown as WeightsFile;
if (file.bits !== FEATURE_BITS)
  throw new Error(
    `classifier weights use ${file.bits} feature bits, code expects ${FEATURE_BITS}: retrain with npm run train:classifier`,
  );
const dense = decodeWeights(file.weights, 1 << FEATURE_BITS);

/** Probability that one window of the view is an injection. */
function windowProbability(view: string, from: number, to: number, signals: readonly string[]): number {
  let lexical = 0;
  let shape = 0;
  const n = visitFeatures(view, from, to, signals, (b, isLexical) => {
    if (isLexical) lexical += dense[b] as number;
    else shape += dense[b] as number;
  });
  const z = file.bias + lexical / Math.sqrt(Math.max(1, n)) + shape;
  return 1 / (1 + Math.exp(-(file.platt.a * z + file.platt.b)));
}

/** Calibrated injection probability of a (typo-corrected) detection view and the scanner's findings on it. */
export function injectionProbability(view: string, findings: readonly Finding[] = []): number {
  const signals = patternSignals(findings);
  let best = 0;
  for (const [from, to] of classifierWindows(view)) best = Math.max(best, windowProbability(view, from, to, signals));
  return best;
}

/** The probability thresholds selected by the training script (defaults of guards.input.thresholds). */
export const TRAINED_THRESHOLDS: { readonly medium: number; readonly high: number } = file.thresholds;
