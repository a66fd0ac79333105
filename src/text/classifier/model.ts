/**
 * A small logistic-regression classifier for direct prompt injection, trained in this repository on
 * the tuning split only (scripts/train-input-classifier.ts; weights in weights.json). It complements
 * the pattern score: patterns are explainable and exact, the classifier generalises over phrasing.
 */
import weights from './weights.json' with { type: 'json' };
import { FEATURE_BITS, featuresOf } from './features.js';

interface WeightsFile {
  readonly bits: number;
  readonly bias: number;
  /** Sparse weights: [bucket, weight] pairs. */
  readonly weights: ReadonlyArray<readonly [number, number]>;
  readonly trainedOn: string;
  /** Decision threshold of max(pattern score, probability) chosen by cross-validation on the tuning split. */
  readonly threshold: number;
}

const file = weights as unknown as WeightsFile;
if (file.bits !== FEATURE_BITS)
  throw new Error(
    `classifier weights use ${file.bits} feature bits, code expects ${FEATURE_BITS}: retrain with scripts/train-input-classifier.ts`,
  );
const dense = new Float32Array(1 << FEATURE_BITS);
for (const [i, w] of file.weights) dense[i] = w;

export function injectionProbability(view: string): number {
  let z = file.bias;
  for (const i of featuresOf(view)) z += dense[i] ?? 0;
  return 1 / (1 + Math.exp(-z));
}

/** The medium-risk threshold the training script selected (cross-validated on the tuning split). */
export const TRAINED_THRESHOLD: number = file.threshold;
