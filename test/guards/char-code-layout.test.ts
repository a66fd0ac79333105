/**
 * Character codes laid out as tools print them: one per indented line (`JSON.stringify(codes, null, 2)`), `xxd -i`
 * rows, zero-padded decimals. A line break and indentation between two codes do not end the run; the stream finds
 * what the whole text finds.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { CTX, VAULT_VALUE, chunkBySizes, makeGuard } from './helpers.js';

const codes = [...VAULT_VALUE].map((c) => c.charCodeAt(0));
/** A value whose codes are all below 100 (each zero-padded to three digits), and one that fits one `xxd -i` row. */
const UPPER = 'AB12-CD34-QR78-EF56';
const PIN = 'Zq8Lm2Xp9Rt4';

function streamed(text: string, sizes: readonly number[], value: string): string {
  let clock = 0;
  const { guard, leaks } = makeGuard({ stream: { latencyMs: 1, now: () => (clock += 5) } });
  leaks.register('K', value);
  const f = guard.outputFilter(CTX);
  let out = '';
  for (const c of chunkBySizes(text, sizes)) out += f.push(c);
  return out + f.flush();
}

describe('character codes over indented lines', () => {
  it.each([
    ['JSON.stringify(codes, null, 2)', JSON.stringify(codes, null, 2)],
    ['nested four deep', JSON.stringify({ a: { b: { c: codes } } }, null, 2)],
    // Six bytes before it: the value spans two rows of twelve.
    ['xxd -i', execFileSync('xxd', ['-i'], { input: `bytes:${PIN}` }).toString(), PIN],
    ['zero-padded decimals', [...UPPER].map((c) => String(c.charCodeAt(0)).padStart(3, '0')).join(' '), UPPER],
    ['zero-padded to five, CRLF', codes.map((c) => String(c).padStart(5, '0')).join(',\r\n    ')],
  ])('%s: found, and the stream agrees', (_label, written, value = VAULT_VALUE) => {
    const idx = new LeakIndex();
    idx.register('K', value);
    const text = `here:\n${written}\ndone`;
    expect(idx.scan(text).map((h) => h.encoding)).toContain('char-codes');
    const { guard, leaks } = makeGuard();
    leaks.register('K', value);
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.findings.length).toBeGreaterThan(0);
    if (!whole.ok) return;
    for (const sizes of [[3], [1, 9, 4]]) expect(streamed(text, sizes, value)).toBe(whole.value.text);
  });

  it('more than a line break and indentation between codes, or a word, ends the run', () => {
    const idx = new LeakIndex();
    idx.register('K', VAULT_VALUE);
    expect(idx.scan(codes.join(',\n' + ' '.repeat(12)))).toEqual([]);
    expect(idx.scan(codes.join(', and '))).toEqual([]);
    expect(idx.scan(codes.join(',,,,'))).toEqual([]);
  });
});
