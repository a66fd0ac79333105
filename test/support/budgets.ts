/**
 * CI time budgets (test/budgets.json): what each test folder and each scorecard suite may take, so that
 * `.ci/run` stays under its overall budget on the 2-core reference machine as suites are added.
 *
 * Timing on a shared machine is noisy, so nothing here is a unit-test assertion: the budget reporter
 * (test/support/budget-reporter.ts) and `npm run eval -- --check` print every folder's or suite's time
 * against its budget and fail only when a whole run exceeds its overall budget by the `runTolerance` factor
 * or one part exceeds its own budget by the `tolerance` factor (a wide margin). A whole run over its budget
 * but within `runTolerance` is a warning: runs of the same code on the same machine differ by ~10 %, and a
 * landing must not fail on that noise. The budgets must also add up: the parts of a run
 * may not claim more than the run's overall budget (a check on the file, not on a measurement).
 */
import { readFileSync } from 'node:fs';

export interface Budgets {
  /** A part fails only above budget × tolerance; below that, over-budget parts are printed as warnings. */
  readonly tolerance: number;
  /** A whole run (vitest, eval, .ci/run) fails only above its seconds × runTolerance; above its seconds it warns. */
  readonly runTolerance: number;
  readonly ci: { readonly seconds: number };
  /** seconds: wall time of the whole vitest run; folders: seconds per folder (import + tests of its files). */
  readonly vitest: {
    readonly seconds: number;
    readonly defaultFolderSeconds: number;
    readonly folders: Readonly<Record<string, number>>;
  };
  /** seconds: wall time of `npm run eval -- --check`; suites: seconds per scorecard suite. */
  readonly eval: {
    readonly seconds: number;
    readonly defaultSuiteSeconds: number;
    readonly suites: Readonly<Record<string, number>>;
  };
}

export const BUDGETS_FILE = 'test/budgets.json';

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Reads and checks test/budgets.json; throws naming the key that is wrong. */
export function loadBudgets(): Budgets {
  const raw = JSON.parse(readFileSync(new URL('../budgets.json', import.meta.url), 'utf8')) as Budgets;
  const problems: string[] = [];
  if (!positive(raw.tolerance) || raw.tolerance < 1) problems.push('tolerance must be a number >= 1');
  if (!positive(raw.runTolerance) || raw.runTolerance < 1 || raw.runTolerance > 1.5)
    problems.push('runTolerance must be a number from 1 to 1.5');
  if (!positive(raw.ci?.seconds)) problems.push('ci.seconds must be a positive number');
  if (!positive(raw.vitest?.seconds)) problems.push('vitest.seconds must be a positive number');
  if (!positive(raw.vitest?.defaultFolderSeconds)) problems.push('vitest.defaultFolderSeconds must be positive');
  if (!positive(raw.eval?.seconds)) problems.push('eval.seconds must be a positive number');
  if (!positive(raw.eval?.defaultSuiteSeconds)) problems.push('eval.defaultSuiteSeconds must be positive');
  for (const [k, v] of Object.entries(raw.vitest?.folders ?? {}))
    if (!positive(v)) problems.push(`vitest.folders["${k}"] must be a positive number of seconds`);
  for (const [k, v] of Object.entries(raw.eval?.suites ?? {}))
    if (!positive(v)) problems.push(`eval.suites["${k}"] must be a positive number of seconds`);
  if (problems.length) throw new Error(`${BUDGETS_FILE}: ${problems.join('; ')}`);
  return raw;
}

/** Problems of the budgets file itself: the parts may not claim more than their run, nor the runs more than CI. */
export function budgetAllocationProblems(b: Budgets): string[] {
  const out: string[] = [];
  const folders = Object.values(b.vitest.folders).reduce((a, x) => a + x, 0);
  if (folders > b.vitest.seconds)
    out.push(`the folder budgets add up to ${folders} s, more than vitest.seconds (${b.vitest.seconds} s)`);
  const suites = Object.values(b.eval.suites).reduce((a, x) => a + x, 0);
  if (suites > b.eval.seconds)
    out.push(`the eval suite budgets add up to ${suites} s, more than eval.seconds (${b.eval.seconds} s)`);
  if (b.vitest.seconds + b.eval.seconds > b.ci.seconds)
    out.push(
      `vitest.seconds + eval.seconds (${b.vitest.seconds + b.eval.seconds} s) exceed ci.seconds (${b.ci.seconds} s)`,
    );
  return out;
}

export interface PartTime {
  /** A test folder ("test/exec", "src/text") or a scorecard suite name. */
  readonly name: string;
  readonly seconds: number;
  readonly files?: number;
}

export interface Verdict {
  /** Lines to print: one table row per part, then the overall line. */
  readonly lines: readonly string[];
  readonly warnings: readonly string[];
  /** Non-empty: the run exceeded its overall budget × runTolerance or a part its budget × tolerance. */
  readonly failures: readonly string[];
}

/**
 * Judges one run: `parts` against `budgets` (a part without a budget of its own gets `fallback` and a
 * warning), the whole run's wall time against `overall` (× `runTolerance` to fail).
 */
export function judgeRun(
  label: string,
  parts: readonly PartTime[],
  wallSeconds: number,
  limits: {
    overall: number;
    tolerance: number;
    runTolerance: number;
    budgets: Readonly<Record<string, number>>;
    fallback: number;
  },
): Verdict {
  const lines: string[] = [];
  const warnings: string[] = [];
  const failures: string[] = [];
  const sorted = [...parts].sort((a, b) => b.seconds - a.seconds);
  const named = (p: PartTime) => (p.files !== undefined ? `${p.name} (${p.files} files)` : p.name);
  const width = Math.max(12, ...sorted.map((p) => named(p).length));
  lines.push(`${'part'.padEnd(width)}  ${'time'.padStart(8)}  ${'budget'.padStart(8)}  note`);
  for (const p of sorted) {
    const own = limits.budgets[p.name];
    const budget = own ?? limits.fallback;
    let note = own === undefined ? `no budget of its own: default ${limits.fallback} s` : '';
    if (own === undefined) warnings.push(`${label}: ${p.name} has no budget in ${BUDGETS_FILE}; add one`);
    if (p.seconds > budget * limits.tolerance) {
      note = `OVER ${limits.tolerance}x BUDGET`;
      failures.push(
        `${label}: ${p.name} took ${p.seconds.toFixed(1)} s, more than ${limits.tolerance} x its budget of ${budget} s`,
      );
    } else if (p.seconds > budget) {
      note = note || 'over budget (within tolerance)';
      warnings.push(`${label}: ${p.name} took ${p.seconds.toFixed(1)} s, over its budget of ${budget} s`);
    }
    lines.push(
      `${named(p).padEnd(width)}  ${`${p.seconds.toFixed(1)} s`.padStart(8)}  ${`${budget} s`.padStart(8)}  ${note}`,
    );
  }
  const sum = parts.reduce((a, p) => a + p.seconds, 0);
  lines.push(
    `${label}: ${wallSeconds.toFixed(1)} s wall (parts sum ${sum.toFixed(1)} s), overall budget ${limits.overall} s`,
  );
  const took = `${label}: the run took ${wallSeconds.toFixed(1)} s`;
  if (wallSeconds > limits.overall * limits.runTolerance)
    failures.push(`${took}, more than ${limits.runTolerance} x its overall budget of ${limits.overall} s`);
  else if (wallSeconds > limits.overall)
    warnings.push(
      `${took}, over its overall budget of ${limits.overall} s (within ${limits.runTolerance}x): take time out`,
    );
  return { lines, warnings, failures };
}

/** The folder a test file is budgeted under: its first two path segments ("test/exec/x.test.ts" → "test/exec"). */
export function budgetFolder(relativePath: string): string {
  const parts = relativePath.split(/[\\/]/);
  return parts.length > 2 ? parts.slice(0, 2).join('/') : (parts[0] ?? relativePath);
}
