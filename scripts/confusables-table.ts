/**
 * The selection behind src/text/data/confusables.json, from the Unicode confusables map in the corpora
 * folder (<corpora>/unicode/confusables_map.json): single non-ASCII characters whose skeleton is 1–3 ASCII
 * letters/digits and that NFKD + mark removal does not already fold to ASCII — the part the detection view
 * needs to fold homoglyphs. Written by scripts/build-confusables.ts; a test checks the committed file
 * still equals it.
 */
import { readCorpus } from '../eval/corpora.js';

export const CONFUSABLES_SOURCE = 'unicode/confusables_map.json';

/** The committed file's exact text (JSON, sorted by code point, one trailing newline). */
export function confusablesTableText(): string {
  const map = JSON.parse(readCorpus(CONFUSABLES_SOURCE)) as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(map)) {
    const cps = [...from];
    if (cps.length !== 1 || from.charCodeAt(0) < 0x80) continue;
    const folded = from.normalize('NFKD').replace(/\p{Mn}/gu, '');
    if (folded.length > 0 && /^[\x20-\x7e]+$/.test(folded)) continue;
    if (!/^[A-Za-z0-9]{1,3}$/.test(to)) continue;
    out[from] = to; // case kept: an upper-case source whose skeleton is "l" is an I look-alike (fold.ts)
  }
  const sorted = Object.fromEntries(
    Object.entries(out).sort(([a], [b]) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0)),
  );
  return JSON.stringify(sorted) + '\n';
}
