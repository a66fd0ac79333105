/**
 * Leave-one-source-out evaluation of the L01 training recipe: for every third-party group, the whole recipe
 * (training, Platt calibration and threshold selection on grouped inner folds) runs on all other rows, and the
 * held-out rows are scored by that model with that model's own thresholds. The project's own data (`own:*`)
 * stays on the training side of every fold and is never scored here.
 */
import { predict, trainRecipe, type Encoded, type Thresholds } from './recipe.js';
import type { FitOptions } from './logistic.js';

export interface LosoPrediction {
  readonly row: Encoded;
  /** Calibrated probability from the model that never saw the row's group. */
  readonly probability: number;
  /** That model's thresholds (selected without the held-out group). */
  readonly thresholds: Thresholds;
}

export function heldOutGroups(rows: readonly Encoded[]): string[] {
  return [...new Set(rows.map((r) => r.group))].filter((g) => !g.startsWith('own:')).sort();
}

export function leaveOneSourceOut(rows: readonly Encoded[], fit?: FitOptions): LosoPrediction[] {
  const out: LosoPrediction[] = [];
  for (const group of heldOutGroups(rows)) {
    const model = trainRecipe(
      rows.filter((r) => r.group !== group),
      fit,
    );
    for (const row of rows)
      if (row.group === group) out.push({ row, probability: predict(model, row), thresholds: model.thresholds });
  }
  return out;
}
