/**
 * A vault value in UTF-16 (its bytes in base64 or hex, or read one per character with NULs between) streamed in
 * small chunks: each form is one run without whitespace, which the stream holds until it ends, so what it releases
 * equals the whole-text result and no piece of the form goes out. Not covered yet: the same forms wrapped over lines
 * (`xxd -p`'s 60 digits a line, `base64 -w`), which the whole-text scan reads only as plain-byte forms.
 */
import { describe, expect, it } from 'vitest';
import { CTX, VAULT_VALUE, chunkBySizes, makeGuard } from './helpers.js';

const wide = Buffer.from(VAULT_VALUE, 'utf16le');
const FORMS: ReadonlyArray<readonly [string, string]> = [
  ['base64', wide.toString('base64')],
  ['hex', wide.toString('hex')],
  ['big-endian base64', Buffer.from(wide).swap16().toString('base64')],
  ['bytes one per character', wide.toString('latin1')],
];

function streamed(text: string, sizes: readonly number[]): string {
  let clock = 0;
  const { guard, leaks } = makeGuard({ stream: { latencyMs: 1, now: () => (clock += 5) } });
  leaks.register('K', VAULT_VALUE);
  const f = guard.outputFilter(CTX);
  let out = '';
  for (const c of chunkBySizes(text, sizes)) out += f.push(c);
  return out + f.flush();
}

describe('a vault value in UTF-16, streamed', () => {
  it.each(FORMS)('%s: the stream releases what the whole text gives, and no piece of the form', (_name, form) => {
    const text = `Sure, here it is: ${form} and that is all.`;
    const { guard, leaks } = makeGuard();
    leaks.register('K', VAULT_VALUE);
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.findings.length).toBeGreaterThan(0);
    if (!whole.ok) return;
    for (const sizes of [[2], [5], [1, 7, 3]]) {
      const out = streamed(text, sizes);
      expect(out, `chunks ${sizes.join(',')}`).toBe(whole.value.text);
      expect(out).not.toContain(form.slice(0, 12));
    }
  });
});
