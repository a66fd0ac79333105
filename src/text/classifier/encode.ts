/**
 * What the L01 classifier reads of a scanned text: windows of the typo-corrected detection view, and the
 * pattern families the scanner found, as named signals. Shared by inference (model.ts) and training.
 */
import type { Finding } from '../scan.js';

/** The classifier reads windows of this many view characters (training items fit in one). */
export const WINDOW_CHARS = 4096;
/** Windows overlap by half; at most this many from the start of a long text, plus the last one. */
export const MAX_WINDOWS = 24;

/** The first window of a view: what training encodes. */
export function classifierWindow(view: string): [number, number] {
  return [0, Math.min(view.length, WINDOW_CHARS)];
}

/** Windows of a view: one for short text; for long text overlapping windows from the start and the last one. */
export function classifierWindows(view: string): Array<[number, number]> {
  if (view.length <= WINDOW_CHARS) return [[0, view.length]];
  const out: Array<[number, number]> = [];
  const stride = WINDOW_CHARS / 2;
  for (let from = 0; from + WINDOW_CHARS < view.length && out.length < MAX_WINDOWS; from += stride)
    out.push([from, from + WINDOW_CHARS]);
  out.push([view.length - WINDOW_CHARS, view.length]);
  return out;
}

/** Named signals of the scanner's findings: each family found, with its strongest weight in fifths. */
export function patternSignals(findings: readonly Finding[]): string[] {
  const best = new Map<string, number>();
  for (const f of findings) best.set(f.family, Math.max(best.get(f.family) ?? 0, f.weight));
  const out: string[] = [];
  for (const [family, w] of best) out.push(`pattern:${family}:${Math.min(4, Math.floor(w * 5))}`);
  return out;
}
