import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scanOutput } from '../../src/guards/output-guard-scan.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { SECRET_FORMATS } from '../../src/text/patterns/secret-formats.js';
import { hostile } from './hostile-inputs.js';
import { CTX, makeGuard, streamAll, countingFormats, chunkBySizes } from './helpers.js';
import { AN, HEX, tok } from '../support/tokens.js';

const scan = (text: string) => scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] });

/**
 * Formats that end at a word boundary. The secret view decodes `%XX`, `\u00XX` and tag characters, so
 * one of those glued after the token becomes a letter glued to it in the view; the raw text still has
 * the boundary and must still be scanned.
 */
const FORMATS: Array<[string, string]> = [
  ['secret.sourcegraph_token', 'sgp_' + tok(HEX, 40, 1)],
  ['secret.sourcegraph_instance_token', 'sgp_' + tok(HEX, 16, 2) + '_' + tok(HEX, 40, 3)],
  ['secret.notion_token', 'ntn_' + tok('0123456789', 11, 4) + tok(AN, 35, 5)],
  ['secret.octopus_deploy_api_key', 'API-' + tok('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 26, 6)],
  ['secret.mailchimp_api_key', tok(HEX, 32, 7) + '-us14'],
  ['secret.huggingface_token', 'hf_' + tok(AN, 40, 8)],
  ['secret.gitlab_runner_registration', 'GR1348941' + tok(AN, 20, 9)],
  ['secret.hashicorp_vault_legacy_token', 's.' + tok(AN, 24, 10)],
  ['secret.cloudflare_origin_ca_key', 'v1.0-' + tok(HEX, 24, 11) + '-' + tok(HEX, 146, 12)],
  ['secret.intra42_client_secret', 's-s4t2ud-' + tok(HEX, 64, 13)],
  ['secret.twilio_api_key_sid', 'SK' + tok(HEX, 32, 14)],
];
const SUFFIXES: Array<[string, string]> = [
  ['%47', '%47'],
  ['%67%68', '%67%68'],
  ['\\u0047', '\\u0047'],
  ['tag G', '\u{E0047}'],
];
const CASES = FORMATS.flatMap(([id, key]) => SUFFIXES.map(([label, suffix]) => [id, label, key, suffix] as const));

describe('an encoded character glued after a token does not hide it', () => {
  it.each(FORMATS)('%s is found bare', (id, key) => {
    expect(scan(`here ${key} end`).findings.map((f) => f.patternId)).toContain(id);
  });

  it.each(CASES)('%s followed by %s', (id, _label, key, suffix) => {
    const text = `here ${key}${suffix} end`;
    const f = scan(text).findings.filter((x) => x.patternId === id);
    expect(f).toHaveLength(1);
    expect(text.slice(f[0]?.start, f[0]?.end)).toBe(key);
  });

  it.each(CASES.filter(([id]) => SECRET_FORMATS.find((d) => d.id === id)?.severity === 'critical'))(
    '%s followed by %s is redacted, streamed or whole',
    (_id, _label, key, suffix) => {
      const { guard } = makeGuard();
      const text = `here ${key}${suffix} end`;
      const whole = guard.scanText(text, CTX);
      const out = whole.ok ? whole.value.text : 'ERR';
      expect(out).not.toContain(key);
      expect(out).toContain('[REDACTED]');
      for (const n of [1, 3, 7, 64])
        expect(streamAll(guard, text.match(new RegExp(`[\\s\\S]{1,${n}}`, 'gu')) ?? [])).toBe(out);
    },
  );

  it('a match found on both the view and the raw text is one finding', () => {
    const key = 'ntn_' + tok('0123456789', 11, 4) + tok(AN, 35, 5);
    // `%20` makes the view differ from the raw text; the token itself reads the same in both.
    const r = scan(`a%20b ${key} end`);
    expect(r.findings.filter((f) => f.patternId === 'secret.notion_token')).toHaveLength(1);
    expect(r.matchSpans.filter(([s, e]) => e - s === key.length)).toHaveLength(1);
  });
});

describe('hostile input with an escape in it (formats scanned twice)', () => {
  it.each(['password=%41', 'aws AKIA%41', 'sgp_%41', 'API-%47'])(
    '%s repeated to 1 MB: bounded validation work',
    (unit) => {
      const text = hostile(unit, 1 << 20);
      const { formats, validated } = countingFormats();
      const r = scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [], formats });
      expect(r.findings.length).toBeLessThan((1 << 20) / 16);
      expect(validated()).toBeLessThan(32 * (1 << 20));
    },
    60_000,
  );
});

describe('streamed equals whole with escapes around tokens (property)', () => {
  it('any chunking', () => {
    const { guard } = makeGuard();
    const keys = FORMATS.map(([, k]) => k);
    const glue = fc.constantFrom('%47', '%4', '%', '\\u0047', '\\u00', '\u{E0047}', '%20', ' ', 'x', '_', '-', '\n');
    const doc = fc
      .array(fc.oneof(glue, fc.constantFrom(...keys), fc.constantFrom(' the ', ' token=', ' sgp_', ' API-')), {
        minLength: 1,
        maxLength: 30,
      })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(doc, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (text, sizes) => {
        const whole = guard.scanText(text, CTX);
        if (!whole.ok) return false;
        const chunks = chunkBySizes(text, sizes);
        expect(streamAll(guard, chunks)).toBe(whole.value.text);
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
