import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AuditSink } from '../../src/core/audit.js';
import { JsonlAuditStore } from '../../src/core/jsonl-audit-store.js';
import { unwrap } from '../../src/core/result.js';
import { EventBus } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import {
  createLogger,
  createSanitizer,
  MAX_LINE_CHARS,
  redactConfigForDisplay,
  REDACT_PATHS,
} from '../../src/logging/logger.js';
import { capLine } from '../../src/logging/sanitize.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Random characters from an alphabet: realistic token bodies (the library rejects placeholders). */
function pick(alphabet: string, n: number): string {
  return Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
}
const dir = () => mkdtempSync(path.join(tmpdir(), 'bulwark-log-'));
const encodings = (v: string) => {
  const b = Buffer.from(v);
  return [
    v,
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('hex'),
    encodeURIComponent(v),
    JSON.stringify(v).slice(1, -1),
  ];
};

describe('L09 layer 1: structured-path redaction', () => {
  it('censors credential fields at any of the first levels, in the file log', () => {
    const d = dir();
    const log = createLogger({ dataDir: d, level: 'info', pretty: false });
    log.info(
      {
        authorization: 'Bearer aaaa',
        req: { headers: { authorization: 'Bearer bbbb', cookie: 'sid=cccc', 'x-api-key': 'dddd' } },
        provider: { apiKey: 'eeee', nested: { password: 'ffff', client_secret: 'gggg' } },
        ok: 'keep-me',
        deep: { a: { b: { c: { d: { token: 'hhhh' } } } } },
        list: [{ refresh_token: 'iiii' }],
        ref: { apiKey: { secret: 'OPENAI_API_KEY' } },
      },
      'request',
    );
    const input = { nested: { x: { password: 'jjjj' } } };
    log.info(input, 'second');
    expect(input.nested.x.password).toBe('jjjj');
    log.flush();
    const text = readFileSync(path.join(d, 'bulwark.log'), 'utf8');
    for (const v of ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff', 'gggg', 'hhhh', 'iiii', 'jjjj'])
      expect(text, v).not.toContain(v);
    expect(text).toContain('keep-me');
    expect(text).toContain('"apiKey":{"secret":"OPENAI_API_KEY"}');
    expect(REDACT_PATHS).toContain('req.headers.authorization');
  });
});

describe('L09 layers 2 and 3: free text', () => {
  const secret = `s3cr3t-${randomBytes(16).toString('base64url')}`;
  const leak = new LeakIndex();
  leak.register('PROVIDER_KEY', secret);
  const sanitize = createSanitizer(leak);

  it('removes a known value in every encoding from any text', () => {
    for (const form of encodings(secret)) {
      const out = sanitize(`{"msg":"upstream said ${form} ok"}\n`);
      expect(out).not.toContain(form);
      expect(out).toContain('[REDACTED:PROVIDER_KEY]');
      expect(out.endsWith('ok"}\n')).toBe(true);
    }
  });

  it('removes well-known secret formats even when the value is unknown', () => {
    const samples = {
      aws: `AKIA${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
      github: `ghp_${pick(ALNUM, 36)}`,
      openai: `sk-proj-${pick(ALNUM, 90)}`,
      slack: `xoxb-1234567890-1234567890-${pick(ALNUM, 24)}`,
      jwt: `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"1234567890"}').toString('base64url')}.${pick(ALNUM, 43)}`,
      pem: `-----BEGIN RSA PRIVATE KEY-----\\n${randomBytes(96).toString('base64')}\\n-----END RSA PRIVATE KEY-----`,
    };
    for (const [kind, s] of Object.entries(samples)) {
      const out = sanitize(`{"msg":"value ${s} here"}`);
      expect(out, kind).not.toContain(s);
      expect(out, kind).toContain('[REDACTED:secret.');
    }
  });

  it('a match that fails validation does not hide a secret inside its span (retried one character later)', () => {
    for (const line of [
      'host=db:port=5432:user=app:password=S3cretP4ss9xyz',
      'a=b:c=d:e=f:password=S3cretP4ss9xyz',
      'url=http://x/y?z=1&password=S3cretP4ss9xyz',
      '?user=bob&password=S3cretP4ss9xyz',
    ]) {
      expect(sanitize(line), line).not.toContain('S3cretP4ss9xyz');
    }
  });

  it('cuts a 2 MB line of token characters at the cap without scanning the whole head for the tail', () => {
    const out = capLine('a'.repeat(2 * 1024 * 1024));
    expect(out).toMatch(/…\[TRUNCATED \d+ chars by the 1 MB log cap\]$/);
    expect(out.length).toBeLessThan(MAX_LINE_CHARS);
  });

  it('keeps key names readable and redacts only the value in assignments, headers and URLs', () => {
    expect(sanitize('connecting with password=Xk9#mP2qL7vR now')).toBe(
      'connecting with password=[REDACTED:secret.generic_assignment] now',
    );
    expect(sanitize('{"msg":"{\\"api_key\\": \\"abcdef123456\\"}"}')).not.toContain('abcdef123456');
    expect(sanitize('Authorization: Bearer abcdefghijklmnopqrstuvwxyz')).toBe(
      'Authorization: Bearer [REDACTED:secret.http_authorization]',
    );
    expect(sanitize('GET https://bob:pa55word-xyz@example.com/x')).toBe(
      'GET https://bob:[REDACTED:secret.url_credentials]@example.com/x',
    );
  });

  it('leaves ordinary text and already-redacted fields alone', () => {
    const line = '{"level":30,"msg":"turn finished in 1234 ms for agent default","token":"[REDACTED]"}\n';
    expect(sanitize(line)).toBe(line);
  });

  it('caps input at 1 MB before any matching and never leaves the prefix of a cut secret', () => {
    const filler = 'x '.repeat(MAX_LINE_CHARS / 2 - 10);
    const line = `${filler}${secret}${'y'.repeat(100)}\n`;
    const out = sanitize(line);
    expect(out.length).toBeLessThan(MAX_LINE_CHARS + 100);
    expect(out).toContain('[TRUNCATED');
    expect(out.endsWith('\n')).toBe(true);
    expect(out).not.toContain(secret.slice(0, 10));
  });

  it('stays fast on hostile input (no catastrophic backtracking)', () => {
    const hostile = [
      'password='.repeat(50_000),
      'Bearer '.repeat(50_000),
      `${'a'.repeat(200_000)}@`,
      `eyJ${'a'.repeat(300_000)}.`,
    ];
    const noLeak = createSanitizer(EMPTY_LEAK_SCANNER);
    for (const h of hostile) expect(typeof noLeak(h)).toBe('string');
  });
});

describe('logger and audit sink with the sanitizer', () => {
  it('no log line and no audit line contains a registered value in any encoding', async () => {
    const d = dir();
    const secret = `val-${randomBytes(16).toString('hex')}`;
    const leak = new LeakIndex();
    leak.register('GITHUB_TOKEN', secret);
    const sanitize = createSanitizer(leak);
    const log = createLogger({ dataDir: d, level: 'debug', pretty: false, sanitizeLine: sanitize });
    for (const form of encodings(secret)) {
      log.info(`free text ${form}`);
      log.info({ detail: { body: `x=${form}` } }, 'structured');
      log.error(new Error(`failed with ${form}`));
    }
    log.flush();
    const bus = new EventBus();
    const sink = new AuditSink(unwrap(JsonlAuditStore.open(path.join(d, 'audit.jsonl'))), sanitize);
    sink.attach(bus);
    bus.emit('security:blocked', {
      layer: 'L02',
      reason: `model tried to print ${Buffer.from(secret).toString('base64')}`,
    });
    await sink.close();
    for (const f of ['bulwark.log', 'audit.jsonl']) {
      const text = readFileSync(path.join(d, f), 'utf8');
      expect(text).toContain('[REDACTED:GITHUB_TOKEN]');
      for (const form of encodings(secret)) expect(text, `${f}: ${form}`).not.toContain(form);
    }
  });
});

describe('audit lines keep who acted', () => {
  it("a caller named by its token's public id stays readable; a token-shaped secret beside it is still redacted", async () => {
    const d = dir();
    const sanitize = createSanitizer(EMPTY_LEAK_SCANNER);
    const bus = new EventBus();
    const sink = new AuditSink(unwrap(JsonlAuditStore.open(path.join(d, 'audit.jsonl'))), sanitize);
    sink.attach(bus);
    const sender = `token:${newId('tok')}`;
    const secretValue = pick(ALNUM, 32);
    bus.emit('security:blocked', { layer: 'L18', reason: `token: ${secretValue}`, sender });
    await sink.close();
    const text = readFileSync(path.join(d, 'audit.jsonl'), 'utf8');
    expect(text).toContain(`"sender":"${sender}"`);
    expect(text).not.toContain(secretValue);
    expect(text).toMatch(/"reason":"token: \[REDACTED:secret\.[a-z_]+\]"/);
  });
});

describe('config redaction for display', () => {
  it('censors credential-named fields, keeps secret references, sanitizes other strings', () => {
    const ghp = `ghp_${pick(ALNUM, 36)}`;
    const cfg = {
      server: { host: '127.0.0.1', port: 8787 },
      providers: {
        oa: { type: 'openai', apiKey: { secret: 'OPENAI_API_KEY' } },
        bad: { apiKey: 'sk-inline-plaintext-123456789012345' },
      },
      channels: { tg: { token: 'inline-token', password: 12345 } },
      agents: [{ id: 'a', systemPrompt: `use ${ghp} please` }],
    };
    const sanitize = createSanitizer(EMPTY_LEAK_SCANNER);
    const out = redactConfigForDisplay(cfg, sanitize);
    const text = JSON.stringify(out);
    expect(text).toContain('"apiKey":{"secret":"OPENAI_API_KEY"}');
    for (const v of ['sk-inline', 'inline-token', '12345', ghp]) expect(text, v).not.toContain(v);
    expect(text).toContain('"host":"127.0.0.1"');
    expect(text).toContain('"port":8787');
    expect(cfg.channels.tg.token).toBe('inline-token');
  });
});
