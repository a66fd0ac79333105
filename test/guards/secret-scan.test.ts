import { describe, expect, it } from 'vitest';
import { SECRET_FORMATS } from '../../src/text/patterns/secret-formats.js';
import { compileFormats, forEachFormatMatch, ValidationMemo } from '../../src/text/patterns/format-matches.js';
import { secretScanner } from '../../src/text/secret-scan.js';
import { regexReach } from '../../src/text/regex-reach.js';
import { sampleRegex } from '../support/regex-sample.js';
import { HOSTILE_UNITS, hostile } from './hostile-inputs.js';
import { AN, tok } from '../support/tokens.js';
import { lcg } from '../support/seeded-text.js';

/** Every valid match, format by format, from running each regex over the whole text. */
function reference(text: string): string[] {
  const out: string[] = [];
  for (const f of compileFormats(SECRET_FORMATS))
    forEachFormatMatch(f, text, (m) => {
      if (m.valid) out.push(`${f.def.id}@${m.start}-${m.end}/${m.secretStart}-${m.secretEnd}`);
    });
  return out.sort();
}

function onePass(text: string): string[] {
  const out: string[] = [];
  secretScanner(SECRET_FORMATS).forEachMatch(text, (f, m) => {
    if (m.valid) out.push(`${f.def.id}@${m.start}-${m.end}/${m.secretStart}-${m.secretEnd}`);
  });
  return out.sort();
}

const GLUE = [' ', '\n', '=', ': ', '"', '/', '+', '_', '-', '.', 'x', '\\n', "='", ' Bearer '];

/** Text made of format samples, their literals, glue and random runs: matches start, end and overlap anywhere. */
function mixedText(seed: number): string {
  const rnd = lcg(seed);
  let text = '';
  for (let k = 0; k < 24; k++) {
    const f = SECRET_FORMATS[rnd(SECRET_FORMATS.length)] ?? SECRET_FORMATS[0];
    const kind = rnd(5);
    if (kind === 0 && f) text += sampleRegex(f.regex, rnd(100000));
    else if (kind === 1 && f) text += f.literals?.[rnd(f.literals.length)] ?? '';
    else if (kind === 2) text += tok(AN, 1 + rnd(60), rnd(100000));
    else if (kind === 3) text += ['password', 'api_key', 'Authorization', 'token', 'secret', 'https://u:'][rnd(6)];
    text += GLUE[rnd(GLUE.length)];
  }
  return text;
}

describe('one-pass secret scan', () => {
  it('every format of the library has literals and a finite longest match', () => {
    for (const f of compileFormats(SECRET_FORMATS)) {
      expect(f.def.literals?.length ?? 0, f.def.id).toBeGreaterThan(0);
      expect(Number.isFinite(f.maxLength), f.def.id).toBe(true);
    }
  });

  it('every sample of a format contains one of its literals', () => {
    for (const f of SECRET_FORMATS) {
      const lits = (f.literals ?? []).map((l) => (f.literalCase === 'sensitive' ? l : l.toLowerCase()));
      for (let s = 0; s < 5; s++) {
        const m = f.regex.exec(sampleRegex(f.regex, s));
        // Only matches that count: some formats leave their key word to validate (an assignment's name).
        if (!m || (f.validate && !f.validate(m[0]))) continue;
        const seen = f.literalCase === 'sensitive' ? m[0] : m[0].toLowerCase();
        expect(
          lits.some((l) => seen.includes(l)),
          `${f.id}: ${m[0].slice(0, 40)}`,
        ).toBe(true);
      }
    }
  });

  it('finds exactly what running every regex over the whole text finds (property over mixed texts)', () => {
    let found = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const text = mixedText(seed);
      const got = onePass(text);
      expect(got, `seed ${seed}`).toEqual(reference(text));
      found += got.length;
    }
    expect(found).toBeGreaterThan(1000);
  });

  it('finds the same on hostile repetitions, with a sample glued to them or set apart (prefix hits ruled out by the character before, windows widened without their after-literal check)', () => {
    let found = 0;
    for (const [i, h] of HOSTILE_UNITS.entries()) {
      for (const [k, f] of SECRET_FORMATS.entries()) {
        if ((k + i) % 9 !== 0) continue;
        const sample = sampleRegex(f.regex, k * 31 + i);
        for (const glue of ['', ' ', '\n', '=']) {
          const text = `${hostile(h.unit, 600)}${glue}${sample}${glue}${hostile(h.unit, 300)}`;
          const got = onePass(text);
          expect(got, `${h.name} + ${f.id} glued by ${JSON.stringify(glue)}`).toEqual(reference(text));
          found += got.length;
        }
      }
    }
    expect(found).toBeGreaterThan(100);
  });

  it('a stream run ending in a literal cut short is held from there, for every prefix format', () => {
    const scanner = secretScanner(SECRET_FORMATS);
    const whitespaceFree = (f: (typeof SECRET_FORMATS)[number]) => !/\\s|\[[^\]]*[ \t]/.test(f.regex.source);
    for (const f of SECRET_FORMATS.filter((x) => x.reachBefore === 0 && whitespaceFree(x))) {
      for (const lit of (f.literals ?? []).filter((l) => !/\s/.test(l))) {
        for (let k = 1; k < lit.length; k++) {
          const text = `see ${lit.slice(0, k)}`;
          expect(scanner.openSecretFrom(text, 4), `${f.id} ${text}`).toBeLessThanOrEqual(4);
        }
      }
    }
    // A run that begins no literal holds nothing.
    expect(scanner.openSecretFrom('see ;;;', 4)).toBe(7);
  });

  it('reports a rejected match only where it reaches the end of the text (prefix formats, windows and whole-text runs)', () => {
    const scanner = secretScanner(SECRET_FORMATS);
    const rejected = (text: string) => {
      const out: string[] = [];
      scanner.forEachMatch(text, (f, m) => {
        if (!m.valid) out.push(`${f.def.id}@${m.start}-${m.end}`);
      });
      return out;
    };
    const placeholderToken = 'ghp_' + 'a'.repeat(36);
    expect(rejected(`${placeholderToken} x`)).toEqual([]);
    expect(rejected(`x ${placeholderToken}`)).toEqual([`secret.github_token@2-42`]);
    expect(rejected('password=xxxxxxxxxxxx and more')).toEqual([]);
    expect(rejected('and more password=xxxxxxxxxxxx')).toEqual(['secret.generic_assignment@8-30']);
    const whole = compileFormats(SECRET_FORMATS).find((f) => f.def.id === 'secret.generic_assignment');
    const seen: boolean[] = [];
    if (whole) forEachFormatMatch(whole, 'password=xxxxxxxxxxxx; password=xxxxxxxxxxxx', (m) => seen.push(m.valid));
    expect(seen).toEqual([false]);
  });

  it('validation memo answers a repeated candidate read in place without asking the validator again', () => {
    const memo = new ValidationMemo();
    const asked: string[] = [];
    const validate = (m: string) => {
      asked.push(m);
      return m.endsWith('1');
    };
    const text = 'ab1ab1ab2ab1';
    const verdicts = [0, 3, 6, 9].map((s) => memo.verdictAt(validate, text, s, s + 3));
    expect(verdicts).toEqual([true, true, false, true]);
    expect(asked).toEqual(['ab1', 'ab2']);
  });

  it('reads the longest match from the regex', () => {
    expect(regexReach(/ab{2,5}(?:cd|e)?\b(?=x)/)).toEqual({ min: 3, max: 8 });
    expect(regexReach(/[a-z]{3}|x{1,10}/)).toEqual({ min: 1, max: 10 });
    expect(regexReach(/a+/).max).toBe(Infinity);
    expect(() => regexReach(/(a)\1/)).toThrow(/back-references/);
  });
});
