import { describe, expect, it } from 'vitest';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { redact, scanOutput } from '../../src/guards/output-guard-scan.js';
import { AN, HEX, tok } from '../support/tokens.js';

const scan = (text: string) => scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] });
const critical = (text: string) =>
  scan(text)
    .findings.filter((f) => f.severity === 'critical')
    .map((f) => f.patternId);
const URL64 = AN + '_-';
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** The text redacted; none of `pieces` (16-character slices of the secret) may survive. */
function redactedAway(text: string, secret: string): void {
  const out = redact(text, scan(text).findings);
  for (let i = 0; i + 16 <= secret.length; i += 16) expect(out, text).not.toContain(secret.slice(i, i + 16));
}

describe('vendor families a reviewer found missing (issue 19 item 5)', () => {
  const cases: Array<[string, string, string]> = [
    ['azure_devops_pat', `${tok(AN, 76, 1)}AZDO${tok(AN, 4, 2)}`, 'AZURE_DEVOPS_EXT_PAT='],
    ['azure_ai_services_key', `${tok(AN, 52, 3)}JQQJ99${tok(AN, 26, 4)}`, 'Ocp-Apim-Subscription-Key: '],
    ['discord_bot_token', `${b64url('1187654321098765432')}.${tok(URL64, 6, 5)}.${tok(URL64, 38, 6)}`, 'client.run("'],
    [
      'x_app_bearer_token',
      `AAAAAAAAAAAAAAAAAAAAA${tok(AN, 4, 7)}AAAAAAAA${tok(AN, 14, 8)}%2B${tok(AN, 9, 9)}%3D${tok(AN, 50, 10)}`,
      'BEARER_TOKEN=',
    ],
    ['tavily_api_key', `tvly-dev-${tok(AN, 32, 11)}`, 'TavilyClient(api_key="'],
    ['nvidia_api_key', `nvapi-${tok(URL64, 64, 12)}`, 'export NVIDIA_API_KEY='],
    ['cerebras_api_key', `csk-${tok('abcdefghijklmnopqrstuvwxyz0123456789', 48, 13)}`, 'key is '],
    ['posthog_personal_api_key', `phx_${tok(AN, 43, 14)}`, 'personal key '],
    ['sonarqube_token', `squ_${tok(HEX, 40, 15)}`, '-Dsonar.token='],
    ['sonarqube_token', `sqp_${tok(HEX, 40, 16)}`, 'use '],
    [
      'axiom_token',
      `xaat-${tok(HEX, 8, 17)}-${tok(HEX, 4, 18)}-${tok(HEX, 4, 19)}-${tok(HEX, 4, 20)}-${tok(HEX, 12, 21)}`,
      '',
    ],
    ['jina_api_key', `jina_${tok(HEX, 32, 22)}${tok(URL64, 28, 23)}`, 'Bearer '],
    ['voyage_api_key', `pa-${tok(URL64, 43, 24)}`, 'voyageai.Client(api_key="'],
    ['dropbox_short_lived_token', `sl.${tok(URL64, 140, 25)}`, 'dropbox.Dropbox("'],
    [
      '1password_secret_key',
      `A3-${tok('ABCDEFGHJKLMNPQRSTVWXYZ23456789', 6, 26)}-${tok('ABCDEFGHJKLMNPQRSTVWXYZ23456789', 6, 27)}-${tok('ABCDEFGHJKLMNPQRSTVWXYZ23456789', 5, 28)}-${tok('ABCDEFGHJKLMNPQRSTVWXYZ23456789', 5, 29)}-${tok('ABCDEFGHJKLMNPQRSTVWXYZ23456789', 5, 30)}-${tok('ABCDEFGHJKLMNPQRSTVWXYZ23456789', 5, 31)}`,
      'my secret key ',
    ],
    ['fcm_server_key', `AAAA${tok(URL64, 7, 32)}:APA91b${tok(URL64, 134, 33)}`, 'server key '],
    ['elevenlabs_api_key', `sk_${tok(HEX, 48, 34)}`, 'ElevenLabs(api_key="'],
    ['deepseek_api_key', `sk-${tok(HEX, 32, 35)}`, 'OpenAI(api_key="'],
    ['paystack_secret_key', `sk_live_${tok(HEX, 40, 36)}`, 'Bearer '],
    ['openshift_token', `sha256~${tok(URL64, 43, 37)}`, 'oc login --token='],
    ['harness_api_token', `pat.${tok(URL64, 22, 38)}.${tok(AN, 24, 39)}.${tok(AN, 20, 40)}`, 'x-api-key: '],
  ];

  it.each(cases)('%s: found bare in prose and redacted in full', (id, token) => {
    const text = `here it is: ${token} — keep it safe`;
    expect(critical(text)).toContain(`secret.${id}`);
    redactedAway(text, token);
  });

  it.each(cases)('%s: found where its documentation shows it in use', (id, token, before) => {
    expect(critical(`${before}${token}"`)).toContain(`secret.${id}`);
  });

  it('a Discord-shaped token whose first segment is not a bot id is not a Discord token', () => {
    const fake = `${b64url('not-a-snowflake-id!')}.${tok(URL64, 6, 41)}.${tok(URL64, 38, 42)}`;
    expect(critical(`token ${fake} end`)).not.toContain('secret.discord_bot_token');
  });

  it('short prefixes on hex need the exact length and a clean boundary', () => {
    expect(critical(`disk-${tok(HEX, 32, 43)}`)).not.toContain('secret.deepseek_api_key');
    expect(critical(`sk-${tok(HEX, 33, 44)}`)).not.toContain('secret.deepseek_api_key');
    expect(critical(`the pa-rameters and pa-ssword of the pa-system`)).not.toContain('secret.voyage_api_key');
    expect(critical(`pa-${'abcdefghij'.repeat(4)}abc`)).not.toContain('secret.voyage_api_key');
  });
});

describe('shapes: cookies, tokens as URL users, split and escaped keys', () => {
  it('session cookies in a Cookie header or alone are found; code and placeholders are not', () => {
    const v = tok(AN, 40, 50);
    expect(critical(`curl -H "Cookie: session=${v}; theme=dark" https://app.example`)).toContain(
      'secret.session_cookie',
    );
    redactedAway(`Cookie: session=${v}; theme=dark`, v);
    expect(critical(`_gitlab_session=${tok(HEX, 32, 51)}`)).toContain('secret.session_cookie');
    expect(critical(`JSESSIONID=${tok(AN, 32, 52)}`)).toContain('secret.session_cookie');
    expect(critical('session = request.session.get("user_id")')).toEqual([]);
    expect(critical('Set-Cookie: sessionid=<session-id>; HttpOnly')).toEqual([]);
    expect(critical(`considered=${tok(AN, 32, 53)}`)).not.toContain('secret.session_cookie');
  });

  it('a token given as the user of a URL is found; ordinary user names are not', () => {
    const t = tok(AN, 40, 54);
    expect(critical(`git clone https://${t}@github.com/acme/private.git`)).toContain('secret.url_token_user');
    redactedAway(`git clone https://${t}@github.com/acme/private.git`, t);
    expect(critical('ssh://git@github.com/acme/repo.git')).toEqual([]);
    expect(critical('https://firstname.lastname.example@example.com/')).toEqual([]);
  });

  it('a PEM key split over adjacent Python or JavaScript string literals is found and redacted', () => {
    const lines = Array.from({ length: 5 }, (_, i) => tok(AN + '+/', 64, 60 + i));
    const python = `KEY = (\n    "-----BEGIN PRIVATE KEY-----\\n"\n${lines.map((l) => `    "${l}\\n"\n`).join('')}    "-----END PRIVATE KEY-----\\n"\n)`;
    const js = `const k =\n  "-----BEGIN RSA PRIVATE KEY-----\\n" +\n${lines.map((l) => `  "${l}\\n" +\n`).join('')}  "-----END RSA PRIVATE KEY-----\\n";`;
    for (const text of [python, js]) {
      expect(critical(text)).toContain('secret.private_key');
      const out = redact(text, scan(text).findings);
      for (const l of lines) expect(out).not.toContain(l.slice(0, 16));
    }
  });

  it('HTML character references do not hide a secret (&#x2F; &#64; &quot;)', () => {
    const half1 = tok(AN, 18, 70);
    const half2 = tok(AN, 21, 71);
    const aws = `<td>aws_secret_access_key = ${half1}&#x2F;${half2}</td>`;
    expect(critical(aws)).toContain('secret.aws_secret_access_key');
    const out = redact(aws, scan(aws).findings);
    expect(out).not.toContain(half1);
    expect(out).not.toContain(half2.slice(0, 16));
    const pass = tok(AN, 8, 72);
    expect(critical(`postgres://app:${tok(AN, 6, 73)}&#64;${pass}@db.internal:5432/app`)).toContain(
      'secret.url_credentials',
    );
  });
});

describe('documented defaults and samples are placeholders', () => {
  it.each([
    'amqp://guest:guest@localhost:5672/',
    'redis://:foobared@localhost:6379/0',
    'DATABASE_URL=postgres://postgres:postgres@localhost:5432/postgres',
    'mysql://root:root@127.0.0.1:3306/test',
  ])('%s', (text) => {
    expect(critical(text)).toEqual([]);
  });

  it('the jwt.io sample token, alone or as a bearer credential; a real-looking JWT still is one', () => {
    const header = b64url('{"alg":"HS256","typ":"JWT"}');
    const sample = `${header}.${b64url('{"sub":"1234567890","name":"John Doe","iat":1516239022}')}.${tok(URL64, 43, 80)}`;
    expect(critical(`token: ${sample}`)).toEqual([]);
    expect(critical(`Authorization: Bearer ${sample}`)).toEqual([]);
    const real = `${header}.${b64url('{"sub":"user-8812","iat":1767225600}')}.${tok(URL64, 43, 81)}`;
    expect(critical(`Authorization: Bearer ${real}`).length).toBeGreaterThan(0);
  });
});
