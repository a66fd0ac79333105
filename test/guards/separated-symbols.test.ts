/**
 * Separated writing of a value that holds symbols (`&`, `!`, `$`, `#`, `@`, `=`, `?`), and of any value joined by
 * non-ASCII punctuation or symbols (`·`, `•`, `–`, `—`, `→`, an emoji): found whole and streamed alike.
 */
import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { CTX, VAULT_VALUE, chunkBySizes, makeGuard } from './helpers.js';

const PASSWORD = 'Tr0ub4dor&3xQ!zP9m$#@=?';

function streamed(text: string, sizes: readonly number[], name: string, value: string): string {
  let clock = 0;
  const { guard, leaks } = makeGuard({ stream: { latencyMs: 1, now: () => (clock += 5) } });
  leaks.register(name, value);
  const f = guard.outputFilter(CTX);
  let out = '';
  for (const c of chunkBySizes(text, sizes)) out += f.push(c);
  return out + f.flush();
}

describe('separated writing with symbols and non-ASCII separators', () => {
  it.each([
    ['password spelled with spaces', PASSWORD, [...PASSWORD].join(' ')],
    ['password in dashed fours', PASSWORD, (PASSWORD.match(/.{1,4}/g) ?? []).join('-')],
    ['joined by a middle dot', VAULT_VALUE, [...VAULT_VALUE].join('\u00b7')],
    ['joined by a bullet', VAULT_VALUE, [...VAULT_VALUE].join('\u2022')],
    ['joined by an en dash', VAULT_VALUE, [...VAULT_VALUE].join('\u2013')],
    ['joined by an em dash', VAULT_VALUE, [...VAULT_VALUE].join('\u2014')],
    ['joined by an arrow and spaces', VAULT_VALUE, [...VAULT_VALUE].join(' \u2192 ')],
    ['joined by an emoji', VAULT_VALUE, [...VAULT_VALUE].join('\u{1f511}')],
  ])('%s', (_label, value, written) => {
    const idx = new LeakIndex();
    idx.register('K', value);
    const text = `the value is ${written} as asked`;
    expect(idx.redact(text).text).toBe('the value is [REDACTED:K] as asked');
    const { guard, leaks } = makeGuard();
    leaks.register('K', value);
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.text).toBe('the value is [REDACTED] as asked');
    for (const sizes of [[3], [1, 6, 2]])
      expect(streamed(text, sizes, 'K', value)).toBe('the value is [REDACTED] as asked');
  });

  it('prose with symbols and dashes does not match', () => {
    const idx = new LeakIndex();
    idx.register('K', PASSWORD);
    idx.register('V', VAULT_VALUE);
    for (const text of [
      'Is it ready? Yes! Pay $5 & go — now → later · done • ok',
      'a = b && c != d; x ? y : z @ home #1',
      // Eight characters of it: under the 12-character window.
      [...'Tr0ub4do'].join(' '),
    ])
      expect(idx.scan(text)).toEqual([]);
  });
});
