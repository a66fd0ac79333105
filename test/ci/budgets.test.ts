/**
 * The CI time budgets: the committed file is well-formed and adds up, and the judge fails a run only
 * for what the budgets say (synthetic times here; nothing is timed).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { budgetAllocationProblems, budgetFolder, judgeRun, loadBudgets, type Budgets } from '../support/budgets.js';

const limits = { overall: 100, tolerance: 2, runTolerance: 1.2, budgets: { 'test/a': 10, 'test/b': 20 }, fallback: 5 };

describe('test/budgets.json', () => {
  it('loads, and its parts claim no more than their runs, nor the runs more than CI', () => {
    const b = loadBudgets();
    expect(budgetAllocationProblems(b)).toEqual([]);
    // 16 minutes on 2 cores, failing above 18.4 (it was 21 and failed a landing at 880 s of vitest by 6 s of noise,
    // until test files shared one module graph per worker): never raise it, take time out instead.
    expect(b.ci.seconds).toBeLessThanOrEqual(16 * 60);
    expect(b.ci.seconds * b.runTolerance).toBeLessThanOrEqual(18.5 * 60);
  });

  it('budgets every test folder and every scorecard suite that exists today', () => {
    const b = loadBudgets();
    const testFiles = (dir: string): string[] =>
      readdirSync(new URL(`../../${dir}`, import.meta.url), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `${dir}/${f}`);
    const folders = [...new Set([...testFiles('test'), ...testFiles('src')].map(budgetFolder))];
    expect(
      folders.filter((f) => !(f in b.vitest.folders)),
      'test folders without a line in test/budgets.json (vitest.folders)',
    ).toEqual([]);
    const suites = readdirSync(new URL('../../eval/suites/', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''));
    expect(
      suites.filter((s) => !(s in b.eval.suites)),
      'scorecard suites without a line in test/budgets.json (eval.suites)',
    ).toEqual([]);
  });

  it('names what does not add up', () => {
    const b = loadBudgets();
    const greedy: Budgets = { ...b, vitest: { ...b.vitest, folders: { 'test/x': b.vitest.seconds + 1 } } };
    expect(budgetAllocationProblems(greedy).join()).toMatch(/folder budgets add up to .* more than vitest.seconds/);
    const tooBig: Budgets = { ...b, eval: { ...b.eval, seconds: b.ci.seconds } };
    expect(budgetAllocationProblems(tooBig).join()).toMatch(/exceed ci.seconds/);
  });
});

describe('judgeRun', () => {
  it('passes a run within its budgets', () => {
    const v = judgeRun('vitest', [{ name: 'test/a', seconds: 9 }], 50, limits);
    expect(v.failures).toEqual([]);
    expect(v.warnings).toEqual([]);
  });

  it('only warns when a folder is over its budget but within the tolerance', () => {
    const v = judgeRun('vitest', [{ name: 'test/a', seconds: 19 }], 50, limits);
    expect(v.failures).toEqual([]);
    expect(v.warnings.join()).toMatch(/test\/a took 19.0 s, over its budget of 10 s/);
  });

  it('fails when a folder takes more than tolerance x its budget', () => {
    const v = judgeRun('vitest', [{ name: 'test/b', seconds: 41 }], 50, limits);
    expect(v.failures.join()).toMatch(/test\/b took 41.0 s, more than 2 x its budget of 20 s/);
  });

  it('only warns when the whole run is over its overall budget but within the run tolerance', () => {
    const v = judgeRun('eval', [{ name: 'test/a', seconds: 1 }], 119, limits);
    expect(v.failures).toEqual([]);
    expect(v.warnings.join()).toMatch(/the run took 119.0 s, over its overall budget of 100 s \(within 1.2x\)/);
  });

  it('fails when the whole run is over its overall budget x run tolerance, even if every folder is within its own', () => {
    const v = judgeRun('eval', [{ name: 'test/a', seconds: 1 }], 121, limits);
    expect(v.failures.join()).toMatch(/the run took 121.0 s, more than 1.2 x its overall budget of 100 s/);
  });

  it('gives a folder without a budget the default, with a warning', () => {
    const v = judgeRun('vitest', [{ name: 'test/new', seconds: 6 }], 10, limits);
    expect(v.failures).toEqual([]);
    expect(v.warnings.join()).toMatch(/test\/new has no budget/);
    expect(judgeRun('vitest', [{ name: 'test/new', seconds: 11 }], 10, limits).failures).toHaveLength(1);
  });
});

describe('budgetFolder', () => {
  it('budgets a file under its first two path segments', () => {
    expect(budgetFolder('test/exec/shell-parse.test.ts')).toBe('test/exec');
    expect(budgetFolder('src/text/fold.test.ts')).toBe('src/text');
    expect(budgetFolder('test/e2e/deep/x.test.ts')).toBe('test/e2e');
  });
});
