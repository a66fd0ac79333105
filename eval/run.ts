/**
 * `npm run eval` — the security scorecard. Runs every suite in eval/suites/, prints its tables,
 * writes eval/results/<suite>.{md,json,svg}. With --check, exits 1 when a figure is below its threshold.
 * `npm run eval -- <name>` runs only the suites whose name contains <name>.
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { checkPasses, markdownTable, type Suite } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function runSuites(
  kind: 'eval' | 'bench',
  dir: string,
  resultsDir: string,
  argv: string[],
): Promise<number> {
  const check = argv.includes('--check');
  const filters = argv.filter((a) => !a.startsWith('--'));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  if (files.length === 0) {
    console.log(`${kind}: nothing yet`);
    return 0;
  }
  mkdirSync(resultsDir, { recursive: true });
  const failed: string[] = [];
  const summary: Array<[string, string, number, string, string]> = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default: Suite };
    const suite = mod.default;
    if (filters.length && !filters.some((x) => suite.name.includes(x))) continue;
    const started = Date.now();
    console.log(`\n## ${suite.name}\n`);
    const report = await suite.run();
    console.log(report.markdown);
    writeFileSync(path.join(resultsDir, `${report.name}.md`), `# ${report.name}\n\n${report.markdown}\n`);
    writeFileSync(path.join(resultsDir, `${report.name}.json`), JSON.stringify(report.data, null, 2) + '\n');
    if (report.svg) writeFileSync(path.join(resultsDir, `${report.name}.svg`), report.svg);
    for (const c of report.checks) {
      const pass = checkPasses(c);
      const bound = [c.min !== undefined ? `>= ${c.min}` : '', c.max !== undefined ? `<= ${c.max}` : '']
        .filter(Boolean)
        .join(', ');
      summary.push([report.name, c.name, c.value, bound, pass ? 'pass' : 'FAIL']);
      if (!pass) failed.push(`${report.name}: ${c.name} = ${c.value} (needs ${bound})`);
    }
    console.log(`\n(${suite.name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (summary.length) {
    console.log(`\n## Thresholds\n\n${markdownTable(['suite', 'figure', 'value', 'threshold', 'result'], summary)}`);
  }
  if (failed.length) {
    console.error(`\n${kind}: ${failed.length} figure(s) below threshold:\n  ${failed.join('\n  ')}`);
    return check ? 1 : 0;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runSuites(
    'eval',
    path.join(here, 'suites'),
    path.join(here, 'results'),
    process.argv.slice(2),
  );
}
