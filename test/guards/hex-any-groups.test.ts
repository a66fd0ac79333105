/**
 * Hex written in groups of any size is a known value's hex: `xxd -g 8` (16-digit groups), groups of 6, fewer than
 * four groups. And what opens the hex pass is the stretch a hit stands in, not something elsewhere in the text, so a
 * stream finds what the whole text finds.
 */
import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { CTX, VAULT_VALUE, chunkBySizes, makeGuard } from './helpers.js';

const hex = Buffer.from(VAULT_VALUE).toString('hex');
const groups = (h: string, size: number) => (h.match(new RegExp(`.{1,${size}}`, 'g')) ?? []).join(' ');

describe('hex in groups of any size', () => {
  it.each([16, 6, 10, 32])('groups of %i digits', (size) => {
    const idx = new LeakIndex();
    idx.register('K', VAULT_VALUE);
    const text = `bytes: ${groups(hex, size)} (end)`;
    const r = idx.redact(text);
    expect(r.hits.map((h) => h.encoding)).toContain('hex');
    expect(r.text).toBe('bytes: [REDACTED:K] (end)');
  });

  it('a 12-character value in three groups of 8, and upper case split by dashes', () => {
    const idx = new LeakIndex();
    idx.register('PIN', 'Zq8Lm2Xp9Rt4');
    expect(idx.redact('pin 5a71384c 6d325870 39527434 ok').text).toBe('pin [REDACTED:PIN] ok');
    expect(idx.redact('pin 5A71384C6D32-587039527434 ok').text).toBe('pin [REDACTED:PIN] ok');
  });

  it('a hash or trace id alone, and grouped hex of something else, stay', () => {
    const idx = new LeakIndex();
    idx.register('K', VAULT_VALUE);
    const other = Buffer.from('nothing secret in these bytes').toString('hex');
    for (const text of [`commit ${'0123456789abcdef'.repeat(3)} ok`, groups(other, 16), groups(other, 6)])
      expect(idx.scan(text)).toEqual([]);
  });
});

describe('stream and whole text agree whatever else the text holds', () => {
  it('grouped hex of a value next to an unrelated MAC address: the stream holds it back and redacts it', () => {
    for (const size of [16, 6]) {
      const text = `Bytes: ${groups(hex, size)}. The device mac is aa:bb:cc:dd:ee:ff and that is all.`;
      const whole = makeGuard().guard.scanText(text, CTX);
      expect(whole.ok).toBe(true);
      if (!whole.ok) return;
      expect(whole.value.text).toContain('Bytes: [REDACTED]');
      for (const sizes of [[3], [1, 7, 2], [64]]) {
        let clock = 0;
        const g = makeGuard({ stream: { latencyMs: 1, now: () => (clock += 5) } }).guard;
        const f = g.outputFilter(CTX);
        let out = '';
        for (const c of chunkBySizes(text, sizes)) out += f.push(c);
        out += f.flush();
        expect(out, `groups of ${size}, chunks ${sizes.join(',')}`).toBe(whole.value.text);
      }
    }
  });
});
