/** Printing helpers shared by the CLI commands: tables, JSON, and errors without stack traces. */
import { BulwarkFailure, type BulwarkError } from '../core/index.js';
import type { CliContext } from './context.js';

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** A plain-text table with a header row; columns are padded to their widest cell. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** Reports a failure as one message and exit code 1; never a stack trace. */
export function fail(ctx: CliContext, error: BulwarkError | string): void {
  const message = typeof error === 'string' ? error : error.message;
  ctx.stderr(`bulwark: ${message}\n`);
  ctx.setExitCode(1);
}

/** Wraps a command action so that anything thrown ends as a clean message and exit code 1. */
export function action<A extends unknown[]>(
  ctx: CliContext,
  fn: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (cause) {
      if (cause instanceof BulwarkFailure) fail(ctx, cause.error);
      else fail(ctx, cause instanceof Error ? cause.message : 'unknown error');
    }
  };
}

/**
 * Makes untrusted text (model output, tool arguments) safe to print on a terminal: C0/C1 control characters
 * (ESC and OSC sequences can rewrite the screen, set the clipboard or the window title) and bidi overrides
 * are shown as \uXXXX escapes; newlines and tabs are kept.
 */
export function terminalSafe(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
