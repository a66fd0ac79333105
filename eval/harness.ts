/** Shared shape of scorecard suites (eval/suites/*.ts) and benchmark suites (bench/suites/*.ts). */
export interface Check {
  readonly name: string;
  readonly value: number;
  /** The figure must be >= min and/or <= max. */
  readonly min?: number;
  readonly max?: number;
}

export interface SuiteReport {
  readonly name: string;
  /** Markdown (tables) printed to the console and written to eval/results/<name>.md. */
  readonly markdown: string;
  /** Machine-readable figures written to eval/results/<name>.json. */
  readonly data: unknown;
  /** Optional SVG chart written to eval/results/<name>.svg. */
  readonly svg?: string;
  readonly checks: readonly Check[];
}

/** Third-party corpus files a suite reads (paths under the corpora root, see eval/corpora.ts). */
export interface CorpusNeeds {
  readonly files: readonly string[];
  /** Names of the checks the suite reports; printed as "not computed" when the corpora are absent. */
  readonly figures: readonly string[];
}

export interface Suite {
  readonly name: string;
  /** Set when the suite needs the third-party corpora: it is skipped, loudly, when they are absent. */
  readonly corpora?: CorpusNeeds;
  run(): Promise<SuiteReport>;
}

export function checkPasses(c: Check): boolean {
  if (c.min !== undefined && !(c.value >= c.min)) return false;
  if (c.max !== undefined && !(c.value <= c.max)) return false;
  return true;
}

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(fmt).join(' | ')} |`),
  ].join('\n');
}

/** A horizontal bar chart of values in [0, 1]. */
export function barChartSvg(title: string, bars: ReadonlyArray<{ label: string; value: number }>): string {
  const h = 24 * bars.length + 40;
  const esc = (s: string) =>
    s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
  const rows = bars
    .map((b, i) => {
      const y = 30 + i * 24;
      const w = Math.max(0, Math.min(1, b.value)) * 300;
      return `<text x="5" y="${y + 14}" font-size="12">${esc(b.label)}</text><rect x="260" y="${y}" width="${w.toFixed(1)}" height="16" fill="#3b7"/><text x="${(265 + w).toFixed(1)}" y="${y + 13}" font-size="11">${b.value.toFixed(3)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="${h}" font-family="sans-serif"><text x="5" y="18" font-size="14" font-weight="bold">${esc(title)}</text>${rows}</svg>\n`;
}
