/**
 * The canary prefilter only decides which tolerant patterns run, so it must never miss a form the patterns
 * accept: gaps of non-alphanumerics, case, look-alike digits, every form of a real canary; and on text
 * without a form it must let nothing run (that is the speed it exists for).
 */
import { describe, expect, it } from 'vitest';
import { canaryFor, canaryForms, findCanaries } from '../../src/guards/canary.js';
import { canaryKey, canaryPrefilter } from '../../src/guards/canary-prefilter.js';

const CANARY = canaryFor(Buffer.alloc(32, 9), 'prefilter-session');
const FORMS = canaryForms(CANARY);

/**
 * The form as a writer evading a literal match would put it, as far as the patterns allow: gaps, and for
 * case-folded forms flipped case, O for 0, l or I for 1 (base64 keeps its case and takes whitespace only).
 */
function mangle(text: string, seed: number, foldCase: boolean): string {
  const gaps = foldCase ? [' ', '-', '. ', ':\n', '', '_'] : [' ', '\n', '', '\r\n'];
  return [...text]
    .map((c, i) => {
      let out = c;
      if (!foldCase) out = c;
      else if (c === '0' && (seed + i) % 3 === 0) out = 'O';
      else if (c === '1' && (seed + i) % 3 === 0) out = (seed + i) % 2 ? 'l' : 'I';
      else if ((seed + i) % 4 === 1) out = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return out + (gaps[(seed * 7 + i) % gaps.length] as string);
    })
    .join('');
}

describe('canary prefilter', () => {
  it('keys a text to its ASCII letters and digits, lower-cased, with o as 0 and l, i as 1', () => {
    expect(canaryKey('C-T K_N: Oil 10, é!')).toBe('ctkn01110');
  });

  it('lets the matcher of every form run when that form is written with gaps, case and look-alikes', () => {
    const pre = canaryPrefilter(FORMS.map((f) => [f.text]));
    FORMS.forEach((f, i) => {
      for (const seed of [0, 1, 2, 5])
        expect(pre.live(`before ${mangle(f.text, seed, f.foldCase)} after`).has(i)).toBe(true);
    });
  });

  it('lets nothing run on prose without a form', () => {
    const pre = canaryPrefilter([...FORMS.map((f) => [f.text]), ['CTKN']]);
    expect(
      pre.live('The shipment left the warehouse on Tuesday; see https://example.org/docs?v=2.'.repeat(50)).size,
    ).toBe(0);
  });

  it('refuses a form with nothing to look for instead of matching everywhere', () => {
    expect(() => canaryPrefilter([['_-+/']])).toThrow(/no letters or digits/);
  });

  it('keeps the findings of the patterns: every form is still found through the prefilter', () => {
    // A half is no hit alone (see canary-halves.test.ts).
    for (const f of FORMS.filter((x) => x.encoding !== 'halves')) {
      const hits = findCanaries(`x ${mangle(f.text, 3, f.foldCase)} y`, FORMS);
      expect(hits.some((h) => h.ownSession)).toBe(true);
    }
    expect(findCanaries('plain prose with no marker at all', FORMS)).toEqual([]);
  });
});

describe('the last answer kept', () => {
  it('answers for each text asked, the same text twice or another one of the same length', () => {
    const pre = canaryPrefilter(FORMS.map((f) => [f.text]));
    const raw = FORMS.findIndex((f) => f.encoding === 'raw');
    const form = (FORMS[raw] as (typeof FORMS)[number]).text;
    const hit = `see ${form} here`;
    const miss = `see ${'x'.repeat(form.length)} here`;
    expect(pre.live(hit).has(raw)).toBe(true);
    expect(pre.live(hit).has(raw)).toBe(true);
    expect(pre.live(miss).size).toBe(0);
    expect(pre.live(hit).has(raw)).toBe(true);
  });
});
