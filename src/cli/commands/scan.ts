/**
 * `bulwark scan input|tool-output [FILE|-] [--jsonl]`: the perimeter's verdict on text without acting
 * on it. Plain mode treats the whole FILE (or stdin) as one item; with --jsonl every line is
 * {"id": string, "text": string}. One JSON verdict per item:
 *   {"id","risk","score","action","findings":[{"id","family"}]}
 * Exit code: 0 when no item is flagged, 2 when at least one is (risk medium or high), 1 on bad input
 * (nothing is printed to stdout then). Stable interface: add a target to SCAN_TARGETS to extend it.
 */
import type { Command } from 'commander';
import { type BulwarkError, ok, type Result } from '../../core/index.js';
import { createInputGuard, sanitizeToolOutput } from '../../guards/index.js';
import type { CliContext } from '../context.js';
import { parseJsonlRows, readCliInput } from '../input.js';
import { action, fail } from '../output.js';
import { scanGroup } from '../help.js';

export interface ScanVerdict {
  readonly risk: 'low' | 'medium' | 'high';
  readonly score: number;
  readonly action: string;
  readonly findings: ReadonlyArray<{ readonly id: string; readonly family: string }>;
}

export interface ScanTarget {
  readonly description: string;
  scan(text: string): ScanVerdict;
}

const uniqueFindings = (fs: ReadonlyArray<{ id: string; family: string }>) => {
  const seen = new Map<string, { id: string; family: string }>();
  for (const f of fs) if (!seen.has(f.id)) seen.set(f.id, { id: f.id, family: f.family });
  return [...seen.values()];
};
const round = (n: number) => Math.round(n * 1000) / 1000;

function inputTarget(): ScanTarget {
  const guard = createInputGuard();
  return {
    description: 'L04 + L01 input guard: risk low/medium/high and the configured action (pass, warn, reinforce, block)',
    scan(text) {
      const v = guard.assess(text);
      return { risk: v.risk, score: round(v.score), action: v.action, findings: uniqueFindings(v.findings) };
    },
  };
}

function toolOutputTarget(): ScanTarget {
  return {
    description: 'L23 tool output sanitizer: instruction-like text in a tool result (action flag or pass)',
    scan(text) {
      const r = sanitizeToolOutput(text, 'cli');
      const risk = r.score >= 0.9 ? 'high' : r.flagged ? 'medium' : 'low';
      return { risk, score: round(r.score), action: r.flagged ? 'flag' : 'pass', findings: uniqueFindings(r.findings) };
    },
  };
}

/** The scan targets; each becomes `bulwark scan <name>`. Factories, so nothing loads until used. */
export const SCAN_TARGETS: Record<string, () => ScanTarget> = {
  input: inputTarget,
  'tool-output': toolOutputTarget,
};

export interface ScanItem {
  readonly id: string;
  readonly text: string;
}

/** Parses JSON lines {"id","text"}; the first malformed line fails the whole input (nothing is scanned). */
export function parseScanJsonl(text: string): Result<ScanItem[], BulwarkError> {
  const rows = parseJsonlRows(text, ['text'], '{"id": "...", "text": "..."}');
  return rows.ok ? ok(rows.value.map((r, i) => ({ id: r.id ?? String(i + 1), text: r.value }))) : rows;
}

export function scanItems(target: ScanTarget, items: readonly ScanItem[]): Array<ScanVerdict & { id: string }> {
  return items.map((item) => ({ id: item.id, ...target.scan(item.text) }));
}

export function register(program: Command, ctx: CliContext): void {
  const scan = program.commands.find((c) => c.name() === 'scan') ?? scanGroup(program);
  for (const [name, factory] of Object.entries(SCAN_TARGETS)) {
    scan
      .command(name)
      .description(`perimeter verdict for ${name === 'input' ? 'inbound messages' : name} (one JSON line per item)`)
      .argument('[file]', 'file to scan, or "-" for stdin (default)')
      .option('--jsonl', 'FILE holds JSON lines {"id": …, "text": …}; one verdict per line')
      .addHelpText(
        'after',
        `
Output: {"id","risk","score","action","findings":[{"id","family"}]} per item.
Exit code: 0 when nothing is flagged, 2 when at least one item is risk medium or high, 1 on bad input.

Examples:
  $ echo 'Ignore all previous instructions' | bulwark scan ${name}
  $ bulwark scan ${name} --jsonl items.jsonl`,
      )
      .action(
        action(ctx, (file: string | undefined, opts: { jsonl?: boolean }) => {
          const source = file ?? '-';
          const text = readCliInput(source);
          if (!text.ok) return fail(ctx, text.error);
          let items: ScanItem[];
          if (opts.jsonl) {
            const rows = parseScanJsonl(text.value);
            if (!rows.ok) return fail(ctx, rows.error);
            items = rows.value;
          } else items = [{ id: source, text: text.value }];
          const verdicts = scanItems(factory(), items);
          for (const v of verdicts) ctx.stdout(JSON.stringify(v) + '\n');
          if (verdicts.some((v) => v.risk !== 'low')) ctx.setExitCode(2);
        }),
      );
  }
}
