/**
 * A vitest reporter (next to the default one, see vitest.config.ts) that prints, after every run, the time
 * of each test folder against its budget in test/budgets.json and the tests that were skipped, with their
 * names (a test that needs an absent resource says why in its name). It fails the run only when the whole
 * run exceeds its overall budget by the run tolerance, a folder exceeds its budget by the tolerance factor, or the budgets do
 * not add up (test/support/budgets.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';
import { budgetAllocationProblems, budgetFolder, judgeRun, loadBudgets, type PartTime } from './budgets.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default class BudgetReporter implements Reporter {
  private started = performance.now();

  onTestRunStart(): void {
    this.started = performance.now();
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const wall = (performance.now() - this.started) / 1000;
    const folders = new Map<string, { seconds: number; files: number }>();
    const skipped: string[] = [];
    for (const m of modules) {
      const rel = path.relative(root, m.moduleId);
      const d = m.diagnostic();
      const f = folders.get(budgetFolder(rel)) ?? { seconds: 0, files: 0 };
      f.seconds += (d.collectDuration + d.duration) / 1000;
      f.files += 1;
      folders.set(budgetFolder(rel), f);
      for (const t of m.children.allTests()) if (t.result().state === 'skipped') skipped.push(`${rel}: ${t.fullName}`);
    }
    const budgets = loadBudgets();
    const parts: PartTime[] = [...folders].map(([name, f]) => ({ name, seconds: f.seconds, files: f.files }));
    const verdict = judgeRun('vitest', parts, wall, {
      overall: budgets.vitest.seconds,
      tolerance: budgets.tolerance,
      runTolerance: budgets.runTolerance,
      budgets: budgets.vitest.folders,
      fallback: budgets.vitest.defaultFolderSeconds,
    });
    const failures = [...budgetAllocationProblems(budgets).map((p) => `test/budgets.json: ${p}`), ...verdict.failures];
    console.log(`\nTime per test folder (budgets: test/budgets.json, fail above ${budgets.tolerance}x):\n`);
    console.log(verdict.lines.map((l) => `  ${l}`).join('\n'));
    if (skipped.length) console.log(`\nSkipped tests (${skipped.length}):\n  ${skipped.join('\n  ')}`);
    if (verdict.warnings.length) console.warn(`\nBudget warnings:\n  ${verdict.warnings.join('\n  ')}`);
    if (failures.length) {
      console.error(`\nCI time budget exceeded:\n  ${failures.join('\n  ')}`);
      process.exitCode = 1;
    }
  }
}
