/** visibleText: what every approval surface shows of untrusted text (Telegram, web UI, CLI). */
import { describe, expect, it } from 'vitest';
import { visibleText } from '../../src/text/index.js';

describe('visibleText', () => {
  it('escapes bidi controls, invisible format characters, C0/C1 controls and line separators', () => {
    const cases: Array<[string, string]> = [
      ['a\u202eb', 'a\\u202eb'],
      ['a\u2066b\u2069', 'a\\u2066b\\u2069'],
      ['a\u200fb', 'a\\u200fb'],
      ['a\u200bb\u2060c\ufeffd', 'a\\u200bb\\u2060c\\ufeffd'],
      ['a\u00adb', 'a\\u00adb'],
      ['a\u{e0041}\u{e007f}', 'a\\u{e0041}\\u{e007f}'],
      ['a\rb', 'a\\u000db'],
      ['\u001b[2Jx', '\\u001b[2Jx'],
      ['a\u0085b\u009bc', 'a\\u0085b\\u009bc'],
      ['a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ];
    for (const [input, shown] of cases) expect(visibleText(input)).toBe(shown);
  });

  it('keeps newlines, tabs and visible text of any script as they are', () => {
    const text = 'rm -rf build\n\tcat файл.txt — 文件 🙂 é';
    expect(visibleText(text)).toBe(text);
  });
});
