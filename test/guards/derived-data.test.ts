/**
 * Tables derived from the third-party corpora are committed (the corpora are not); the committed copy
 * must be what the build script makes from the corpora today.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { confusablesTableText } from '../../scripts/confusables-table.js';
import { corporaNote, noCorpora } from '../support/corpora.js';

describe('derived data', () => {
  it.skipIf(noCorpora)(
    `src/text/data/confusables.json is what npm run build:confusables makes from the corpora ${corporaNote}`,
    () => {
      const committed = readFileSync(new URL('../../src/text/data/confusables.json', import.meta.url), 'utf8');
      expect(committed === confusablesTableText()).toBe(true);
    },
  );
});
