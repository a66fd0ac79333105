import { describe, expect, it } from 'vitest';
import {
  SECRET_FORMATS,
  looksLikePlaceholder,
  mixedCaseHex,
  shannonEntropy,
} from '../../src/text/patterns/secret-formats.js';
import { scanOutput } from '../../src/guards/output-guard-scan.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { AN, HEX, tok } from '../support/tokens.js';
import { linearTimeSafe } from '../support/safe-regex.js';

const findIds = (text: string) =>
  scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] }).findings.map((f) => f.patternId);

describe('secret formats', () => {
  it('has at least 15 families, unique ids, explicit severities', () => {
    const ids = SECRET_FORMATS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(15);
    for (const f of SECRET_FORMATS) {
      expect(f.family).toBe('secret_format');
      expect(['critical', 'warning']).toContain(f.severity);
      expect(f.regex.flags).not.toContain('g');
    }
  });

  it('every regex is linear-time safe (no nested quantifiers)', () => {
    for (const f of SECRET_FORMATS) expect(linearTimeSafe(f.regex), f.id).toBe(true);
  });

  it('survives hostile input (long runs of token characters) without a finding explosion', () => {
    const hostile = [
      'A'.repeat(200_000),
      'password='.repeat(20_000),
      'ghp_' + 'a'.repeat(100_000),
      '-----BEGIN PRIVATE KEY-----' + 'A'.repeat(50_000),
    ];
    for (const h of hostile) expect(() => findIds(h)).not.toThrow();
  });

  const cases: Array<[string, string]> = [
    ['secret.aws_access_key_id', 'AKIA' + tok('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 1)],
    ['secret.aws_secret_access_key', 'aws_secret_access_key = ' + tok(AN + '/+', 40, 2)],
    ['secret.github_token', 'ghp_' + tok(AN, 36, 3)],
    ['secret.github_fine_grained_pat', 'github_pat_' + tok(AN, 22, 4) + '_' + tok(AN, 59, 5)],
    ['secret.gitlab_token', 'glpat-' + tok(AN, 20, 6)],
    ['secret.slack_token', 'xoxb-' + tok('0123456789', 12, 7) + '-' + tok('0123456789', 13, 8) + '-' + tok(AN, 24, 9)],
    [
      'secret.slack_webhook_url',
      'https://hooks.slack.com/services/T' +
        tok('ABCDEFGHJK0123', 8, 10) +
        '/B' +
        tok('ABCDEFGHJK0123', 8, 11) +
        '/' +
        tok(AN, 24, 12),
    ],
    ['secret.stripe_secret_key', 'sk_live_' + tok(AN, 24, 13)],
    ['secret.openai_api_key', 'sk-' + tok(AN, 20, 14) + 'T3BlbkFJ' + tok(AN, 20, 15)],
    ['secret.anthropic_api_key', 'sk-ant-api03-' + tok(AN + '-_', 93, 16) + 'AA'],
    [
      'secret.jwt',
      Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url') +
        '.' +
        Buffer.from('{"sub":"1234567890"}').toString('base64url') +
        '.' +
        tok(AN, 43, 17),
    ],
    ['secret.http_authorization', 'Authorization: Bearer ' + tok(AN, 32, 18)],
    [
      'secret.private_key',
      '-----BEGIN OPENSSH PRIVATE KEY-----\n' +
        tok(AN + '+/', 64, 19) +
        '\n' +
        tok(AN + '+/', 64, 20) +
        '\n-----END OPENSSH PRIVATE KEY-----',
    ],
    ['secret.url_credentials', 'postgres://app:' + tok(AN, 16, 21) + '@db.internal:5432/prod'],
    ['secret.npm_token', 'npm_' + tok(AN, 36, 22)],
    ['secret.sendgrid_api_key', 'SG.' + tok(AN, 22, 23) + '.' + tok(AN, 43, 24)],
    ['secret.twilio_api_key_sid', 'SK' + tok(HEX, 32, 25)],
    ['secret.generic_assignment', 'client_secret = "' + tok(AN, 28, 26) + '"'],
    ['secret.generic_assignment', 'DB_PASSWORD=' + tok(AN + '!@#', 14, 27)],
    ['secret.mailchimp_api_key', tok(HEX, 32, 28) + '-us21'],
    ['secret.databricks_token', 'dapi' + tok(HEX, 32, 29)],
    [
      'secret.aws_bedrock_api_key',
      'ABSK' +
        Buffer.from('BedrockAPIKey-' + tok(AN, 12, 30) + '-at-123456789012:' + tok(AN + '+/', 60, 31)).toString(
          'base64',
        ),
    ],
  ];
  it.each(cases)('detects %s', (id, text) => {
    expect(findIds(`some text ${text} more text`)).toContain(id);
  });

  const negatives = [
    'AKIAIOSFODNN7EXAMPLE',
    'ghp_' + 'x'.repeat(36),
    'dapi123456789012345678a9bc01234defg5', // g is no hex digit: not a Databricks token shape
    'ABSKQmVkcm9ja0FQSUtleS1EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE=',
    'password = "${DB_PASSWORD}"',
    'api_key: <your api key>',
    'Authorization: Bearer $TOKEN',
    'postgres://user:password@localhost/db',
    'public_key = "' + tok(AN, 40, 30) + '"',
    'curl -u "$USER:$PASS" https://example.org',
    '-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----',
    'eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.' + tok(AN, 20, 31),
  ];
  it.each(negatives)('does not flag %s', (text) => {
    const critical = scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] }).findings.filter(
      (f) => f.severity === 'critical',
    );
    expect(critical.map((f) => f.patternId)).toEqual([]);
  });

  it('an Authorization value stops where a header glued after it begins: both values are found', () => {
    const a = tok(AN, 26, 60);
    const b = tok(AN, 26, 61);
    for (const glue of ['.', ':', '@', '~']) {
      const text = `Authorization: Bearer ${a}${glue}Authorization: Bearer ${b} the end`;
      const spans = scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] })
        .findings.filter((f) => f.patternId === 'secret.http_authorization')
        .map((f) => text.slice(f.start, f.end));
      expect(spans, glue).toEqual([a + glue, b]);
    }
    // Basic user:password keeps its colon.
    const basic = Buffer.from('admin:' + tok(AN, 16, 62)).toString('base64');
    const userPass = 'svc-user:' + tok(AN, 16, 63);
    for (const v of [basic, userPass]) {
      const text = `Authorization: ${v} and more`;
      const f = scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] }).findings;
      expect(f.map((x) => text.slice(x.start, x.end))).toContain(v);
    }
  });

  it('entropy and placeholder helpers behave', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(looksLikePlaceholder('xxxxxxxx')).toBe(true);
    expect(looksLikePlaceholder('${SECRET}')).toBe(true);
    expect(looksLikePlaceholder(tok(AN, 20, 40))).toBe(false);
    // Four x/X in mixed case happen in random tokens (~1 in 30,000): such a real key must still be redacted.
    expect(looksLikePlaceholder('Qm7xxXXk2Lp9')).toBe(false);
    expect(findIds('ghp_' + tok(AN, 16, 41) + 'xxXX' + tok(AN, 16, 42))).toContain('secret.github_token');
    expect(looksLikePlaceholder('ghp_xxxxxxxxxxxx')).toBe(true);
  });

  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwtWith = (payload: unknown) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.${tok(AN, 43, 50)}`;

  it('a JWT counts only when its payload carries a credential claim', () => {
    for (const payload of [
      { exp: 1893456000 },
      { iss: 'idp' },
      { user_id: 7 },
      { 'https://example.org/roles': ['a'] },
      { scope: 'read' },
    ]) {
      expect(findIds(`token ${jwtWith(payload)} end`), JSON.stringify(payload)).toContain('secret.jwt');
    }
    for (const payload of [{ confidence: 0.8 }, { colour: 'blue', n: 3 }, [1, 2]]) {
      expect(findIds(`token ${jwtWith(payload)} end`), JSON.stringify(payload)).not.toContain('secret.jwt');
    }
  });

  it('mixed-case hex is a stand-in in keyword context, single-case hex and base62 are not', () => {
    const lower = tok(HEX, 40, 51);
    expect(mixedCaseHex('0a1B2c3D4e5F6a7B8c9D0e1F2a3B4c5D6e7F8a9B')).toBe(true);
    expect(mixedCaseHex(lower)).toBe(false);
    expect(mixedCaseHex(lower.toUpperCase())).toBe(false);
    expect(mixedCaseHex(tok(AN, 40, 52))).toBe(false);
    expect(findIds(`service-api-key: ${lower}`)).toContain('secret.http_api_key_header');
    expect(findIds(`service_api_key = "${lower}"`)).toContain('secret.generic_assignment');
    expect(findIds(`service-api-key: 0a1B2c3D4e5F6a7B8c9D0e1F2a3B4c5D6e7F8a9B`)).toEqual([]);
    expect(findIds(`service_api_key = "0a1B2c3D4e5F6a7B8c9D0e1F2a3B4c5D6e7F8a9B"`)).toEqual([]);
  });
});
