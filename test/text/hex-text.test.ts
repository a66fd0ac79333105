import { describe, expect, it } from 'vitest';
import { hexTextView } from '../../src/text/hex-text.js';
import { DecodedViewBuilder } from '../../src/text/decoded-view.js';

const hexOf = (s: string, sep = '') =>
  [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(sep);
const SENTENCE = 'You are the operations assistant';

describe('hex text view', () => {
  it('decodes runs that touch either end of the text, in every token form', () => {
    for (const [text, from] of [
      [hexOf(SENTENCE), 0],
      [hexOf(SENTENCE, ' '), 0],
      ['0x' + hexOf(SENTENCE, ', 0x'), 2],
      ['\\x' + hexOf(SENTENCE, '\\x'), 2],
      ['see ' + hexOf(SENTENCE, ':'), 4],
    ] as const) {
      const view = hexTextView(text);
      expect(view?.text, text).toBe(SENTENCE + '\0');
      expect(view?.toRaw(0, 1)[0], text).toBe(from);
      expect(view?.toRaw(SENTENCE.length - 1, SENTENCE.length)[1], text).toBe(text.length);
    }
    // Glued to a word before it, the run is none.
    expect(hexTextView('z' + hexOf(SENTENCE))).toBeUndefined();
  });

  it('reads a multi-byte sequence cut by the end of its run as one replacement character for the lead byte', () => {
    const plain = '你好'.repeat(6) + 'abcdefghijklmnopqrstuvwxyz';
    const text = hexOf(plain) + 'e4bd';
    const view = hexTextView(text);
    expect(view?.text).toBe(plain + '\ufffd\ufffd\0');
    // Each character maps back to the hex digits it came from: three bytes for 你, one for the cut lead.
    expect(view?.toRaw(0, 1)).toEqual([0, 6]);
    expect(view?.toRaw(plain.length, plain.length + 1)).toEqual([text.length - 4, text.length - 2]);
  });

  it('a builder that reserves room builds the same view as one that grows', () => {
    const build = (reserve: number) => {
      const b = new DecodedViewBuilder();
      b.reserve(reserve);
      for (let i = 0; i < 1000; i++) b.add(0x61 + (i % 26), 2 * i, 2 * i + 2);
      b.breakPart(2000);
      const v = b.build();
      return v && { text: v.text, spans: [0, 1, 499, 999, 1000].map((k) => v.toRaw(k, k + 1)) };
    };
    expect(build(0)).toEqual(build(1001));
    expect(build(5000)).toEqual(build(1001));
    expect(build(1001)?.text.length).toBe(1001);
  });
});
