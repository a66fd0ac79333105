/** Hex dumps of a known value (xxd, hexdump -C, od) across several lines are found and redacted as whole lines. */
import { describe, expect, it } from 'vitest';
import { hexDumpView } from '../../src/secrets/hex-dump.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';

// Built at run time: a test value, not a credential.
const VALUE = ['sk', 'live', 'Qz8vK2mL9xP4rT7wY3nB6hJ1'].join('-');
const bytes = Buffer.from(`API_KEY=${VALUE}\nOTHER=1\n`);

/** `xxd` layout: offset, eight groups of two bytes, two spaces, the printable column. */
function xxd(b: Buffer): string {
  const out: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const line = b.subarray(o, o + 16);
    const groups = (line.toString('hex').match(/.{1,4}/g) ?? []).join(' ');
    out.push(
      `${o.toString(16).padStart(8, '0')}: ${groups.padEnd(39)}  ${[...line].map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('')}`,
    );
  }
  return out.join('\n');
}

/** `hexdump -C` layout: offset, sixteen single bytes with a gap after eight, the printable column in bars. */
function hexdumpC(b: Buffer): string {
  const out: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const line = [...b.subarray(o, o + 16)];
    const hex = line.map((c) => c.toString(16).padStart(2, '0'));
    out.push(
      `${o.toString(16).padStart(8, '0')}  ${hex.slice(0, 8).join(' ')}  ${hex.slice(8).join(' ')}  |${line.map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('')}|`,
    );
  }
  return out.join('\n');
}

describe('hex dumps of a known value', () => {
  const leaks = new LeakIndex();
  leaks.register('K', VALUE);

  it.each([
    ['xxd', xxd(bytes)],
    ['hexdump -C', hexdumpC(bytes)],
  ])('%s output is redacted as whole lines, printable column included', (_name, dump) => {
    const text = `Here is the dump:\n${dump}\ndone`;
    const r = leaks.redact(text);
    expect(r.hits.map((h) => h.encoding)).toContain('hex');
    expect(r.text).not.toContain('Qz8vK2mL');
    expect(r.text).not.toContain(Buffer.from('Qz8vK2mL').toString('hex').slice(0, 8));
    expect(r.text.startsWith('Here is the dump:\n[REDACTED:K]')).toBe(true);
    expect(r.text.endsWith('done')).toBe(true);
  });

  it('reads nothing into text that only looks like a dump line', () => {
    expect(hexDumpView('54980cd config: error messages\ndadbad3 Add a test\ne2852f5 layerStates: x\n')).toBeUndefined();
    expect(hexDumpView('a single line 00000000: 4142 4344')).toBeUndefined();
    expect(hexDumpView(`${xxd(Buffer.from('ab'))}\n`)).toBeUndefined(); // one dump line: the plain hex pass covers it
    expect(leaks.scan(`log\n${xxd(Buffer.from('nothing secret in these bytes at all, none'))}\n`)).toEqual([]);
  });
});

describe('xxd -p (plain hex wrapped at 60 digits)', () => {
  it('is found across its line breaks, and a single long hex line does not trigger the pass', async () => {
    const { separatedHexStretch } = await import('../../src/secrets/leak-index.js');
    const leaks = new LeakIndex();
    leaks.register('K', VALUE);
    const plain = (bytes.toString('hex').match(/.{1,60}/g) ?? []).join('\n');
    const r = leaks.redact(`dump:\n${plain}\nend`);
    expect(r.hits.map((h) => h.encoding)).toContain('hex');
    expect(r.text).not.toContain(Buffer.from('Qz8vK2mL').toString('hex'));
    expect(separatedHexStretch('{"traceId":"0123456789abcdef0123456789abcdef","msg":"ok"}\n', 24)).toBe(false);
  });
});
