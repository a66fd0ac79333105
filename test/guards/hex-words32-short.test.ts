/**
 * `xxd -e` of a value whose length is no multiple of four: its last word is printed short and right-aligned
 * (`    3272`), and the text column breaks every line's hex, so the word view has a gate of its own.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { CTX, chunkBySizes, makeGuard } from './helpers.js';

const xxdE = (s: string) => execFileSync('xxd', ['-e'], { input: s }).toString();

describe('xxd -e with a short last word', () => {
  it.each([
    'passwordpasswordhunter2hunter2',
    'passwordpasswordhunter2hunter',
    'passwordpasswordhunter2hunte',
    'Zq8Lm2Xp9Rt4Wv',
  ])('%s', (value) => {
    const idx = new LeakIndex();
    idx.register('P', value);
    const text = `dump:\n${xxdE(value)}done`;
    const hits = idx.scan(text);
    expect(hits.map((h) => h.encoding)).toContain('hex-words32');
    const { guard, leaks } = makeGuard();
    leaks.register('P', value);
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.findings.length).toBeGreaterThan(0);
    if (!whole.ok) return;
    // The redaction covers the hex words, not the text column after the short word.
    const hexPart = text
      .split('\n')
      .map((l) => l.slice(10, 45))
      .join('');
    for (const word of hexPart.match(/[0-9a-f]{4,8}/g) ?? []) expect(whole.value.text).not.toContain(word);
    let clock = 0;
    const s = makeGuard({ stream: { latencyMs: 1, now: () => (clock += 5) } });
    s.leaks.register('P', value);
    const f = s.guard.outputFilter(CTX);
    let out = '';
    for (const c of chunkBySizes(text, [5, 2])) out += f.push(c);
    expect(out + f.flush()).toBe(whole.value.text);
  });

  it('a short token after a dump line that is no right-aligned word is not read as one', () => {
    const idx = new LeakIndex();
    idx.register('P', 'passwordpasswordhunter2hunter2');
    expect(idx.scan('73736170 64726f77 73736170 64726f77 746e7568 68327265 65746e75 3272')).toEqual([]);
  });
});
