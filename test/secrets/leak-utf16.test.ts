import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { decodedRunsViews } from '../../src/secrets/decoded-runs.js';

/**
 * A vault value in UTF-16 (PowerShell 5's `Out-File`, `.reg` exports) as tool output shows it: the bytes read one per
 * character (NULs between the letters), base64 or hex of the bytes, little- or big-endian.
 */
const VALUE = ['tl', 'mjwf', '9Qx7LmPz2KdR8sVb4NcY'].join('_');
const wide = Buffer.from(VALUE, 'utf16le');

function index(): LeakIndex {
  const li = new LeakIndex();
  li.register('DEPLOY_KEY', VALUE);
  return li;
}

const FORMS: ReadonlyArray<readonly [string, string]> = [
  ['bytes read one per character', wide.toString('latin1')],
  ['base64', wide.toString('base64')],
  ['hex', wide.toString('hex')],
  ['big-endian base64', Buffer.from(wide).swap16().toString('base64')],
  ['big-endian hex', Buffer.from(wide).swap16().toString('hex')],
];

describe('a vault value in UTF-16', () => {
  for (const [name, form] of FORMS)
    it(`${name}: found, and the hit covers the form`, () => {
      const text = `output: ${form} (end)`;
      const hits = index().scan(text);
      expect(hits.map((h) => h.secretName)).toContain('DEPLOY_KEY');
      const at = text.indexOf(form);
      const covered = hits.some((h) => h.start <= at + 4 && h.end >= at + form.length - 4);
      expect(covered, JSON.stringify(hits)).toBe(true);
    });

  it('big-endian: a value followed by a character past U+00FF keeps its last character', () => {
    // Short: no windows, so only the whole value can be found.
    const short = ['hunter', '2Xq9'].join('');
    const li = new LeakIndex();
    li.register('PIN', short);
    for (const next of ['\u2014', '\u4e2d'])
      for (const enc of ['base64', 'hex'] as const) {
        const be = Buffer.from(short + next, 'utf16le')
          .swap16()
          .toString(enc);
        expect(
          li.scan(`out ${be} end`).map((h) => h.secretName),
          `${enc} ${next}`,
        ).toEqual(['PIN']);
      }
  });

  it('other control characters between the characters (which a terminal shows as nothing) are read without them', () => {
    for (const sep of ['\x01', '\x1b', '\x7f', '\u0085']) {
      const text = `key: ${[...VALUE].join(sep)} (end)`;
      const hits = index().scan(text);
      expect(
        hits.map((h) => h.secretName),
        JSON.stringify(sep),
      ).toContain('DEPLOY_KEY');
      expect(hits.some((h) => h.start <= 6 && h.end >= text.indexOf(' (end)') - 1)).toBe(true);
    }
  });

  it('ordinary UTF-16 text and a few NULs find nothing', () => {
    const other = Buffer.from('The quarterly report is attached; nothing secret here.', 'utf16le');
    expect(index().scan(`a ${other.toString('base64')} b ${other.toString('latin1')} c`)).toEqual([]);
    expect(index().scan(`x\0y\0 ${VALUE.slice(0, 6)}`)).toEqual([]);
  });

  it('the UTF-16 stretches of decoded runs map back to the raw run', () => {
    const b64 = Buffer.from('hello there, world', 'utf16le').toString('base64');
    const text = `say ${b64} now`;
    const { wide: view } = decodedRunsViews(text, 4);
    expect(view?.text).toBe('hello there, world\0');
    const [s, e] = view?.toRaw(0, 18) ?? [0, 0];
    expect(s).toBe(text.indexOf(b64));
    expect(e).toBeGreaterThan(text.indexOf(b64) + b64.length - 8);
  });
});
