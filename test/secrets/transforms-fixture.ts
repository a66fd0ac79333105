/**
 * The reversible transforms a compromised model uses to hide a vault value, written independently of the
 * leak index; shared by the tests that check the index, the prefilter and the output guard against them.
 * (A test file must not import another test file: with shared modules, its suites would register twice.)
 */
import { base32Encode, rot13 } from '../../src/text/reversible.js';

/**
 * Every transform of the list, written independently of the index: [label, text, the parts of the text
 * that carry the value (what must not survive redaction; the whole text when absent)].
 */
export function transforms(v: string): Array<[string, string, string[]?]> {
  const codes = [...v].map((c) => c.charCodeAt(0));
  const half = Math.floor(v.length / 2);
  const prefixed = base32Encode(Buffer.from(`user:${v}`)).toLowerCase();
  return [
    ['reversed', [...v].reverse().join('')],
    ['upper case', v.toUpperCase()],
    ['lower case', v.toLowerCase()],
    ['rot13', rot13(v)],
    ['base32', base32Encode(Buffer.from(v))],
    // The first 8 characters encode `user:` (5 bytes).
    ['base32, lower case, after a prefix', prefixed, [prefixed.slice(8)]],
    ['decimal char codes', codes.join(', ')],
    ['decimal char codes in an array', `[${codes.join(',')}]`],
    ['String.fromCharCode', `String.fromCharCode(${codes.join(', ')})`, [codes.join(', ')]],
    ['hex char codes', codes.map((c) => `0x${c.toString(16)}`).join(', ')],
    ['HTML entities', codes.map((c) => `&#${c};`).join('')],
    ['percent-encoded, every character', codes.map((c) => `%${c.toString(16).toUpperCase()}`).join('')],
    ['\\u escapes', codes.map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('')],
    ['two halves', `${v.slice(0, half)} and later ${v.slice(half)}`, [v.slice(0, half), v.slice(half)]],
    ['dashed', [...v].join('-')],
    ['spaced', [...v].join(' ')],
    ['quoted letters', JSON.stringify([...v])],
    ['groups of 4, dashed', (v.match(/.{1,4}/g) ?? []).join('-')],
    ['groups of 4, spaced', (v.match(/.{1,4}/g) ?? []).join(' ')],
    // Compositions: the index composes its character transforms rather than listing each combination.
    ['reversed, then dashed', [...v].reverse().join('-')],
    ['dashed, then reversed', [...[...v].join('-')].reverse().join('')],
    [
      'reversed in groups of 4, spaced',
      (
        [...v]
          .reverse()
          .join('')
          .match(/.{1,4}/g) ?? []
      ).join(' '),
    ],
    ['rot13, then spaced', [...rot13(v)].join(' ')],
    ['reversed rot13', [...rot13(v)].reverse().join('')],
    ['reversed rot13, quoted letters', JSON.stringify([...rot13(v)].reverse())],
    [
      'reversed, as decimal char codes',
      [...v]
        .reverse()
        .map((c) => c.charCodeAt(0))
        .join(', '),
    ],
  ];
}
