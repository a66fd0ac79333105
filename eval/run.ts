/**
 * `npm run eval` — the security scorecard. Runs every suite in eval/suites/, prints its tables and
 * writes eval/results/<suite>.{md,json,svg} (the committed figures the README quotes).
 * `npm run eval -- --check` (run by `npm test`) exits 1 when a figure is below its threshold and
 * writes nothing, so a test run leaves the work tree as it found it.
 * `npm run eval -- <name>` runs only the suites whose name contains <name>.
 *
 * With a time budget (the scorecard's, from test/budgets.json), each suite's time is printed against its
 * budget; --check fails when a suite takes more than its budget × tolerance or the run more than its total.
 *
 * Suites that read the third-party corpora (Suite.corpora) are skipped when the corpora folder is
 * absent (eval/corpora.ts): the run says so, names the figures it did not compute, and --check does
 * not fail on them. A corpus file missing from a present folder is an error.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { checkPasses, markdownTable, type Suite, type SuiteReport } from './harness.js';
import { locateCorpora, missingCorpusFiles } from './corpora.js';
import { judgeRun, loadBudgets, type PartTime } from '../test/support/budgets.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Skipped {
  readonly suite: string;
  readonly figures: readonly string[];
}

/** Why `suite` cannot run now (corpora absent → skip; a file missing → error), or undefined when it can. */
function corpusGate(suite: Suite): { skip: string } | { error: string } | undefined {
  if (!suite.corpora) return undefined;
  const c = locateCorpora();
  if (!c.available) return { skip: c.reason };
  const missing = missingCorpusFiles(c.root, suite.corpora.files);
  if (missing.length) return { error: `corpus file(s) missing from ${c.root}: ${missing.join(', ')}` };
  return undefined;
}

/** The checks a suite reports must be the figures it declares, so a skip names exactly what is lost. */
function undeclaredFigures(suite: Suite, report: SuiteReport): string[] {
  if (!suite.corpora) return [];
  const declared = new Set(suite.corpora.figures);
  const reported = new Set(report.checks.map((c) => c.name));
  return [
    ...[...reported].filter((n) => !declared.has(n)).map((n) => `reported but not declared: ${n}`),
    ...[...declared].filter((n) => !reported.has(n)).map((n) => `declared but not reported: ${n}`),
  ];
}

function writeReport(resultsDir: string, report: SuiteReport): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${report.name}.md`), `# ${report.name}\n\n${report.markdown}\n`);
  writeFileSync(path.join(resultsDir, `${report.name}.json`), JSON.stringify(report.data, null, 2) + '\n');
  if (report.svg) writeFileSync(path.join(resultsDir, `${report.name}.svg`), report.svg);
}

export interface TimeBudget {
  readonly overall: number;
  readonly tolerance: number;
  readonly runTolerance: number;
  readonly budgets: Readonly<Record<string, number>>;
  readonly fallback: number;
}

export async function runSuites(
  kind: 'eval' | 'bench',
  dir: string,
  resultsDir: string,
  argv: string[],
  budget?: TimeBudget,
): Promise<number> {
  const runStarted = performance.now();
  const times: PartTime[] = [];
  const check = argv.includes('--check');
  const filters = argv.filter((a) => !a.startsWith('--'));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  if (files.length === 0) {
    console.log(`${kind}: nothing yet`);
    return 0;
  }
  const failed: string[] = [];
  const errors: string[] = [];
  const skipped: Skipped[] = [];
  let skipReason = '';
  const summary: Array<[string, string, number, string, string]> = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default: Suite };
    const suite = mod.default;
    if (filters.length && !filters.some((x) => suite.name.includes(x))) continue;
    console.log(`\n## ${suite.name}\n`);
    const gate = corpusGate(suite);
    if (gate && 'skip' in gate) {
      skipReason = gate.skip;
      skipped.push({ suite: suite.name, figures: suite.corpora?.figures ?? [] });
      console.log(`SKIPPED: ${gate.skip}.\nNot computed: ${(suite.corpora?.figures ?? []).join('; ')}.`);
      continue;
    }
    if (gate && 'error' in gate) {
      errors.push(`${suite.name}: ${gate.error}`);
      console.error(`ERROR: ${gate.error}`);
      continue;
    }
    const started = Date.now();
    const report = await suite.run();
    console.log(report.markdown);
    const undeclared = undeclaredFigures(suite, report);
    if (undeclared.length)
      errors.push(`${suite.name}: figures out of step with Suite.corpora.figures (${undeclared.join('; ')})`);
    if (!check) writeReport(resultsDir, report);
    for (const c of report.checks) {
      const pass = checkPasses(c);
      const bound = [c.min !== undefined ? `>= ${c.min}` : '', c.max !== undefined ? `<= ${c.max}` : '']
        .filter(Boolean)
        .join(', ');
      summary.push([report.name, c.name, c.value, bound, pass ? 'pass' : 'FAIL']);
      if (!pass) failed.push(`${report.name}: ${c.name} = ${c.value} (needs ${bound})`);
    }
    const seconds = (Date.now() - started) / 1000;
    times.push({ name: suite.name, seconds });
    console.log(`\n(${suite.name}: ${seconds.toFixed(1)} s)`);
  }
  if (summary.length) {
    console.log(`\n## Thresholds\n\n${markdownTable(['suite', 'figure', 'value', 'threshold', 'result'], summary)}`);
  }
  if (budget) {
    const verdict = judgeRun(kind, times, (performance.now() - runStarted) / 1000, budget);
    console.log(`\n## Time per suite (budgets: test/budgets.json)\n\n${verdict.lines.join('\n')}`);
    if (verdict.warnings.length) console.warn(`\n${verdict.warnings.join('\n')}`);
    if (verdict.failures.length) {
      if (check) errors.push(...verdict.failures);
      else console.warn(`\n${verdict.failures.join('\n')}`);
    }
  }
  if (check)
    console.log(
      `\n${kind}: --check writes no results (plain \`npm run ${kind}\` updates ${path.relative(process.cwd(), resultsDir) || resultsDir}/).`,
    );
  if (skipped.length) {
    const lines = skipped.map((s) => `  ${s.suite}: ${s.figures.join('; ')}`);
    console.warn(
      `\n${'!'.repeat(100)}\n${kind}: ${skipped.length} suite(s) SKIPPED because the third-party corpora are absent:\n` +
        `  ${skipReason}\nThese figures were NOT computed and NOT checked:\n${lines.join('\n')}\n${'!'.repeat(100)}`,
    );
  }
  if (errors.length) {
    console.error(`\n${kind}: ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
    return 1;
  }
  if (failed.length) {
    console.error(`\n${kind}: ${failed.length} figure(s) below threshold:\n  ${failed.join('\n  ')}`);
    return check ? 1 : 0;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const budgets = loadBudgets();
  process.exitCode = await runSuites(
    'eval',
    path.join(here, 'suites'),
    path.join(here, 'results'),
    process.argv.slice(2),
    {
      overall: budgets.eval.seconds,
      tolerance: budgets.tolerance,
      runTolerance: budgets.runTolerance,
      budgets: budgets.eval.suites,
      fallback: budgets.eval.defaultSuiteSeconds,
    },
  );
}
