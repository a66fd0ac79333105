/**
 * Property: whatever the secret (any Unicode, quotes, backslashes, control characters) and however a
 * log call embeds it (message, nested field, error, base64, hex, URL, JSON inside JSON), no line the
 * sanitized logger writes contains the secret or any of its encoded forms.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pino from 'pino';
import { createSanitizer, pinoOptions, sanitizedStream } from '../../src/logging/logger.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';

function forms(v: string): string[] {
  const b = Buffer.from(v);
  return [
    v,
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('hex'),
    encodeURIComponent(v),
    JSON.stringify(v).slice(1, -1),
  ];
}

describe('L09 property: a registered secret never survives into a log line', () => {
  it('holds for arbitrary secrets and embeddings', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(
            fc.constantFrom('"', '\\', '\n', '\t', '/', '+', '=', '%', ' ', 'é', '😀', '\u0000'),
            fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
            fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
          ),
          minLength: 8,
          maxLength: 40,
        }),
        fc.string({ maxLength: 20 }),
        fc.nat(5),
        (secret, noise, how) => {
          const leak = new LeakIndex();
          fc.pre(leak.register('S', secret));
          const lines: string[] = [];
          const log = pino(
            pinoOptions('info'),
            sanitizedStream({ write: (l: string) => void lines.push(l) }, createSanitizer(leak)),
          );
          const b = Buffer.from(secret);
          switch (how) {
            case 0:
              log.info(`${noise}${secret}${noise}`);
              break;
            case 1:
              log.info({ detail: { body: `${noise}${secret}` } }, 'nested');
              break;
            case 2:
              log.error(new Error(`failed: ${secret}`));
              break;
            case 3:
              log.info(`b64 ${b.toString('base64')} hex ${b.toString('hex')}`);
              break;
            case 4:
              log.info({ url: `https://x.example/?k=${encodeURIComponent(secret)}` }, 'url');
              break;
            default:
              log.info({ body: JSON.stringify({ inner: secret }) }, 'json in json');
          }
          const out = lines.join('');
          for (const f of forms(secret))
            if (f.length >= 6) expect(out.includes(f), `${how}: ${JSON.stringify(f)}`).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });
});
