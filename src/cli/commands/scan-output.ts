/**
 * `bulwark scan output [FILE|-] [--jsonl]`: the L02 output guard on text given offline — findings
 * (pattern id, kind, severity, offsets; never the value) and the redacted text. FILE defaults to stdin,
 * as for `scan input`. With --jsonl, FILE holds one JSON object per line ({"text": …} or {"input": …},
 * optional "id" and "expected"; rows without an id are numbered from 1 like `scan input`'s) and the
 * answer is one JSON object per line; otherwise the whole FILE is one response.
 * Known secret values come from the vault of the data dir when it can be opened (read only).
 * The input is never echoed back: only its redacted form is printed.
 */
import type { Command } from 'commander';
import { type BulwarkError, EMPTY_LEAK_SCANNER, type LeakScanner, ok, type Result } from '../../core/index.js';
import { CANARY_SHAPE, redact, scanOutput, PromptFingerprint } from '../../guards/index.js';
import type { CliContext } from '../context.js';
import { parseJsonlRows, readCliInput } from '../input.js';
import { action, fail } from '../output.js';
import { scanGroup } from '../help.js';

export interface ScanOutputItem {
  readonly text: string;
  readonly id?: string;
  readonly expected?: string;
}

export interface ScanOutputFinding {
  readonly patternId: string;
  readonly kind: string;
  readonly severity: string;
  readonly start: number;
  readonly end: number;
  readonly encoding?: string;
  readonly secretName?: string;
}

export interface ScanOutputLine {
  readonly id?: string;
  /** redacted: a critical finding was replaced; warning: findings audited only; clean: nothing found. */
  readonly verdict: 'redacted' | 'warning' | 'clean';
  readonly findings: readonly ScanOutputFinding[];
  readonly redacted: string;
  readonly expected?: string;
}

export interface ScanOutputDeps {
  /** Known secret values (the vault's leak index); none by default. */
  readonly leakScanner?: LeakScanner;
  /** System prompt to check for extraction. */
  readonly systemPrompt?: string;
}

export function scanOutputItems(items: readonly ScanOutputItem[], deps: ScanOutputDeps = {}): ScanOutputLine[] {
  const prompt = deps.systemPrompt ? new PromptFingerprint(deps.systemPrompt) : undefined;
  const scanDeps = { leakScanner: deps.leakScanner ?? EMPTY_LEAK_SCANNER, canaryForms: [], prompt };
  return items.map((item) => {
    const r = scanOutput(item.text, scanDeps);
    const findings = r.findings.map((f) => ({
      patternId: f.patternId,
      kind: f.kind,
      severity: f.severity,
      start: f.start,
      end: f.end,
      ...(f.encoding ? { encoding: f.encoding } : {}),
      ...(f.secretName ? { secretName: f.secretName } : {}),
    }));
    const verdict = r.findings.some((f) => f.severity === 'critical')
      ? 'redacted'
      : r.findings.length
        ? 'warning'
        : 'clean';
    return {
      ...(item.id !== undefined ? { id: item.id } : {}),
      verdict,
      findings,
      redacted: redact(item.text, r.findings),
      ...(item.expected !== undefined ? { expected: item.expected } : {}),
    };
  });
}

export function parseOutputJsonl(text: string): Result<ScanOutputItem[], BulwarkError> {
  const rows = parseJsonlRows(text, ['text', 'input'], '{"id": "...", "text": "..."}');
  return rows.ok
    ? ok(
        rows.value.map((r, i) => ({
          text: r.value,
          id: r.id ?? String(i + 1),
          ...(r.expected !== undefined ? { expected: r.expected } : {}),
        })),
      )
    : rows;
}

export interface ScanOutputRegisterOptions {
  /** The vault's leak index for the data dir; an error (no vault, no master key) is reported and the scan goes on without it. */
  readonly leakScanner?: (dataDir: string) => Result<LeakScanner, BulwarkError>;
}

/** Adds `output` under the `scan` command (created when the perimeter's `scan` is not registered yet). */
export function register(program: Command, ctx: CliContext, options: ScanOutputRegisterOptions = {}): void {
  const scan = program.commands.find((c) => c.name() === 'scan') ?? scanGroup(program);
  scan
    .command('output')
    .description(
      'L02 output guard: secret formats, known secret values, canary tokens, system-prompt extraction; prints findings and the redacted text',
    )
    .argument('[file]', 'file holding the response text, or "-" for stdin (default)')
    .option('-t, --text <text>', 'the text itself instead of a file')
    .option('--jsonl', 'FILE holds JSON lines {"id": …, "text": …}; print one JSON result per line')
    .option('--system-prompt <file>', 'also report overlap with this system prompt (extraction)')
    .option('--no-vault', 'do not open the vault: secret formats, canaries and the system prompt only')
    .addHelpText(
      'after',
      `
The input is never echoed: only pattern ids, offsets and the redacted text are printed.
Known secret values (raw, base64, hex, URL and other encodings) are those in the vault of the data dir,
opened read only with the master key the daemon uses; without a vault or key a note on stderr says so
and the other checks still run. Values only in the environment are not known here.
Canary-shaped tokens (${CANARY_SHAPE.source}) are always reported.

Input is read as UTF-8: invalid bytes become U+FFFD. Offsets [start, end) count UTF-16 code units of
that text (JavaScript string indexes), not bytes or code points.

--jsonl output, one line per item (rows without "id" are numbered from 1, as in scan input):
  {"id","verdict":"redacted|warning|clean","findings":[{"patternId","kind","severity","start","end",
   "encoding"?,"secretName"?}],"redacted","expected"?}
This differs from scan input ({"id","risk","score","action","findings":[{"id","family"}]}): an output
finding is a span to redact, not a score. Exit codes are the same.
Exit code: 0 when nothing critical was found, 2 when at least one item was redacted, 1 on bad input.

Examples:
  $ bulwark scan output response.txt
  $ curl -s $URL | bulwark scan output -
  $ bulwark scan output --jsonl responses.jsonl --system-prompt prompt.md`,
    )
    .action(
      action(
        ctx,
        (
          file: string | undefined,
          opts: { text?: string; jsonl?: boolean; systemPrompt?: string; vault?: boolean },
        ) => {
          let items: ScanOutputItem[];
          if (opts.text !== undefined) items = [{ text: opts.text }];
          else {
            const text = readCliInput(file ?? '-');
            if (!text.ok) return fail(ctx, text.error);
            if (opts.jsonl) {
              const rows = parseOutputJsonl(text.value);
              if (!rows.ok) return fail(ctx, rows.error);
              items = rows.value;
            } else items = [{ text: text.value }];
          }
          let systemPrompt: string | undefined;
          if (opts.systemPrompt) {
            const p = readCliInput(opts.systemPrompt);
            if (!p.ok) return fail(ctx, p.error);
            systemPrompt = p.value;
          }
          let leakScanner: LeakScanner | undefined;
          if (options.leakScanner && opts.vault !== false) {
            const l = options.leakScanner(ctx.dataDir);
            if (l.ok) leakScanner = l.value;
            else ctx.stderr(`bulwark: note: known secret values are not checked: ${l.error.message}\n`);
          }
          const lines = scanOutputItems(items, {
            ...(leakScanner ? { leakScanner } : {}),
            ...(systemPrompt !== undefined ? { systemPrompt } : {}),
          });
          for (const l of lines) {
            if (opts.jsonl) {
              ctx.stdout(JSON.stringify(l) + '\n');
              continue;
            }
            const head = l.verdict === 'clean' ? 'CLEAN' : l.verdict === 'redacted' ? 'REDACTED' : 'WARNING';
            ctx.stdout(`${head}${l.findings.length ? `  ${l.findings.length} finding(s)` : ''}\n`);
            for (const f of l.findings)
              ctx.stdout(
                `  ${f.severity.padEnd(8)} ${f.patternId}  [${f.start}, ${f.end})${f.encoding ? `  ${f.encoding}` : ''}${f.secretName ? `  secret ${f.secretName}` : ''}\n`,
              );
            if (l.verdict !== 'clean')
              ctx.stdout(`--- redacted ---\n${l.redacted}${l.redacted.endsWith('\n') ? '' : '\n'}`);
          }
          if (lines.some((l) => l.verdict === 'redacted')) ctx.setExitCode(2);
        },
      ),
    );
}
