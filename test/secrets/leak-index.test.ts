import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { LeakIndex, separatedHexStretch } from '../../src/secrets/leak-index.js';
import { encodedForms } from '../../src/secrets/encodings.js';

/** Every way the value may be written, produced independently of the index. */
export function allEncodings(value: string): Record<string, string> {
  const b = Buffer.from(value);
  return {
    raw: value,
    base64: b.toString('base64'),
    base64url: b.toString('base64url'),
    hex: b.toString('hex'),
    hexUpper: b.toString('hex').toUpperCase(),
    url: encodeURIComponent(value),
    json: JSON.stringify(value).slice(1, -1),
  };
}

describe('LeakIndex', () => {
  const secret = 'sk-test-Zx9!"/\\ qP4+v=a&b%c';

  it('finds the value in every encoded form, named by secret and encoding', () => {
    const idx = new LeakIndex();
    idx.register('OPENAI_API_KEY', secret);
    for (const [kind, form] of Object.entries(allEncodings(secret))) {
      const hits = idx.scan(`prefix ${form} suffix`);
      expect(hits.length, kind).toBeGreaterThan(0);
      expect(hits.every((h) => h.secretName === 'OPENAI_API_KEY')).toBe(true);
      expect(idx.redact(`prefix ${form} suffix`).text).toBe('prefix [REDACTED:OPENAI_API_KEY] suffix');
    }
  });

  it('finds the value inside a larger base64 blob at every alignment (Basic auth)', () => {
    const idx = new LeakIndex();
    idx.register('PW', 'correct-horse-battery');
    for (const user of ['u', 'us', 'use', 'user']) {
      const header = Buffer.from(`${user}:correct-horse-battery`).toString('base64');
      expect(idx.scan(`Authorization: Basic ${header}`).length, user).toBeGreaterThan(0);
    }
  });

  it('finds a JSON-escaped value inside a serialized JSON body inside a log line', () => {
    const idx = new LeakIndex();
    idx.register('K', secret);
    const line = JSON.stringify({ msg: JSON.stringify({ body: secret }) });
    expect(idx.scan(line).length).toBeGreaterThan(0);
  });

  it('does not flag unrelated text and skips values too short to index', () => {
    const idx = new LeakIndex();
    idx.register('K', randomBytes(24).toString('base64'));
    expect(idx.register('SHORT', 'abc')).toBe(false);
    expect(idx.scan('abc the quick brown fox jumps over the lazy dog 0123456789abcdef')).toEqual([]);
  });

  it('keeps old values of a name registered after the value changes', () => {
    const idx = new LeakIndex();
    idx.register('K', 'first-value-123');
    idx.register('K', 'second-value-456');
    expect(idx.scan('first-value-123').length).toBeGreaterThan(0);
    expect(idx.scan('second-value-456').length).toBeGreaterThan(0);
  });

  it('scales to many secrets in one pass', () => {
    const idx = new LeakIndex();
    const values = Array.from({ length: 300 }, (_, i) => `tok_${i}_${randomBytes(16).toString('hex')}`);
    values.forEach((v, i) => idx.register(`S${i}`, v));
    const text = `a ${values[7]} b ${Buffer.from(values[299] as string).toString('base64')} c`;
    const names = new Set(idx.scan(text).map((h) => h.secretName));
    expect(names).toEqual(new Set(['S7', 'S299']));
  });

  it('encodedForms never returns a form shorter than the minimum', () => {
    expect(encodedForms('abcdefgh').every((f) => f.text.length >= 6)).toBe(true);
  });
});

describe('LeakIndex: hex written in groups or as byte escapes', () => {
  const value = ['vlt', 'Q7f9', 'Kx2mZp', 'R4tW8yLb3N'].join('-');
  const hex = Buffer.from(value).toString('hex');
  const bytes = hex.match(/../g) ?? [];
  const groups = (n: number) => hex.match(new RegExp(`.{1,${n}}`, 'g')) ?? [];
  const forms: Array<[string, string]> = [
    ['xxd groups of 4', groups(4).join(' ')],
    ['upper-case groups of 4', groups(4).join(' ').toUpperCase()],
    ['groups of 8', groups(8).join(' ')],
    ['groups of 4 split by -', groups(4).join('-')],
    ['\\x escapes', bytes.map((b) => '\\x' + b).join('')],
    ['upper-case \\x escapes', bytes.map((b) => '\\x' + b.toUpperCase()).join('')],
    ['0x bytes, comma and space', bytes.map((b) => '0x' + b).join(', ')],
    ['0x bytes, comma', bytes.map((b) => '0x' + b).join(',')],
    ['0X bytes, space', bytes.map((b) => '0X' + b).join(' ')],
  ];

  it.each(forms)('%s: found and redacted', (_label, form) => {
    const idx = new LeakIndex();
    idx.register('VAULT', value);
    const text = `dump: ${form} (end)`;
    expect(separatedHexStretch(text, 24)).toBe(true);
    const hits = idx.scan(text);
    expect(hits.map((h) => h.encoding)).toContain('hex');
    const out = idx.redact(text).text;
    expect(out).toContain('[REDACTED:VAULT]');
    // No byte of the value survives past the first one (a prefix before the span may stay).
    for (const b of bytes.slice(1, -1)) expect(out.toLowerCase()).not.toContain(`x${b}`);
    expect(out.replace(/[^0-9a-fA-F]/g, '').toLowerCase()).not.toContain(hex.slice(2, 18));
  });

  it('a 0x not glued to a word is a prefix; inside a word it stays a digit', () => {
    const idx = new LeakIndex();
    idx.register('VAULT', value);
    expect(idx.scan(`a${bytes.map((b) => '0x' + b).join('')}`).length).toBe(0);
  });

  it('ordinary log lines do not pay the hex pass', () => {
    const line =
      JSON.stringify({
        level: 30,
        time: 1_700_000_000_123,
        pid: 4242,
        hostname: 'worker-7',
        traceId: '4bf92f3577b34da6',
        msg: 'GET /api/v1/orders?page=2 completed in 35 ms for tenant acme with 12 rows, cache warm, upstream inventory-service ok',
      }) + '\n';
    expect(line.length).toBeGreaterThanOrEqual(200);
    expect(separatedHexStretch(line, 24)).toBe(false);
    expect(separatedHexStretch('value 0x1f and 0x20, 0x7e, offset 0x400', 24)).toBe(false);
    expect(separatedHexStretch('path C:\\x\\y\\z', 24)).toBe(false);
  });
});
