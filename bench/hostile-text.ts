/**
 * Hostile inputs for the leak index (issue 14): text shaped to make every decoding pass run over all of it — a hex
 * dump, colon-separated hex, base64 wrapped at 76 columns, decimal character codes. Random bytes, so no form matches:
 * what is measured is the work of looking.
 */
import { randomBytes } from 'node:crypto';

function hexDump(b: Buffer): string {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const l = b.subarray(o, o + 16);
    const groups = (l.toString('hex').match(/.{1,4}/g) ?? []).join(' ').padEnd(39);
    const printable = [...l].map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');
    lines.push(`${o.toString(16).padStart(8, '0')}: ${groups}  ${printable}`);
  }
  return lines.join('\n');
}

/** [label, text of about `size` characters] for each hostile shape. */
export function hostileTexts(size: number): Array<[string, string]> {
  return [
    ['hex dump (`xxd`)', hexDump(randomBytes(Math.ceil(size / 4))).slice(0, size)],
    [
      'colon-separated hex',
      (
        randomBytes(Math.ceil(size / 3))
          .toString('hex')
          .match(/../g) ?? []
      )
        .join(':')
        .slice(0, size),
    ],
    [
      'base64 wrapped at 76',
      (
        randomBytes(size)
          .toString('base64')
          .match(/.{1,76}/g) ?? []
      )
        .join('\n')
        .slice(0, size),
    ],
    [
      'decimal character codes',
      [...randomBytes(Math.ceil(size / 3))]
        .map((b) => 32 + (b % 95))
        .join(', ')
        .slice(0, size),
    ],
  ];
}
