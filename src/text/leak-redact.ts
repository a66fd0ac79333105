import type { LeakHit } from '../core/index.js';
import { replaceSpans } from './multi-match.js';

/** Replaces the union of the leak-index hit spans with one `[REDACTED:<name>]` per merged span. */
export function redactLeakHits(text: string, hits: readonly LeakHit[]): string {
  return replaceSpans(text, hits, (h) => `[REDACTED:${h.secretName}]`);
}
