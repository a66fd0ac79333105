/**
 * Export and import of memories as JSON Lines. An export line is a whole entry with its provenance; an import
 * line needs only `text` (and may give kind, agentId, observedAt). Imported provenance is never read from the
 * file: the operator's `--origin` (default external) is the most an import can claim, and every record passes the
 * memory-write pipeline. A file is checked whole before anything is written: bad bytes or a bad line stop the
 * import with the line number, and nothing is stored.
 */
import { z } from 'zod';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { MEMORY_KINDS, type MemoryEntry, type MemoryKind } from './types.js';

export interface ImportRecord {
  readonly line: number;
  readonly text: string;
  readonly kind: MemoryKind;
  readonly agentId?: string;
  readonly observedAt?: number;
}

const MAX_IMPORT_BYTES = 256 * 1024 * 1024;
const MAX_RECORDS = 1_000_000;

const Line = z.object({
  text: z.string().min(1),
  kind: z.enum(MEMORY_KINDS).optional(),
  agentId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
    .optional(),
  observedAt: z.union([z.number().int().min(0), z.string().datetime({ offset: true })]).optional(),
});

function bad(message: string): BulwarkError {
  return bulwarkError('memory.import_invalid', `${message}; nothing was imported`, { status: 400 });
}

/** Parses an import file (JSON Lines, or one plain-text note per line with `plain`). */
export function parseImport(
  bytes: Uint8Array,
  options: { readonly plain?: boolean } = {},
): Result<ImportRecord[], BulwarkError> {
  if (bytes.byteLength > MAX_IMPORT_BYTES)
    return err(bad(`the file has ${bytes.byteLength} bytes; at most ${MAX_IMPORT_BYTES} are read`));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Find the line of the first invalid sequence for the message.
    let line = 1;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x0a) line++;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, i + 1), { stream: true });
      } catch {
        return err(bad(`line ${line} is not valid UTF-8 (byte offset ${i})`));
      }
    }
    return err(bad('the file is not valid UTF-8'));
  }
  const out: ImportRecord[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const trimmed = raw.replace(/\r$/, '');
    if (trimmed.trim() === '') continue;
    if (out.length >= MAX_RECORDS) return err(bad(`more than ${MAX_RECORDS} records`));
    if (options.plain) {
      out.push({ line, text: trimmed.trim(), kind: 'note' });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      return err(bad(`line ${line} is not JSON (use --plain for one note per line)`));
    }
    const parsed = Line.safeParse(json);
    if (!parsed.success)
      return err(
        bad(
          `line ${line}: ${parsed.error.issues.map((x) => `${x.path.join('.') || '(line)'}: ${x.message}`).join('; ')}`,
        ),
      );
    const p = parsed.data;
    out.push({
      line,
      text: p.text,
      kind: p.kind ?? 'note',
      ...(p.agentId !== undefined ? { agentId: p.agentId } : {}),
      ...(p.observedAt !== undefined
        ? { observedAt: typeof p.observedAt === 'number' ? p.observedAt : Date.parse(p.observedAt) }
        : {}),
    });
  }
  return ok(out);
}

/** One export line: the entry with its provenance, times as ISO strings. */
export function exportLine(e: MemoryEntry): string {
  return JSON.stringify({
    ...e,
    createdAt: new Date(e.createdAt).toISOString(),
    observedAt: new Date(e.observedAt).toISOString(),
  });
}
