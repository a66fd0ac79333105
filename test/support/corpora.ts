/**
 * Tests that read the third-party corpora (eval/corpora.ts) skip when the corpora folder is absent,
 * with the reason in the test name so the run says what it skipped:
 *   it.skipIf(noCorpora)(`... ${corporaNote}`, () => { ... })
 */
import { locateCorpora } from '../../eval/corpora.js';

const corpora = locateCorpora();

export const noCorpora = !corpora.available;
export const corporaNote = corpora.available ? '' : `[SKIPPED: ${corpora.reason}]`;
