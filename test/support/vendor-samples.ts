/**
 * Test tokens of a secret family, written from its documented shape (the family's regex) by the
 * deterministic sampler; families whose shape is more than a regex (PyPI's macaroon) get a builder.
 * Built at run time, never a real credential, never a copy of anyone's example.
 */
import type { PatternDef } from '../../src/text/patterns/types.js';
import { base62, crc32 } from '../../src/text/patterns/secret-checks.js';
import { sampleRegex } from './regex-sample.js';
import { AN, tok } from './tokens.js';

/** GitHub's and npm's documented layout: prefix, 30 random base62 characters, their CRC32 in base62. */
const checksummed = (prefix: string) => (seed: number) => {
  const random = tok(AN, 30, seed);
  return prefix + random + base62(crc32(random), 6);
};

const b64url = (s: string) => Buffer.from(s).toString('base64url');

const BUILDERS: Readonly<Record<string, (seed: number) => string>> = {
  'secret.jwt': (seed) =>
    `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"user-${seed}","iat":${1_700_000_000 + seed}}`)}.${tok(AN + '-_', 43, seed)}`,
  'secret.http_authorization': (seed) => `Authorization: Bearer ${tok(AN, 40, seed)}`,
  'secret.http_api_key_header': (seed) => `X-Api-Key: ${tok(AN, 32, seed)}`,
  'secret.private_key': (seed) =>
    `-----BEGIN RSA PRIVATE KEY-----\n${Array.from({ length: 6 }, (_, i) => tok(AN + '+/', 64, seed + i)).join('\n')}\n-----END RSA PRIVATE KEY-----`,
  'secret.azure_sas_signature': (seed) =>
    `https://acct.blob.core.example/c?sv=2022-11-02&sig=${encodeURIComponent(Buffer.from(tok(AN, 32, seed)).toString('base64'))}`,
  'secret.generic_assignment': (seed) => `client_secret = "${tok(AN, 32, seed)}"`,
  'secret.cli_user_password': (seed) => `curl -u deploy:${tok(AN, 16, seed)} https://api.example.org`,
  'secret.aws_secret_access_key': (seed) => `aws_secret_access_key = ${tok(AN + '+/', 40, seed)}`,
  'secret.github_token': checksummed('ghp_'),
  'secret.github_oauth_token': checksummed('gho_'),
  'secret.github_user_to_server_token': checksummed('ghu_'),
  'secret.github_server_to_server_token': checksummed('ghs_'),
  'secret.github_refresh_token': checksummed('ghr_'),
  'secret.npm_token': checksummed('npm_'),
  // A run of A, then base64 with its `+`, `/` and `=` percent-encoded (the shape the X developer portal shows).
  'secret.x_app_bearer_token': (seed) =>
    `AAAAAAAAAAAAAAAAAAAAA${tok(AN, 8, seed)}AAAAAAAA${tok(AN, 14, seed + 1)}%2B${tok(AN, 10, seed + 2)}%3D${tok(AN, 50, seed + 3)}`,
  'secret.session_cookie': (seed) =>
    `Cookie: ${['session', '_gitlab_session', 'JSESSIONID', 'PHPSESSID', 'connect.sid'][seed % 5]}=${tok(AN, 32, seed)}`,
  // The bot's id (a snowflake) in base64url, a timestamp, an HMAC.
  'secret.discord_bot_token': (seed) =>
    `${Buffer.from(String(1_100_000_000_000_000_000n + BigInt(seed) * 7_919n)).toString('base64url')}.${tok(AN, 6, seed)}.${tok(AN + '-_', 38, seed + 1)}`,
  'secret.pypi_upload_token': (seed) =>
    'pypi-' +
    Buffer.concat([
      Buffer.from([2, 1, 8]),
      Buffer.from('pypi.org'),
      Buffer.from([2, 36]),
      Buffer.from(tok(AN, 60 + (seed % 40), seed)),
    ]).toString('base64url'),
};

export function sampleFamily(f: PatternDef, seed: number): string {
  return BUILDERS[f.id]?.(seed) ?? sampleRegex(f.regex, seed);
}
