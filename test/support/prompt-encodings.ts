/**
 * Encodings a model can write the system prompt in without tools, beyond the character transforms: the bytes
 * as hex (plain, in pairs, as `\x` escapes), base32, the characters as decimal or hex code lists, and the
 * letters separated (by spaces with a wider gap between words, or by dashes with no word break at all).
 */
import { base32Encode } from '../../src/text/index.js';

const bytesOf = (s: string) => Buffer.from(s, 'utf8');
const codes = (s: string) => [...s].map((c) => c.codePointAt(0) ?? 0);

export const PROMPT_ENCODINGS: ReadonlyArray<readonly [string, (s: string) => string]> = [
  ['hex', (s) => bytesOf(s).toString('hex')],
  ['hex pairs', (s) => [...bytesOf(s)].map((b) => b.toString(16).padStart(2, '0')).join(' ')],
  ['hex byte escapes', (s) => [...bytesOf(s)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')],
  ['base32', (s) => base32Encode(bytesOf(s))],
  ['decimal codes', (s) => codes(s).join(', ')],
  [
    'hex codes',
    (s) =>
      codes(s)
        .map((c) => `0x${c.toString(16)}`)
        .join(' '),
  ],
  [
    'spaced letters',
    (s) =>
      s
        .split(' ')
        .map((w) => [...w].join(' '))
        .join('   '),
  ],
  ['dashed letters', (s) => [...s.replace(/[^A-Za-z0-9]/g, '')].join('-')],
];
