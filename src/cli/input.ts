/** Input for the CLI's scanners: a file or stdin, and JSON lines of items. One implementation for every `scan`/`check` command. */
import { readFileSync } from 'node:fs';
import { absoluteFrom, bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';

export const MAX_CLI_INPUT_BYTES = 16 * 1024 * 1024;

/** Reads a file (relative to the working directory) or stdin (`-`), refusing more than 16 MB. */
export function readCliInput(file: string): Result<string, BulwarkError> {
  try {
    const buf = file === '-' ? readFileSync(0) : readFileSync(absoluteFrom(process.cwd(), file));
    if (buf.length > MAX_CLI_INPUT_BYTES)
      return err(bulwarkError('cli.input_too_large', `${file} is larger than 16 MB; split it into smaller files`));
    return ok(buf.toString('utf8'));
  } catch (cause) {
    return err(bulwarkError('cli.unreadable', `cannot read ${file}: ${describeCause(cause)}`));
  }
}

export interface JsonlRow {
  /** The first string among the accepted fields. */
  readonly value: string;
  readonly id?: string;
  readonly expected?: string;
}

/**
 * Parses JSON lines of objects; `fields` are the accepted names of the item's text, in order of preference.
 * The first malformed line fails the whole input, so nothing is half-scanned.
 */
export function parseJsonlRows(
  text: string,
  fields: readonly string[],
  example: string,
): Result<JsonlRow[], BulwarkError> {
  const out: JsonlRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (cause) {
      return err(
        bulwarkError('cli.bad_jsonl', `line ${i + 1}: not JSON (${describeCause(cause)}); expected ${example}`),
      );
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      return err(bulwarkError('cli.bad_jsonl', `line ${i + 1}: not a JSON object; expected ${example}`));
    const r = row as Record<string, unknown>;
    const value = fields.map((f) => r[f]).find((v): v is string => typeof v === 'string');
    if (value === undefined) {
      const names = fields.map((f) => `"${f}"`);
      return err(
        bulwarkError(
          'cli.bad_jsonl',
          `line ${i + 1}: needs a string field ${names[0]}${names.length > 1 ? ` (or ${names.slice(1).join(', or ')})` : ''}`,
        ),
      );
    }
    const id = r['id'];
    out.push({
      value,
      ...(typeof id === 'string' || typeof id === 'number' ? { id: String(id) } : {}),
      ...(typeof r['expected'] === 'string' ? { expected: r['expected'] } : {}),
    });
  }
  return ok(out);
}

/** Asks a yes/no question on the terminal (stderr); undefined when stdin is not a terminal (nobody to ask). */
export async function confirmAtTerminal(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
