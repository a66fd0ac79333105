import { describe, expect, it } from 'vitest';
import { withoutCaptures } from '../../src/text/without-captures.js';
import { SECRET_FORMATS } from '../../src/text/patterns/secret-formats.js';
import { HOSTILE_UNITS, hostile } from '../guards/hostile-inputs.js';
import { sampleFamily } from '../support/vendor-samples.js';

/** Every match of `re` (global) in `text` as [index, text], retried one character after each. */
function matches(re: RegExp, text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push([m.index, m[0]]);
    re.lastIndex = m.index + 1;
  }
  return out;
}

describe('withoutCaptures', () => {
  it('makes capturing and named groups non-capturing, and leaves escapes, classes and look-arounds alone', () => {
    expect(withoutCaptures('(a)(?<name>b)(?:c)')).toBe('(?:a)(?:b)(?:c)');
    expect(withoutCaptures('\\((?<=x)(?<!y)[(](?=z)(?!w)')).toBe('\\((?<=x)(?<!y)[(](?=z)(?!w)');
    expect(withoutCaptures('[\\]((]+(x)')).toBe('[\\]((]+(?:x)');
    // A back-reference needs its group: the source is kept as it is.
    expect(withoutCaptures('(a)\\1')).toBe('(a)\\1');
    expect(withoutCaptures('(?<q>["\'])x\\k<q>')).toBe('(?<q>["\'])x\\k<q>');
  });

  it('every secret format matches exactly the same text without its captures, and captures nothing', () => {
    const texts = [
      ...HOSTILE_UNITS.map((h) => hostile(h.unit, 1000)),
      ...SECRET_FORMATS.flatMap((f) =>
        [1, 2].map((seed) => `see ${sampleFamily(f, seed)} and (${sampleFamily(f, seed + 7)})`),
      ),
    ];
    for (const f of SECRET_FORMATS) {
      const flags = f.regex.flags.replace(/[gyd]/g, '') + 'g';
      const original = new RegExp(f.regex.source, flags);
      const stripped = new RegExp(withoutCaptures(f.regex.source), flags);
      expect(new RegExp(`${stripped.source}|`).exec('')?.length, f.id).toBe(1);
      for (const t of texts) expect(matches(stripped, t), f.id).toEqual(matches(original, t));
    }
  });
});
