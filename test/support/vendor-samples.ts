/**
 * Test tokens of a secret family, written from its documented shape (the family's regex) by the
 * deterministic sampler; families whose shape is more than a regex (PyPI's macaroon) get a builder.
 * Built at run time, never a real credential, never a copy of anyone's example.
 */
import type { PatternDef } from '../../src/text/patterns/types.js';
import { sampleRegex } from './regex-sample.js';
import { AN, tok } from './tokens.js';

const BUILDERS: Readonly<Record<string, (seed: number) => string>> = {
  'secret.pypi_upload_token': (seed) =>
    'pypi-' +
    Buffer.concat([
      Buffer.from([2, 1, 8]),
      Buffer.from('pypi.org'),
      Buffer.from([2, 36]),
      Buffer.from(tok(AN, 60 + (seed % 40), seed)),
    ]).toString('base64url'),
};

export function sampleFamily(f: PatternDef, seed: number): string {
  return BUILDERS[f.id]?.(seed) ?? sampleRegex(f.regex, seed);
}
