import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { CTX, VAULT_VALUE, makeGuard, streamAll } from './helpers.js';

const hex = Buffer.from(VAULT_VALUE).toString('hex');
const b64 = Buffer.from(VAULT_VALUE).toString('base64');

describe('known values in encodings the index does not hold as such', () => {
  it.each([
    ['url, every byte', [...Buffer.from(VAULT_VALUE)].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')],
    [
      'url, every byte, upper case',
      [...Buffer.from(VAULT_VALUE)].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
    ],
    ['\\u escapes', [...VAULT_VALUE].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('')],
    ['colon hex', (hex.match(/../g) ?? []).join(':')],
    ['spaced hex', (hex.match(/../g) ?? []).join(' ')],
    ['mixed-case hex', hex.replace(/[a-f]/, (c) => c.toUpperCase())],
    ['base64 wrapped over lines', b64.replace(/(.{8})/g, '$1\n')],
    ['base64 in CRLF-wrapped groups', b64.replace(/(.{12})(?=.)/g, '$1\r\n')],
  ])('%s is redacted, streamed or whole', (_name, encoded) => {
    const { guard } = makeGuard();
    const text = `Here: ${encoded} — done.`;
    const r = guard.scanText(text, CTX);
    expect(r.ok && r.value.findings.some((f) => f.patternId === 'leak.known_value')).toBe(true);
    expect(r.ok && r.value.text).toBe('Here: [REDACTED] — done.');
    expect(streamAll(guard, text.match(/[\s\S]{1,4}/g) ?? [])).toBe('Here: [REDACTED] — done.');
  });

  it('maps a hit in the rewritten copy back to the raw span, past the first checkpoint', () => {
    const leaks = new LeakIndex();
    leaks.register('K', VAULT_VALUE);
    const colon = (hex.match(/../g) ?? []).join(':');
    const text = `${'ab cd '.repeat(500)}x ${colon} y`;
    const hits = leaks.scan(text).filter((h) => h.encoding === 'hex');
    expect(hits).toHaveLength(1);
    expect(hits[0] && text.slice(hits[0].start, hits[0].end)).toBe(colon);
  });

  it('four separated pairs or a mixed-case run are enough for the hex pass; a lower-case trace id alone is not', () => {
    const leaks = new LeakIndex();
    leaks.register('K', VAULT_VALUE);
    const pairs = (hex.match(/../g) ?? []) as string[];
    expect(leaks.scan(`id=${'0123456789abcdef'.repeat(2)} ${pairs.join(': ')}`).map((h) => h.encoding)).toEqual([
      'hex',
    ]);
    expect(leaks.scan(`a ${pairs.join('-')}\n`)).toHaveLength(1);
    expect(leaks.scan(`x ${hex.toUpperCase().slice(0, 9)}${hex.slice(9)} y`)).toHaveLength(1);
  });

  it('does not report an encoding across runs or in prose', () => {
    const leaks = new LeakIndex();
    leaks.register('K', VAULT_VALUE);
    const half = hex.length / 2;
    // Each half's hex decodes to half the value, a leak of its own (windows); no hit spans the two runs.
    const split = `${hex.slice(0, half)} / ${hex.slice(half)}`;
    const hits = leaks.scan(split);
    expect(hits.every((h) => h.encoding === 'decoded+partial')).toBe(true);
    expect(hits.every((h) => h.end <= half || h.start >= half + 3)).toBe(true);
    expect(leaks.scan('The quick brown fox: a bad cafe, 12 beef dishes and dead beef.\n'.repeat(50))).toEqual([]);
    // The plain lower-case form is found once, not again by the second pass.
    expect(leaks.scan(`x ${hex} y`)).toHaveLength(1);
  });
});

describe('a vault value in a multi-line hex dump, through the output guard', () => {
  it('is redacted whole and streamed alike, printable column included', () => {
    const b = Buffer.from(`KEY=${VAULT_VALUE}${VAULT_VALUE}\n`);
    const lines: string[] = [];
    for (let o = 0; o < b.length; o += 16) {
      const line = b.subarray(o, o + 16);
      lines.push(
        `${o.toString(16).padStart(8, '0')}: ${(line.toString('hex').match(/.{1,4}/g) ?? []).join(' ').padEnd(39)}  ${[...line].map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('')}`,
      );
    }
    const text = `Dump:\n${lines.join('\n')}\nend`;
    const { guard } = makeGuard();
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.text).toBe('Dump:\n[REDACTED]\nend');
    expect(streamAll(guard, text.match(/[\s\S]{1,8}/g) ?? [])).toBe('Dump:\n[REDACTED]\nend');
  });
});
