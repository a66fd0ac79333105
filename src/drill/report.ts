/** The drill's report: the table an operator reads, the JSON a CI job reads, and the exit code both act on. */
import type { ScenarioResult, Verdict } from './plan.js';
import type { DrillReport } from './run-drill.js';

export type Counts = Record<Verdict, number>;

export function countVerdicts(results: readonly ScenarioResult[]): Counts {
  const counts: Counts = { HELD: 0, BROKE: 0, SKIPPED: 0, ERROR: 0 };
  for (const r of results) counts[r.verdict] += 1;
  return counts;
}

/** 0: every scenario that ran held; 2: one broke; 1: the drill could not judge one (ERROR). */
export function exitCodeOf(results: readonly ScenarioResult[]): 0 | 1 | 2 {
  const c = countVerdicts(results);
  if (c.BROKE > 0) return 2;
  if (c.ERROR > 0) return 1;
  return 0;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function formatTable(results: readonly ScenarioResult[], evidenceWidth = 90): string {
  const rows = results.map((r) => [
    r.id,
    r.goal,
    r.verdict,
    r.layer ?? '-',
    clip(r.evidence.replace(/\s+/g, ' '), evidenceWidth),
  ]);
  const head = ['scenario', 'goal', 'result', 'layer', 'evidence'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(Math.min(w, 20)))), ...rows.map(line)].join('\n');
}

export function formatSummary(report: DrillReport): string {
  const c = countVerdicts(report.results);
  const ran = c.HELD + c.BROKE + c.ERROR;
  const parts = [`${ran} scenarios ran: ${c.HELD} held, ${c.BROKE} broke`];
  if (c.ERROR > 0) parts.push(`${c.ERROR} could not be judged (ERROR)`);
  parts.push(`${c.SKIPPED} skipped (parts not built)`);
  return `${parts.join(', ')}; ${(report.ms / 1000).toFixed(1)} s`;
}

export function reportJson(report: DrillReport, exitCode: number): Record<string, unknown> {
  return {
    exitCode,
    counts: countVerdicts(report.results),
    ms: report.ms,
    results: report.results,
    layers: report.layers,
    notes: report.notes,
  };
}
