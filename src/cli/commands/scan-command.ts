/**
 * `bulwark scan command [FILE|-] [--jsonl]`: the exec command policy's verdict (allow/deny, rule
 * id, the parsed segment that matched) without running anything. With --jsonl, FILE holds one
 * JSON object per line ({"command": …} or {"input": …}, optional "id" and "expected") and the
 * answer is one JSON object per line; otherwise the whole FILE is one command line.
 */
import type { Command } from 'commander';
import { evaluateCommand } from '../../exec/index.js';
import { type BulwarkError, ok, type Result } from '../../core/index.js';
import type { CliContext } from '../context.js';
import { parseJsonlRows, readCliInput } from '../input.js';
import { action, fail } from '../output.js';
import { scanGroup } from '../help.js';

export interface ScanCommandItem {
  readonly input: string;
  readonly id?: string;
  readonly expected?: string;
}

export interface ScanCommandLine {
  readonly id?: string;
  readonly input: string;
  readonly verdict: 'allow' | 'deny';
  readonly rule: string | null;
  readonly segment: string | null;
  readonly via: readonly string[];
  readonly reason: string | null;
  readonly expected?: string;
}

export function scanCommand(items: readonly ScanCommandItem[]): ScanCommandLine[] {
  return items.map((item) => {
    const v = evaluateCommand(item.input);
    return {
      ...(item.id !== undefined ? { id: item.id } : {}),
      input: item.input,
      verdict: v.decision,
      rule: v.ruleId ?? null,
      segment: v.segment ?? null,
      via: v.via ?? [],
      reason: v.reason ?? null,
      ...(item.expected !== undefined ? { expected: item.expected } : {}),
    };
  });
}

export function parseCommandJsonl(text: string): Result<ScanCommandItem[], BulwarkError> {
  const rows = parseJsonlRows(text, ['command', 'input'], '{"id": "...", "command": "..."}');
  return rows.ok
    ? ok(
        rows.value.map((r) => ({
          input: r.value,
          ...(r.id !== undefined ? { id: r.id } : {}),
          ...(r.expected !== undefined ? { expected: r.expected } : {}),
        })),
      )
    : rows;
}

/** Adds `command` under the `scan` command (created when the perimeter's `scan` is not registered yet). */
export function register(program: Command, ctx: CliContext): void {
  const scan = program.commands.find((c) => c.name() === 'scan') ?? scanGroup(program);
  scan
    .command('command')
    .description(
      'exec command policy (layer 2): allow or deny, the rule id and the parsed segment that matched; nothing is run',
    )
    .argument('[file]', 'file holding the command line, or "-" for stdin')
    .option('-c, --command <text>', 'the command line itself instead of a file')
    .option('--jsonl', 'FILE holds JSON lines {"command": …}; print one JSON verdict per line')
    .addHelpText(
      'after',
      `
Exit code: 0 when every command is allowed, 2 when at least one is denied.

Examples:
  $ bulwark scan command -c 'sudo env X=1 rm -rf /*'
  $ echo 'git status && git reset --hard' | bulwark scan command -
  $ bulwark scan command --jsonl commands.jsonl`,
    )
    .action(
      action(ctx, (file: string | undefined, opts: { command?: string; jsonl?: boolean }) => {
        let items: ScanCommandItem[];
        if (opts.command !== undefined) items = [{ input: opts.command }];
        else {
          if (!file) return fail(ctx, 'give a FILE, "-" for stdin, or --command TEXT');
          const text = readCliInput(file);
          if (!text.ok) return fail(ctx, text.error);
          if (opts.jsonl) {
            const rows = parseCommandJsonl(text.value);
            if (!rows.ok) return fail(ctx, rows.error);
            items = rows.value;
          } else items = [{ input: text.value.replace(/\n$/, '') }];
        }
        const lines = scanCommand(items);
        for (const l of lines) {
          if (opts.jsonl) ctx.stdout(JSON.stringify(l) + '\n');
          else if (l.verdict === 'allow') ctx.stdout(`ALLOW  ${l.input.slice(0, 200)}\n`);
          else
            ctx.stdout(
              `DENY   ${l.input.slice(0, 200)}\n       rule: ${l.rule}\n       segment: ${l.segment}${l.via.length ? `\n       via: ${l.via.join(' > ')}` : ''}\n       ${l.reason}\n`,
            );
        }
        if (lines.some((l) => l.verdict === 'deny')) ctx.setExitCode(2);
      }),
    );
}
