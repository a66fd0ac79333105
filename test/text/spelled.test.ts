import { describe, expect, it } from 'vitest';
import { openSpelledTail, spelledView } from '../../src/text/spelled.js';
import { MAX_SEPARATOR_RUN, SEPARATOR_CHARS } from '../../src/text/separated.js';
import { seededText } from '../support/seeded-text.js';

/**
 * Spelled regions read from the text's pieces (runs of letters, of separators, anything else) rather than by the
 * walk: single letters joined by at most MAX_SEPARATOR_RUN separators. Whole: those of `min` letters or more, each
 * letter with its raw index, a NUL after each region. Open: the region still under way at the end.
 */
function reference(text: string, min: number, open: boolean): Array<[string, number]> | undefined {
  const pieces = [...text.matchAll(/[A-Za-z0-9]+|[^A-Za-z0-9]+/g)].map((m) => ({
    s: m[0],
    at: m.index,
    kind: /^[A-Za-z0-9]/.test(m[0]) ? 'letters' : [...m[0]].every((c) => SEPARATOR_CHARS.includes(c)) ? 'sep' : 'other',
  }));
  const regions: Array<Array<[string, number]>> = [];
  let cur: Array<[string, number]> = [];
  let openAtEnd = false;
  pieces.forEach((p, k) => {
    const last = k === pieces.length - 1;
    if (p.kind === 'letters' && p.s.length === 1) {
      cur.push([p.s, p.at]);
      openAtEnd = last;
    } else if (p.kind === 'sep' && cur.length > 0 && p.s.length <= MAX_SEPARATOR_RUN) {
      openAtEnd = last;
    } else {
      regions.push(cur);
      cur = [];
      openAtEnd = false;
    }
  });
  regions.push(cur);
  if (open) return openAtEnd && cur.length > 0 ? cur : undefined;
  const out: Array<[string, number]> = [];
  for (const r of regions.filter((x) => x.length >= min)) {
    out.push(...r);
    out.push(['\0', (r[r.length - 1] as [string, number])[1] + 1]);
  }
  return out.length > 0 ? out : undefined;
}

const read = (view: ReturnType<typeof spelledView>): Array<[string, number]> | undefined =>
  view && [...view.text].map((c, k) => [c, view.toRaw(k, k + 1)[0]]);

const ALPHABET = ['a', 'B', '7', 'xy', ' ', '-', '.', '  ', ' - ', '--------', '!', 'é'];

describe('spelled regions', () => {
  it('whole and open views match the regions read from the text pieces, a region reaching the end included (property)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const text = seededText(ALPHABET, seed, 10 + (seed % 60));
      for (const min of [1, 3, 12])
        expect(read(spelledView(text, min)), `${JSON.stringify(text)} ${min}`).toEqual(reference(text, min, false));
      expect(read(openSpelledTail(text, 0)), JSON.stringify(text)).toEqual(reference(text, 1, true));
    }
  });

  it('reads a megabyte of spelled hostile text as one region', () => {
    const text = 'a://a:'.repeat(1 << 16);
    expect(spelledView(text, 12)?.text.length).toBe((1 << 17) + 1);
    expect(openSpelledTail(text)?.text.length).toBe(1 << 17);
  });
});
