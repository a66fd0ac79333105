/** `npm run bench` — performance benchmarks: runs bench/suites/*.ts, prints tables, writes bench/results/. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runSuites } from '../eval/run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
process.exitCode = await runSuites(
  'bench',
  path.join(here, 'suites'),
  path.join(here, 'results'),
  process.argv.slice(2),
);
