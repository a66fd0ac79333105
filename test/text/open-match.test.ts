import { describe, expect, it } from 'vitest';
import { SECRET_FORMATS, secretScanner } from '../../src/text/index.js';
import { openMatcher } from '../../src/text/open-match.js';
import { HOSTILE_UNITS, hostile } from '../guards/hostile-inputs.js';

/**
 * The backward open-match pass against the forward reader run from one start at a time (exact for a single
 * start): the earliest start from which later text could still complete a match is the same.
 */
const formats = secretScanner(SECRET_FORMATS).formats.flatMap((f) => {
  const reader = openMatcher(f.def.regex, f.maxLength);
  return reader.spansWhitespace ? [{ id: f.def.id, reader, maxLength: f.maxLength }] : [];
});

const TEXTS = [
  'The order shipped on Tuesday. password = hunter2hunter2 and then',
  'config:\n  api_key: "sk-live-abcdefgh',
  'curl -u admin:s3cr3tpassw -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ',
  'x-api-key: 0123456789abcdef x-api-key: ',
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nabc',
  'PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPrivate-Lines: 2\nAAAA',
  '"type": "service_acc',
  'aws_secret_access_key = AKIAabcdefghijklmnopqrstuvwxyz0123',
  ...HOSTILE_UNITS.map((h) => hostile(h.unit, 240)),
];

/** Every start in [from, n] checked one by one with the forward reader. */
function oneByOne(reader: (typeof formats)[number]['reader'], text: string, from: number): number {
  for (let s = from; s < text.length; s++) if (reader.openFromForward(text, [s, s]) < text.length) return s;
  return text.length;
}

describe('open-match: the backward pass', () => {
  it('finds the earliest open start the forward reader finds start by start, for every format spanning whitespace', () => {
    expect(formats.length).toBeGreaterThan(3);
    for (const text of TEXTS) {
      for (const cut of [text.length, Math.floor(text.length * 0.7), Math.floor(text.length / 2)]) {
        const t = text.slice(0, cut);
        for (const { id, reader } of formats) {
          for (const from of [0, Math.floor(cut / 3)]) {
            const expected = oneByOne(reader, t, from);
            const got = reader.openFrom(t, [from, t.length]);
            expect({ id, t, from, got }).toEqual({ id, t, from, got: expected });
            expect(reader.openFromForward(t, [from, t.length])).toBeLessThanOrEqual(got);
          }
        }
      }
    }
  });

  it('reads only the given start ranges', () => {
    const reader = formats.find((f) => f.id === 'secret.generic_assignment')?.reader;
    expect(reader).toBeDefined();
    const text = 'a = 1; password = hunter2hunter2';
    const open = reader?.openFrom(text, [0, text.length]) ?? -1;
    expect(open).toBeLessThan(text.length);
    expect(reader?.openFrom(text, [open + 1, text.length])).toBeGreaterThan(open);
    expect(reader?.openFrom(text, [0, open - 1])).toBe(text.length);
  });
});
