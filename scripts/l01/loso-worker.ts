/** A worker thread of leaveOneSourceOutParallel: receives the rows once, then runs the folds it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import type { FitOptions } from './logistic.js';
import { losoFold } from './loso.js';
import type { Encoded } from './recipe.js';

const { rows, fit } = workerData as { rows: Encoded[]; fit?: FitOptions };
const port = parentPort;
if (port === null) throw new Error('loso-worker runs only as a worker thread');
port.on('message', (group: string) => {
  port.postMessage({ group, fold: losoFold(rows, group, fit) });
});
