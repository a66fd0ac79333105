import { describe, expect, it } from 'vitest';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { redact, scanOutput } from '../../src/guards/output-guard-scan.js';
import {
  base62,
  bech32Ok,
  crc32,
  githubStyleChecksumOk,
  pypiMacaroonOk,
} from '../../src/text/patterns/secret-checks.js';
import { SECRET_FORMATS } from '../../src/text/patterns/secret-formats.js';
import { VENDOR_FORMATS } from '../../src/text/patterns/secret-vendors.js';
import { sampleFamily } from '../support/vendor-samples.js';
import { AN, tok } from '../support/tokens.js';

const scan = (text: string) => scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] });
const ids = (text: string) => scan(text).findings.map((f) => f.patternId);
const critical = (text: string) =>
  scan(text)
    .findings.filter((f) => f.severity === 'critical')
    .map((f) => f.patternId);

describe('vendor token families', () => {
  it('at least 100 families, each naming its vendor and the https page that documents its shape', () => {
    expect(VENDOR_FORMATS.length).toBeGreaterThanOrEqual(100);
    for (const f of SECRET_FORMATS) {
      expect(f.vendor, f.id).toBeTruthy();
      if (f.id !== 'secret.generic_assignment') expect(f.source ?? '', f.id).toMatch(/^https:\/\//);
    }
    expect(new Set(SECRET_FORMATS.map((f) => f.id)).size).toBe(SECRET_FORMATS.length);
  });

  const contexts: Array<(t: string) => string> = [
    (t) => `the key is ${t} so keep it`,
    (t) => `{"credentials": {"value": "${t}"}}`,
    (t) => `export SOME_VALUE=${t}\n`,
    (t) => '```\n' + t + '\n```',
  ];
  it.each(VENDOR_FORMATS.map((f) => [f.id, f] as const))('%s: samples of its documented shape are found', (id, f) => {
    let found = 0;
    for (let s = 0; s < 8; s++) {
      const t = sampleFamily(f, s * 7919 + 11);
      if (ids((contexts[s % contexts.length] as (x: string) => string)(t)).includes(id)) found++;
    }
    // A few random samples may lack a digit or case mix a family requires.
    expect(found).toBeGreaterThanOrEqual(6);
  });

  it.each(VENDOR_FORMATS.map((f) => [f.id, f] as const))('%s: a placeholder of the same shape is not', (id, f) => {
    const sample = sampleFamily(f, 5);
    const prefix = (f.literals ?? []).find((l) => sample.includes(l)) ?? '';
    const at = sample.indexOf(prefix) + prefix.length;
    const placeholder = sample.slice(0, at) + sample.slice(at).replace(/[A-Za-z0-9]/g, 'x');
    expect(ids(`token: ${placeholder}`)).not.toContain(id);
  });
});

describe('vendor checksums and structures confirm a value', () => {
  const withChecksum = (prefix: string, random: string) => prefix + random + base62(crc32(random), 6);

  it('GitHub and npm: the CRC32 of the 30 random characters, in base62, is the last six', () => {
    const body = tok(AN, 30, 41);
    expect(githubStyleChecksumOk(body + base62(crc32(body), 6))).toBe(true);
    expect(githubStyleChecksumOk(body + 'AAAAAA')).toBe(false);
  });

  it('a low-entropy GitHub token with a valid checksum is still a token; without one it is a stand-in', () => {
    const lowEntropy = 'ab'.repeat(15);
    expect(critical(`x ${withChecksum('ghp_', lowEntropy)} y`)).toContain('secret.github_token');
    expect(critical(`x ghp_${lowEntropy}abcdef y`)).not.toContain('secret.github_token');
    expect(critical(`x ${withChecksum('npm_', lowEntropy)} y`)).toContain('secret.npm_token');
  });

  it('a random-looking token whose checksum fails is still redacted (one flipped character hides nothing)', () => {
    const t = withChecksum('ghp_', tok(AN, 30, 42));
    const flipped = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
    expect(critical(`x ${flipped} y`)).toContain('secret.github_token');
  });

  it('age keys: bech32 checksum (BIP 173 vectors)', () => {
    expect(bech32Ok('A12UEL5L')).toBe(true);
    expect(bech32Ok('abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw')).toBe(true);
    expect(bech32Ok('abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxx')).toBe(false);
  });

  it('PyPI: the macaroon header names pypi.org or test.pypi.org', () => {
    const macaroon = (location: string) =>
      'pypi-' +
      Buffer.concat([
        Buffer.from([2, 1, location.length]),
        Buffer.from(location),
        Buffer.from([2, 36]),
        Buffer.from(tok(AN, 90, 43)),
      ]).toString('base64url');
    expect(pypiMacaroonOk(macaroon('pypi.org'))).toBe(true);
    expect(pypiMacaroonOk(macaroon('test.pypi.org'))).toBe(true);
    expect(pypiMacaroonOk(macaroon('example.org'))).toBe(false);
    expect(critical(`password = ${macaroon('pypi.org')}`)).toContain('secret.pypi_upload_token');
  });
});

describe('secrets inside escaped string literals', () => {
  const body = Array.from({ length: 8 }, (_, i) => tok(AN + '+/', 64, 60 + i)).join('\\n');
  const pem = `-----BEGIN PRIVATE KEY-----\\n${body}\\n-----END PRIVATE KEY-----\\n`;

  it('a PEM key inside a JSON string (a cloud service-account file) is found and redacted in full', () => {
    const file = `{\n  "type": "service_account",\n  "project_id": "demo",\n  "private_key": "${pem}",\n  "client_email": "a@b.iam.example"\n}`;
    const r = scan(file);
    expect(r.findings.map((f) => f.patternId)).toContain('secret.private_key');
    const out = redact(file, r.findings);
    for (let i = 0; i < 8; i++) expect(out).not.toContain(tok(AN + '+/', 64, 60 + i).slice(0, 16));
    expect(out).toContain('"client_email"');
  });

  it('the same key in a Python or JavaScript string literal, and escaped twice (JSON inside JSON)', () => {
    expect(ids(`key = '${pem}'`)).toContain('secret.private_key');
    expect(ids(`const k = "${pem}";`)).toContain('secret.private_key');
    expect(ids(`{"payload": "{\\"k\\": \\"${pem.replace(/\\n/g, '\\\\n')}\\"}"}`)).toContain('secret.private_key');
  });

  it('a token written with \\x or \\u escapes is found in the raw text it came from', () => {
    const t = 'ghp_' + tok(AN, 36, 70);
    const escaped = [...t].map((c) => '\\x' + c.charCodeAt(0).toString(16)).join('');
    const r = scan(`s = "${escaped}"`);
    expect(r.findings.map((f) => f.patternId)).toContain('secret.github_token');
    expect(redact(`s = "${escaped}"`, r.findings)).toBe('s = "[REDACTED]"');
  });
});

describe('structured credentials', () => {
  it('URL credentials, except obvious placeholders', () => {
    expect(critical(`DATABASE_URL=postgres://app:${tok(AN, 14, 80)}@db.internal:5432/prod`)).toContain(
      'secret.url_credentials',
    );
    expect(critical('redis://:s3cr3tPassw0rd@cache:6379/0')).toContain('secret.url_credentials');
    for (const p of [
      'postgres://user:password@localhost/db',
      'mysql://user:<password>@host/db',
      'amqp://guest:${RABBIT_PASS}@mq/',
      'https://user:****@example.org/',
      'mongodb://admin:xxxxxxxx@mongo/',
    ])
      expect(critical(p), p).not.toContain('secret.url_credentials');
  });

  it('Azure storage keys, SAS signatures, Service Bus keys', () => {
    const key88 = Buffer.from(tok(AN, 64, 81)).toString('base64');
    expect(critical(`DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${key88};EndpointSuffix=core`)).toContain(
      'secret.azure_storage_account_key',
    );
    const sig = encodeURIComponent(Buffer.from(tok(AN, 32, 82)).toString('base64'));
    expect(critical(`https://acct.blob.core.example/c/b?sv=2022-11-02&se=2030-01-01&sp=r&sig=${sig}`)).toContain(
      'secret.azure_sas_signature',
    );
    expect(critical(`https://x.example/?sig=${'a'.repeat(43)}=`)).not.toContain('secret.azure_sas_signature');
    const k44 = Buffer.from(tok(AN, 32, 83)).toString('base64');
    expect(critical(`Endpoint=sb://ns.example/;SharedAccessKeyName=Root;SharedAccessKey=${k44}`)).toContain(
      'secret.azure_shared_access_key',
    );
  });

  it('Telegram bot tokens, Discord and Teams webhooks, PuTTY keys', () => {
    expect(critical(`bot = "1234567890:${tok(AN, 35, 84)}"`)).toContain('secret.telegram_bot_token');
    expect(critical('time 12:30:00 and 123456789:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).not.toContain(
      'secret.telegram_bot_token',
    );
    expect(critical(`https://discord.com/api/webhooks/123456789012345678/${tok(AN, 68, 85)}`)).toContain(
      'secret.discord_webhook_url',
    );
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(
      critical(
        `https://contoso.webhook.office.com/webhookb2/${uuid}@${uuid}/IncomingWebhook/${tok('0123456789abcdef', 32, 86)}/${uuid}`,
      ),
    ).toContain('secret.teams_webhook_url');
    const ppk = `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 2\n${tok(AN, 64, 87)}\n${tok(AN, 8, 88)}\nPrivate-Lines: 1\n${tok(AN + '+/', 44, 89)}\nPrivate-MAC: ${tok('0123456789abcdef', 64, 90)}\n`;
    expect(critical(ppk)).toContain('secret.putty_private_key');
  });
});
