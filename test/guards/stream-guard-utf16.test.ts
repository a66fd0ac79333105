import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { createOutputGuard } from '../../src/guards/output-guard.js';
import { CANARY_SECRET, CTX, SYSTEM_PROMPT, chunkBySizes } from './helpers.js';

/**
 * A vault value in UTF-16 read a byte at a time (NULs between its characters), streamed: the whole-text guard reads the
 * text without its NULs, and the stream must release exactly what it gives. A passphrase holds spaces, so its first
 * words end before the value does; the stream held only the run under way and let them go.
 */
function guardWith(name: string, value: string) {
  const leaks = new LeakIndex();
  leaks.register(name, value);
  let clock = 0;
  return createOutputGuard({
    leakScanner: leaks,
    canarySecret: CANARY_SECRET,
    systemPromptFor: (a) => (a === 'atlas' ? SYSTEM_PROMPT : undefined),
    bus: new EventBus(),
    // Every push is scanned (the clock moves on at each reading).
    stream: { latencyMs: 1, now: () => (clock += 5) },
  });
}

function streamed(guard: ReturnType<typeof guardWith>, text: string, sizes: readonly number[]): string {
  const f = guard.outputFilter(CTX);
  let out = '';
  for (const c of chunkBySizes(text, sizes)) out += f.push(c);
  return out + f.flush();
}

const wide = (s: string) => Buffer.from(s, 'utf16le').toString('latin1');
const PASSPHRASE = ['correct', 'horse', 'battery', 'staple', '42'].join(' ');

describe('stream guard with a vault value in UTF-16 read a byte at a time', () => {
  for (const [name, value] of [
    ['a passphrase (spaces inside the value)', PASSPHRASE],
    ['a value of six characters (six NULs)', ['Zq8', 'vPw'].join('')],
  ] as const)
    it(`${name}: the stream releases what the whole-text guard does, none of the value`, () => {
      const guard = guardWith('PASS', value);
      const text = `The file holds: ${wide(value)} and nothing more.`;
      const whole = guard.scanText(text, CTX);
      if (!whole.ok) throw new Error(whole.error.message);
      expect(whole.value.text).not.toContain(wide(value).slice(0, 6));
      for (const sizes of [[1], [2, 3], [7], [64]]) {
        const out = streamed(guard, text, sizes);
        expect(out, JSON.stringify(sizes)).toBe(whole.value.text);
      }
    });

  it('a passphrase with another control character between its characters: as the whole-text guard', () => {
    const guard = guardWith('PASS', PASSPHRASE);
    const text = `The file holds: ${[...PASSPHRASE].join('\x01')} and nothing more.`;
    const whole = guard.scanText(text, CTX);
    if (!whole.ok) throw new Error(whole.error.message);
    expect(whole.value.text).not.toContain('c\x01o\x01r');
    for (const sizes of [[1], [5], [64]])
      expect(streamed(guard, text, sizes), JSON.stringify(sizes)).toBe(whole.value.text);
  });

  it('NULs elsewhere in the response do not change what a later stretch of the stream finds', () => {
    const value = ['hunter', '7', 'Xq'].join('');
    const guard = guardWith('PASS', value);
    // One NUL inside the value; eight more long before it (released by the time the value arrives).
    const text = `${'\0'.repeat(8)} ${'lorem ipsum dolor '.repeat(20)}the key is ${value.slice(0, 5)}\0${value.slice(5)} ok`;
    const whole = guard.scanText(text, CTX);
    if (!whole.ok) throw new Error(whole.error.message);
    expect(whole.value.text).not.toContain(value.slice(0, 5));
    expect(streamed(guard, text, [3])).toBe(whole.value.text);
  });
});
