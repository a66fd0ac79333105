/** Printing helpers shared by the CLI commands: tables, JSON, and errors without stack traces. */
import { BulwarkFailure } from '../core/result.js';
import type { BulwarkError } from '../core/errors.js';
import type { CliContext } from './context.js';

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** A plain-text table with a header row; columns are padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** Reports a failure as one message and exit code 1; never a stack trace. */
export function fail(ctx: CliContext, error: BulwarkError | string): void {
  const message = typeof error === 'string' ? error : error.message;
  ctx.stderr(`bulwark: ${message}\n`);
  ctx.setExitCode(1);
}

/** Wraps a command action so that anything thrown ends as a clean message and exit code 1. */
export function action<A extends unknown[]>(ctx: CliContext, fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (cause) {
      if (cause instanceof BulwarkFailure) fail(ctx, cause.error);
      else fail(ctx, cause instanceof Error ? cause.message : 'unknown error');
    }
  };
}
