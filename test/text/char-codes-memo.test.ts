/** charCodeView keeps its last view: asking again, for another text in between or for an equal copy, reads the same. */
import { describe, expect, it } from 'vitest';
import { charCodeView } from '../../src/text/char-codes.js';

const read = (text: string) => {
  const v = charCodeView(text);
  return v ? { text: v.text, raw: [...v.text].map((_, i) => v.toRaw(i, i + 1)) } : undefined;
};

describe('charCodeView reuse of the last view', () => {
  it('answers each text as a fresh call would, in any order of calls', () => {
    const a = 'codes: 115, 107, 45, 97, 110, 116 end';
    const b = 'then 99 116 107 110 95 49 here';
    const c = 'no codes at all';
    const first = { a: read(a), b: read(b), c: read(c) };
    expect(first.a?.text).toContain('sk-ant');
    expect(first.b?.text).toContain('ctkn_1');
    expect(first.c).toBeUndefined();
    for (const t of [a, a, b, c, b, a, c, c, a]) expect(read(t)).toEqual(first[t === a ? 'a' : t === b ? 'b' : 'c']);
    // An equal text built anew, and a text that differs in one character only.
    expect(read([...a].join(''))).toEqual(first.a);
    expect(read(a.replace('97', '98'))?.text).toContain('sk-bnt');
    expect(read(a)).toEqual(first.a);
  });
});
