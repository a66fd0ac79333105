import { describe, expect, it } from 'vitest';
import { scanOutput } from '../../src/guards/output-guard-scan.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { HOSTILE_UNITS, hostile } from './hostile-inputs.js';
import { CTX, makeGuard, streamAll, countingFormats } from './helpers.js';
import { AN, B32, tok } from '../support/tokens.js';

const MB = 1 << 20;
const findIds = (text: string) =>
  scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] }).findings.map((f) => f.patternId);

describe('hostile repetitions of a format prefix, 1 MB each', () => {
  it.each(HOSTILE_UNITS.map((h) => [h.name, h.unit] as const))(
    '%s: finishes, bounded findings and bounded validation work',
    (_name, unit) => {
      const text = hostile(unit, MB);
      const { formats, validated } = countingFormats();
      const r = scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [], formats });
      expect(r.findings.length).toBeLessThan(MB / 16);
      // Before: a repeated PEM header handed ~16 KiB to validate every 27 characters (600× the input).
      expect(validated()).toBeLessThan(16 * MB);
    },
    60_000,
  );
});

describe('streamed hostile repetitions equal the whole-text result', () => {
  const { guard } = makeGuard();
  // Left out: `Authorization: Bearer ` repeated pairs each header with the next one's name as its value, and
  // the pairing's phase depends on context further back than the stream keeps (seen before these changes).
  const units = HOSTILE_UNITS.filter((h) => h.name !== 'authorization bearer');
  it.each(units.map((h) => [h.name, h.unit] as const))(
    '%s (64 KiB in 64-character chunks)',
    (_name, unit) => {
      const text = hostile(unit, 64 * 1024);
      const whole = guard.scanText(text, CTX);
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += 64) chunks.push(text.slice(i, i + 64));
      expect(streamAll(guard, chunks)).toBe(whole.ok && whole.value.text);
    },
    60_000,
  );
});

describe('private key body stops at a run of hyphens', () => {
  const body = tok(AN + '+/', 64, 19) + '\n' + tok(AN + '+/', 64, 20) + '\n';
  it('a key is matched up to its END line and no further', () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}-----END OPENSSH PRIVATE KEY-----`;
    const r = scanOutput(`here: ${key}\nand then some words follow.`, {
      leakScanner: EMPTY_LEAK_SCANNER,
      canaryForms: [],
    });
    const f = r.findings.find((x) => x.patternId === 'secret.private_key');
    expect(f).toBeDefined();
    expect(`here: ${key}\nand then some words follow.`.slice(f?.start, f?.end)).toBe(key);
  });

  it('a real key after many failed BEGIN lines is still found', () => {
    const decoys = '-----BEGIN PRIVATE KEY-----'.repeat(2000);
    const key = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D\n\n${body}-----END RSA PRIVATE KEY-----`;
    expect(findIds(decoys + key)).toContain('secret.private_key');
    expect(findIds(decoys + '\n' + key + decoys)).toContain('secret.private_key');
  });
});

describe('a real secret starting inside a failed match is not lost', () => {
  const jwt =
    Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url') +
    '.' +
    Buffer.from('{"sub":"1234567890"}').toString('base64url') +
    '.' +
    tok(AN, 43, 17);
  it.each([
    ['secret.openai_project_key', 'sk-proj-' + 'a'.repeat(240), 'sk-proj-' + tok(AN + '-_', 156, 3)],
    ['secret.atlassian_api_token', 'ATATT3' + 'a'.repeat(240), 'ATATT3' + tok(AN + '_-', 186, 4)],
    [
      'secret.aws_bedrock_api_key',
      'ABSK' + 'A'.repeat(500) + '/',
      'ABSK' +
        Buffer.from('BedrockAPIKey-' + tok(AN, 12, 30) + '-at-123456789012:' + tok(AN + '+/', 60, 31)).toString(
          'base64',
        ),
    ],
    ['secret.gitlab_token', 'glpat-' + 'x'.repeat(60), 'glpat-' + tok(AN, 20, 6)],
    [
      'secret.slack_token',
      'xoxb-12345678-' + 'a'.repeat(100),
      'xoxb-' + tok('0123456789', 12, 7) + '-' + tok('0123456789', 13, 8) + '-' + tok(AN, 24, 9),
    ],
    ['secret.aws_access_key_id', 'AKIA' + 'A'.repeat(12), 'AKIA' + tok(B32, 16, 1)],
    ['secret.jwt', 'eyJ' + '-eyJ'.repeat(50), jwt],
    ['secret.jwt', 'eyJ', jwt],
  ])('%s glued right after a failing decoy', (id, decoy, secret) => {
    expect(findIds(`text ${decoy}${secret} text`)).toContain(id);
  });

  it('a failed JWT candidate with a long glued run still leaves the JWT after the next separator', () => {
    expect(findIds(`x ${'eyJ-'.repeat(100)}.${jwt}`)).toContain('secret.jwt');
  });
});

describe('prefix formats: one glued character does not hide a key', () => {
  const aws = 'AKIA' + tok(B32, 16, 1);
  const ghp = 'ghp_' + tok(AN, 36, 3);
  const cases: Array<[string, string]> = [
    ['secret.aws_access_key_id', aws],
    ['secret.github_token', ghp],
    ['secret.github_fine_grained_pat', 'github_pat_' + tok(AN, 22, 4) + '_' + tok(AN, 59, 5)],
    ['secret.gitlab_token', 'glpat-' + tok(AN, 20, 6)],
    ['secret.slack_token', 'xoxb-' + tok('0123456789', 12, 7) + '-' + tok('0123456789', 13, 8) + '-' + tok(AN, 24, 9)],
    ['secret.stripe_secret_key', 'sk_live_' + tok(AN, 24, 13)],
    ['secret.anthropic_api_key', 'sk-ant-api03-' + tok(AN + '-_', 93, 16) + 'AA'],
    ['secret.openai_project_key', 'sk-proj-' + tok(AN + '-_', 156, 3)],
    ['secret.npm_token', 'npm_' + tok(AN, 36, 22)],
    ['secret.sendgrid_api_key', 'SG.' + tok(AN, 22, 23) + '.' + tok(AN, 43, 24)],
    ['secret.google_api_key', 'AIza' + tok(AN, 35, 40)],
    ['secret.databricks_token', 'dapi' + tok('0123456789abcdef', 32, 29)],
    ['secret.perplexity_api_key', 'pplx-' + tok(AN, 48, 41)],
    ['secret.hashicorp_vault_token', 'hvs.' + tok(AN, 95, 42)],
    ['secret.age_secret_key', 'AGE-SECRET-KEY-1' + tok('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58, 43)],
  ];
  it.each(cases)('%s with a letter glued before', (id, key) => {
    expect(findIds(`k x${key} end`)).toContain(id);
  });
  it.each(cases)('%s with a character glued after', (id, key) => {
    expect(findIds(`k ${key}x end`)).toContain(id);
    expect(findIds(`k ${key}_ end`)).toContain(id);
  });
  it('a glued key is redacted, streamed or whole', () => {
    const { guard } = makeGuard();
    for (const text of [`key: x${aws} ok`, `key: ${aws}x ok`, `token ${ghp}_ ok`]) {
      const whole = guard.scanText(text, CTX);
      expect(whole.ok && whole.value.text).toContain('[REDACTED]');
      expect(whole.ok && whole.value.text).not.toContain(aws.slice(4, 12));
      expect(streamAll(guard, text.match(/.{1,3}/gs) ?? [])).toBe(whole.ok && whole.value.text);
    }
  });
  it('a prefix glued inside a longer identifier on both sides stays an identifier', () => {
    expect(
      findIds(
        'amazon.de#@#div[data-cel-widget="desktop-rhf_SponsoredProductsRemoteRHFSearchEXPSubsK2ClickPagination"]',
      ),
    ).not.toContain('secret.huggingface_token');
    expect(findIds(`x${aws}QQQQ`)).not.toContain('secret.aws_access_key_id');
  });
});
