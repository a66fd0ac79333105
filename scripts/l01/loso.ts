/**
 * Leave-one-source-out evaluation of the L01 training recipe: for every third-party group, the whole recipe
 * (training, Platt calibration and threshold selection on grouped inner folds) runs on all other rows, and the
 * held-out rows are scored by that model with that model's own thresholds. The project's own data (`own:*`)
 * stays on the training side of every fold and is never scored here.
 */
import { predict, trainRecipe, type Encoded, type Feasible, type Thresholds } from './recipe.js';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FitOptions } from './logistic.js';

export interface LosoPrediction {
  readonly row: Encoded;
  /** Calibrated probability from the model that never saw the row's group. */
  readonly probability: number;
  /** That model's thresholds (selected without the held-out group). */
  readonly thresholds: Thresholds;
  /** Whether those thresholds met the selection's limits or are the fallbacks. */
  readonly feasible: Feasible;
}

export function heldOutGroups(rows: readonly Encoded[]): string[] {
  return [...new Set(rows.map((r) => r.group))].filter((g) => !g.startsWith('own:')).sort();
}

/** One fold: the recipe trained without `group`, and the index and probability of each of its rows. */
export function losoFold(
  rows: readonly Encoded[],
  group: string,
  fit?: FitOptions,
): { thresholds: Thresholds; feasible: Feasible; scored: Array<[index: number, probability: number]> } {
  const model = trainRecipe(
    rows.filter((r) => r.group !== group),
    fit,
  );
  const scored: Array<[number, number]> = [];
  rows.forEach((row, i) => {
    if (row.group === group) scored.push([i, predict(model, row)]);
  });
  return { thresholds: model.thresholds, feasible: model.feasible, scored };
}

function assemble(rows: readonly Encoded[], folds: ReadonlyMap<string, ReturnType<typeof losoFold>>) {
  const out: LosoPrediction[] = [];
  for (const group of heldOutGroups(rows)) {
    const fold = folds.get(group);
    if (fold === undefined) throw new Error(`leave-one-source-out: no result for group ${group}`);
    for (const [i, probability] of fold.scored)
      out.push({ row: rows[i] as Encoded, probability, thresholds: fold.thresholds, feasible: fold.feasible });
  }
  return out;
}

export function leaveOneSourceOut(rows: readonly Encoded[], fit?: FitOptions): LosoPrediction[] {
  return assemble(rows, new Map(heldOutGroups(rows).map((g) => [g, losoFold(rows, g, fit)])));
}

// Node 20 does not apply `--import tsx` to a worker's entry module: the worker registers tsx itself.
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(
  new URL('./loso-worker.ts', import.meta.url).href,
)}); })`;

/**
 * The same folds spread over worker threads (one per core, at most `workers`): the result is identical to
 * leaveOneSourceOut's (each fold is deterministic and sets every weight it uses), only sooner.
 */
export async function leaveOneSourceOutParallel(
  rows: readonly Encoded[],
  options: { fit?: FitOptions; workers?: number } = {},
): Promise<LosoPrediction[]> {
  const groups = heldOutGroups(rows);
  const n = Math.min(options.workers ?? availableParallelism(), groups.length);
  if (n <= 1) return leaveOneSourceOut(rows, options.fit);
  const folds = new Map<string, ReturnType<typeof losoFold>>();
  const queue = [...groups];
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { rows, fit: options.fit } });
      let finished = false;
      const next = () => {
        const group = queue.shift();
        if (group !== undefined) return worker.postMessage(group);
        finished = true;
        worker.terminate().then(() => resolve(), reject);
      };
      worker.on('message', (m: { group: string; fold: ReturnType<typeof losoFold> }) => {
        folds.set(m.group, m.fold);
        next();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (!finished) reject(new Error(`leave-one-source-out: a worker stopped early (exit code ${code})`));
      });
      next();
    });
  await Promise.all(Array.from({ length: n }, runWorker));
  return assemble(rows, folds);
}
