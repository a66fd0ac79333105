import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';

/**
 * Hex of a vault value as dump tools print it: groups of 2, 4 or 8 digits split by `, ` (a byte list printed as
 * hex), and little-endian 16-bit and 32-bit words as `od -x`, `od -X`, `xxd -e` and `hexdump` without `-C` print
 * them, on one line or over several dump lines, with the value starting at any byte of a word.
 */
const VALUE = ['q7Xk', '2ZpR4t', 'W8yLb3NvM9'].join('');

const index = () => {
  const i = new LeakIndex();
  i.register('DEPLOY_KEY', VALUE);
  return i;
};

const groups = (hex: string, size: number, sep: string) => (hex.match(new RegExp(`.{1,${size}}`, 'g')) ?? []).join(sep);

/** The words of `bytes` as a little-endian dump prints them, `size` bytes each (a short last word zero-padded). */
function words(bytes: Buffer, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    let w = '';
    for (let k = size - 1; k >= 0; k--) w += (bytes[i + k] ?? 0).toString(16).padStart(2, '0');
    out.push(w);
  }
  return out;
}

/** `od -A o -x`-style lines: an octal offset, then 16 bytes per line as words. */
function odDump(bytes: Buffer, size: number): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16)
    lines.push(`${at.toString(8).padStart(7, '0')} ${words(bytes.subarray(at, at + 16), size).join(' ')}`);
  return lines.join('\n');
}

describe('leak index: hex in groups and in little-endian words', () => {
  const hex = Buffer.from(VALUE).toString('hex');
  for (const size of [2, 4, 8])
    it(`groups of ${size} split by ", "`, () => {
      const text = `bytes: ${groups(hex, size, ', ')} (end)`;
      expect(
        index()
          .scan(text)
          .map((h) => h.secretName),
      ).toContain('DEPLOY_KEY');
    });

  for (const size of [2, 4])
    for (const lead of ['', 'a', 'ab', 'abc'])
      it(`${size * 8}-bit little-endian words, value after ${lead.length} other bytes, one line and a dump`, () => {
        const bytes = Buffer.from(`${lead}${VALUE}\n`);
        const line = `data: ${words(bytes, size).join(' ')}`;
        const dump = `$ od -x secret.txt\n${odDump(bytes, size)}\n${(bytes.length + 0).toString(8).padStart(7, '0')}\n`;
        for (const text of [line, dump]) {
          const hits = index().scan(text);
          expect(
            hits.map((h) => h.secretName),
            text,
          ).toContain('DEPLOY_KEY');
          expect(index().redact(text).text, text).toContain('[REDACTED:DEPLOY_KEY]');
        }
      });

  it('32-bit words as `xxd -e` prints them (offset with a colon, a text column) are a hit, redacted whole words', () => {
    const bytes = Buffer.from(`id=${VALUE};`);
    const lines: string[] = [];
    for (let at = 0; at < bytes.length; at += 16) {
      const chunk = bytes.subarray(at, at + 16);
      const text = [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      lines.push(`${at.toString(16).padStart(8, '0')}: ${words(chunk, 4).join(' ')}  ${text}`);
    }
    const dump = lines.join('\n');
    const hits = index().scan(dump);
    expect(hits.map((h) => [h.secretName, h.encoding])).toContainEqual(['DEPLOY_KEY', 'hex-words32']);
    const redacted = index().redact(dump).text;
    for (const w of words(Buffer.from(VALUE).subarray(4, 12), 4)) expect(redacted).not.toContain(w);
  });

  it('32-bit words of other bytes, and single 8-digit groups in prose, are not a hit', () => {
    const other = Buffer.from('The quick brown fox jumps over the lazy dog, twice over.');
    expect(index().scan(`data: ${words(other, 4).join(' ')}`)).toEqual([]);
    expect(index().scan('commit 3f2a9c1e and build deadbeef, then 0badc0de again')).toEqual([]);
  });

  it('prose with comma-separated numbers and a UUID is not a hit', () => {
    const text = 'Totals: 12, 34, 56, 78, 90; ids 3f2a, 9c1e, 44ab, 7d00; run 123e4567-e89b-12d3-a456-426614174000.';
    expect(index().scan(text)).toEqual([]);
  });
});
