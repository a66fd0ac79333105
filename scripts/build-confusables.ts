/**
 * Writes src/text/data/confusables.json (selection: scripts/confusables-table.ts) from the corpora
 * folder, read in place (eval/corpora.ts; sources in eval/docs/perimeter.md).
 *   npm run build:confusables
 */
import { writeFileSync } from 'node:fs';
import { locateCorpora } from '../eval/corpora.js';
import { confusablesTableText } from './confusables-table.js';

const corpora = locateCorpora();
if (!corpora.available) {
  console.error(`build-confusables: ${corpora.reason}. Nothing written; the committed table stays as it is.`);
  process.exit(1);
}
const text = confusablesTableText();
writeFileSync(new URL('../src/text/data/confusables.json', import.meta.url), text);
console.log(`wrote ${Object.keys(JSON.parse(text) as object).length} confusables`);
