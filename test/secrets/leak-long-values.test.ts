/**
 * A vault value too long for a window at every position (over 64 windows: a PEM body, a long JWT or session cookie)
 * is held as windows at a stride; a hit of one grows over the text around it that still spells the value. The
 * property: such a value written out whole leaves no run of 12 of its characters readable. "Written out whole":
 * as it is or in any encoding the index holds, folded over lines (a line break and indentation), cut into pieces
 * joined by separators, or with one character changed, added or dropped — where no run of separators (the value's
 * own next to the ones added) is longer than GROW_SEPARATOR_RUN.
 * "Readable": 12 consecutive characters of what was written (separators between them dropped) in one stretch of the
 * output between two redactions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GROW_SEPARATOR_RUN } from '../../src/secrets/grow-back.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { base32Encode, rot13 } from '../../src/text/reversible.js';
import { stripSeparators } from '../../src/text/separated.js';
import { pieces, seededValue as seeded } from '../support/seeded-text.js';

const RUN = 12;

/** The first run of RUN characters of `written` (separators dropped, any case) readable in `out`, or undefined. */
function readableRun(out: string, written: string): string | undefined {
  const w = stripSeparators(written).toLowerCase();
  const stretches = out.split(/\[REDACTED:[^\]]*\]/).map((p) => stripSeparators(p).toLowerCase());
  for (let i = 0; i + RUN <= w.length; i++) {
    const run = w.slice(i, i + RUN);
    if (stretches.some((s) => s.includes(run))) return run;
  }
  return undefined;
}

function longestSeparatorRun(text: string): number {
  let run = 0;
  let longest = 0;
  for (let i = 0; i < text.length; i++) {
    run = stripSeparators(text.charAt(i)) === '' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

const ENCODINGS: ReadonlyArray<readonly [string, (v: string) => string]> = [
  ['raw', (v) => v],
  ['upper case', (v) => v.toUpperCase()],
  ['base64', (v) => Buffer.from(v).toString('base64')],
  [
    'base64 wrapped at 76',
    (v) =>
      (
        Buffer.from(v)
          .toString('base64')
          .match(/.{1,76}/g) ?? []
      ).join('\n'),
  ],
  ['base64url', (v) => Buffer.from(v).toString('base64url')],
  ['hex', (v) => Buffer.from(v).toString('hex')],
  ['url', (v) => encodeURIComponent(v)],
  ['json', (v) => JSON.stringify(v)],
  ['base32', (v) => base32Encode(Buffer.from(v))],
  ['reversed', (v) => [...v].reverse().join('')],
  ['rot13', (v) => rot13(v)],
];

const SEPARATORS = [' - ', ', ', '" + "', "' '", ' ', '\n', '\r\n', '\n    ', '\r\n\t\t', ' | ', '.'];
/** Separators a value may hold: the index drops them from its forms, and growing skips them. */
const EDIT_CHARS = 'Q9z#';

/** A way of writing the value out: the text, and what of it must not stay readable (the encoded form, or the value). */
type Writing = (v: string) => { text: string; of: string };

const writing: fc.Arbitrary<readonly [string, Writing]> = fc.oneof(
  fc
    .constantFrom(...ENCODINGS)
    .map(([label, encode]): readonly [string, Writing] => [label, (v) => ({ text: encode(v), of: encode(v) })]),
  fc
    .tuple(fc.integer({ min: 12, max: 120 }), fc.constantFrom('\n', '\r\n'), fc.integer({ min: 0, max: 12 }))
    .map(([n, br, indent]): readonly [string, Writing] => [
      `folded at ${n}, indent ${indent}`,
      (v) => ({ text: pieces(v, n).join(br + ' '.repeat(indent)), of: v }),
    ]),
  fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom(...SEPARATORS))
    .map(([n, sep]): readonly [string, Writing] => [
      `pieces of ${n} joined by ${JSON.stringify(sep)}`,
      (v) => ({ text: pieces(v, n).join(sep), of: v }),
    ]),
  fc
    .tuple(fc.constantFrom('changed', 'added', 'dropped'), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([edit, where]): readonly [string, Writing] => [
      `one character ${edit} at ${where.toFixed(3)}`,
      (v) => {
        const at = Math.min(v.length - 1, Math.floor(where * v.length));
        const other = [...EDIT_CHARS].find((c) => c !== v[at]) ?? '#';
        if (edit === 'changed') return { text: v.slice(0, at) + other + v.slice(at + 1), of: v };
        if (edit === 'added') return { text: v.slice(0, at) + other + v.slice(at), of: v };
        return { text: v.slice(0, at) + v.slice(at + 1), of: v };
      },
    ]),
);

/** Encodings a scan decodes before matching (character codes, decoded runs): a hit there grows in what it decodes. */
const DECODED: ReadonlyArray<readonly [string, (v: string) => string]> = [
  ['hex', (v) => Buffer.from(v).toString('hex')],
  ['base64', (v) => Buffer.from(v).toString('base64')],
  ['decimal codes', (v) => [...v].map((c) => c.charCodeAt(0)).join(', ')],
  ['\\x escapes', (v) => [...v].map((c) => `\\x${c.charCodeAt(0).toString(16)}`).join('')],
  ['percent codes', (v) => [...v].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')],
];

/** The value with one character changed (or added or dropped), then encoded: the encoded text must not stay readable. */
const editedThenEncoded: fc.Arbitrary<readonly [string, Writing]> = fc
  .tuple(
    fc.constantFrom(...DECODED),
    fc.constantFrom('changed', 'added', 'dropped'),
    fc.double({ min: 0, max: 1, noNaN: true }),
  )
  .map(([[label, encode], edit, where]): readonly [string, Writing] => [
    `${label} of the value with one character ${edit} at ${where.toFixed(3)}`,
    (v) => {
      const at = Math.min(v.length - 1, Math.floor(where * v.length));
      const other = [...EDIT_CHARS].find((c) => c !== v[at]) ?? '#';
      const edited =
        edit === 'changed'
          ? v.slice(0, at) + other + v.slice(at + 1)
          : edit === 'added'
            ? v.slice(0, at) + other + v.slice(at)
            : v.slice(0, at) + v.slice(at + 1);
      const text = encode(edited);
      return { text, of: text };
    },
  ]);

/**
 * High-entropy values of 781 (the shortest whose windows are taken at a stride over 12) to 1,600 characters, each
 * with its index: building the index of a long value is what costs (its forms are long), not scanning.
 */
const VALUES = [781, 900, 1200, 1200, 1600].map((n, i) => {
  const v = seeded(n, `value-${i}`);
  const index = new LeakIndex();
  index.register('SIGNING_KEY', v);
  return { v, index };
});

describe('a long vault value written out whole', () => {
  it('leaves no run of 12 of its characters readable, in any writing or encoding (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: VALUES.length - 1 }), writing, (i, [label, write]) => {
        const { v, index } = VALUES[i] as (typeof VALUES)[number];
        const written = write(v);
        fc.pre(longestSeparatorRun(written.text) <= GROW_SEPARATOR_RUN);
        const out = index.redact(`The key is ${written.text} -- keep it safe.`).text;
        expect(readableRun(out, written.of), label).toBeUndefined();
        expect(out.startsWith('The key is ')).toBe(true);
        expect(out.endsWith(' -- keep it safe.')).toBe(true);
      }),
      { seed: 1414, numRuns: 150 },
    );
  });

  it('leaves no run of 12 of its characters readable when edited, then encoded (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: VALUES.length - 1 }), editedThenEncoded, (i, [label, write]) => {
        const { v, index } = VALUES[i] as (typeof VALUES)[number];
        const written = write(v);
        const out = index.redact(`The key is ${written.text} -- keep it safe.`).text;
        expect(readableRun(out, written.of), label).toBeUndefined();
      }),
      { seed: 1414, numRuns: 25 },
    );
  });

  it('a value that repeats a piece: any stretch of it around the second copy is redacted (property)', () => {
    const piece = seeded(40, 'repeated');
    const base = seeded(2000, 'repeats');
    const v = base.slice(0, 300) + piece + base.slice(340, 1300) + piece + base.slice(1340);
    const index = new LeakIndex();
    index.register('SIGNING_KEY', v);
    fc.assert(
      fc.property(fc.integer({ min: 1240, max: 1300 }), fc.integer({ min: 1340, max: 1360 }), (from, to) => {
        const out = index.redact(`see: ${v.slice(from, to)} ok`).text;
        expect(readableRun(out, v.slice(from, to)), `[${from}, ${to})`).toBeUndefined();
      }),
      { seed: 1414, numRuns: 30 },
    );
  });

  it('a value with runs of its own separators: only the separators added count toward the bound (property)', () => {
    const v = (seeded(3000, 'own-runs').match(/.{1,30}/g) ?? []).join('+/-_');
    const index = new LeakIndex();
    index.register('SIGNING_KEY', v);
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 120 }),
        fc.constantFrom('\n', '\r\n', ' - '),
        fc.integer({ min: 0, max: 12 }),
        (n, br, indent) => {
          const sep = br + ' '.repeat(indent);
          fc.pre(sep.length <= GROW_SEPARATOR_RUN);
          const out = index.redact(`The key is ${pieces(v, n).join(sep)} -- keep it safe.`).text;
          expect(readableRun(out, v), `pieces of ${n} joined by ${JSON.stringify(sep)}`).toBeUndefined();
        },
      ),
      { seed: 1414, numRuns: 16 },
    );
  });

  it('a 1,200-character value folded at 64 (fold -w 64) is one redaction', () => {
    const v = seeded(1200, 'cookie');
    const index = new LeakIndex();
    index.register('SESSION_COOKIE', v);
    const folded = pieces(v, 64).join('\n');
    expect(index.redact(`cookie:\n${folded}\nend`).text).toBe('cookie:\n[REDACTED:SESSION_COOKIE]\nend');
  });

  it('a word the value does not continue is left alone on either side', () => {
    const v = seeded(900, 'words');
    const index = new LeakIndex();
    index.register('SESSION_COOKIE', v);
    const text = `before ${pieces(v, 70).join('\n')} after`;
    expect(index.redact(text).text).toBe('before [REDACTED:SESSION_COOKIE] after');
  });
});

describe('a value whose window holds only separators once they are dropped', () => {
  it('registers and is found: no endless search for where an empty window stands (a property test found it)', () => {
    // Astral characters are two code units each: a window of such a value can hold nothing but separators.
    const v = JSON.parse(
      '"/\\ud8f5\\udc88 \\n\\uda0a\\udd4aX\\ud9d8\\udf3b\\ud904\\udcd7\\uda2f\\udc87\'\\ud8a3\\udd30\\ud937\\udfe6\\uda3f\\udc20+\\udb8d\\udf46%\\nwg\\ud92a\\ude02\\udb11\\udcbd\\t=/"',
    ) as string;
    const index = new LeakIndex();
    expect(index.register('S', v)).toBe(true);
    expect(index.redact(`x ${v} y`).text).toBe('x [REDACTED:S] y');
  });
});
