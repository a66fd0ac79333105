/**
 * Builds src/text/data/confusables.json from the Unicode confusables data copied under
 * eval/corpora/unicode/ (see eval/corpora/README-perimeter.md). Keeps only single non-ASCII
 * characters whose skeleton is 1–3 ASCII letters/digits and that NFKD + mark removal does not
 * already fold to ASCII: that is the part the detection view needs to fold homoglyphs.
 *   node --import tsx scripts/build-confusables.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';

const source = new URL('../eval/corpora/unicode/confusables_map.json', import.meta.url);
const target = new URL('../src/text/data/confusables.json', import.meta.url);
const map = JSON.parse(readFileSync(source, 'utf8')) as Record<string, string>;

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
writeFileSync(target, JSON.stringify(sorted) + '\n');
console.log(`wrote ${Object.keys(sorted).length} confusables`);
