/**
 * L19 end to end with real certificates made by `bulwark cert`'s own code: a daemon over HTTPS that requires client
 * certificates. No certificate, another CA, expired, revoked and unmapped are refused and audited with their reason;
 * mapped ones authenticate without a bearer token and get exactly their scopes; curl and the openai SDK work over
 * TLS; a certificate revoked while the daemon runs is refused once the CRL is re-read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  createCaFiles,
  createServerPair,
  issueClientFiles,
  revokeAndWriteCrl,
} from '../../src/transport/cert-files.js';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { httpsCall, startTlsDaemon, tempDataDir, type ClientPair, type TlsDaemon } from './support.js';

const hasCurl = spawnSync('curl', ['--version']).status === 0;
const DAY = 86_400_000;

function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 }),
    );
  });
}

let d: TlsDaemon;
let dir: string;
let serverCa: string;
type Pair = ClientPair & { certFile: string; keyFile: string };
const pairs = {} as Record<'alice' | 'root' | 'mallory' | 'old' | 'lost' | 'later' | 'forged', Pair>;

function load(certFile: string, keyFile: string): Pair {
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

async function issue(dataDir: string, name: string, opts: Parameters<typeof issueClientFiles>[2] = {}) {
  const r = await issueClientFiles(dataDir, name, opts);
  if (!r.ok) throw new Error(r.error.message);
  return load(r.value.certFile, r.value.keyFile);
}

beforeAll(async () => {
  dir = tempDataDir();
  const server = await createServerPair(dir, ['localhost', '127.0.0.1']);
  if (!server.ok) throw new Error(server.error.message);
  serverCa = readFileSync(server.value.certFile, 'utf8');
  const ca = await createCaFiles(dir);
  if (!ca.ok) throw new Error(ca.error.message);
  pairs.alice = await issue(dir, 'alice');
  pairs.root = await issue(dir, 'root', { san: ['root@ops.example'] });
  pairs.mallory = await issue(dir, 'mallory');
  pairs.old = await issue(dir, 'old', {
    notBefore: new Date(Date.now() - 10 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  pairs.lost = await issue(dir, 'lost');
  pairs.later = await issue(dir, 'later');
  const revoked = await revokeAndWriteCrl(dir, 'lost');
  if (!revoked.ok) throw new Error(revoked.error.message);
  // Another CA issuing a certificate with a mapped CN: the chain, not the name, decides.
  const other = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-otherca-')), 'home');
  const otherCa = await createCaFiles(other);
  if (!otherCa.ok) throw new Error(otherCa.error.message);
  pairs.forged = await issue(other, 'alice');
  d = await startTlsDaemon(
    dir,
    scriptFrom([reply.text('hello over mTLS'), reply.text('second answer')]),
    `  tls:
    cert: tls/server.crt
    key: tls/server.key
    clientCa: tls/client-ca.crt
    crl: tls/crl.pem
    clients:
      - { match: { cn: alice }, scopes: [chat] }
      - { match: { san: root@ops.example }, scopes: [chat, admin], owner: true, name: operator laptop }
      - { match: { cn: later }, scopes: [chat] }
      - { match: { cn: lost }, scopes: [chat, admin] }
      - { match: { cn: old }, scopes: [chat, admin] }`,
  );
}, 60_000);

afterAll(async () => {
  await d?.close();
});

const models = (client?: ClientPair, headers: Record<string, string> = {}) =>
  httpsCall(`${d.daemon.url}/v1/models`, serverCa, { ...(client ? { client } : {}), headers });

describe('L19 mutual TLS', () => {
  it('serves HTTPS and reports L19 on', () => {
    expect(d.daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const l19 = d.daemon.catalogue.list().find((l) => l.id === 'L19');
    expect(l19?.state).toBe('on');
    expect(l19?.reason).toMatch(/5 server\.tls\.clients entries/);
  });

  it('refuses no certificate, another CA, expired, revoked and unmapped certificates, each audited with its reason', async () => {
    const none = await models(undefined, { authorization: `Bearer ${d.token}` });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('certificate_required');
    const forged = await models(pairs.forged);
    expect(forged.status).toBe(401);
    expect((await models(pairs.old)).status).toBe(401);
    const lost = await models(pairs.lost);
    expect(lost.status).toBe(401);
    expect(lost.body).toMatch(/revoked/);
    const mallory = await models(pairs.mallory);
    expect(mallory.status).toBe(403);
    expect(JSON.parse(mallory.body).error.code).toBe('certificate_unmapped');
    const denied = (await d.audit()).filter((e) => e.type === 'auth:denied' && e.layer === 'L19');
    const reasons = denied.map((e) => e.reason);
    for (const r of ['cert_missing', 'cert_untrusted', 'cert_expired', 'cert_revoked', 'cert_unmapped'])
      expect(reasons).toContain(r);
    expect(denied.find((e) => e.reason === 'cert_unmapped')?.subject).toBe('CN=mallory');
  });

  it('a mapped certificate authenticates without a token and gets exactly its scopes', async () => {
    const alice = await models(pairs.alice);
    expect(alice.status).toBe(200);
    expect(JSON.parse(alice.body).data.map((m: { id: string }) => m.id)).toContain('default');
    const noAdmin = await httpsCall(`${d.daemon.url}/v1/approvals`, serverCa, { client: pairs.alice });
    expect(noAdmin.status).toBe(403);
    expect(JSON.parse(noAdmin.body).error.message).toMatch(/client certificate \(cn=alice\) lacks the "admin" scope/);
    const root = await httpsCall(`${d.daemon.url}/v1/approvals`, serverCa, { client: pairs.root });
    expect(root.status).toBe(200);
    // /health needs nothing.
    expect((await httpsCall(`${d.daemon.url}/health`, serverCa)).status).toBe(200);
  });

  // curl runs asynchronously: the daemon shares this process, so a synchronous spawn would block it from answering.
  it.skipIf(!hasCurl)('curl works over mTLS', async () => {
    const r = await run('curl', [
      '-sS',
      '--cacert',
      path.join(dir, 'tls', 'server.crt'),
      '--cert',
      pairs.alice.certFile,
      '--key',
      pairs.alice.keyFile,
      '-w',
      '\n%{http_code}',
      `${d.daemon.url.replace('127.0.0.1', 'localhost')}/v1/models`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').pop()).toBe('200');
    expect(r.stdout).toContain('"default"');
  });

  it('the openai SDK chats over mTLS; audit lines name the certificate caller', async () => {
    const dispatcher = new Agent({ connect: { ca: serverCa, cert: pairs.root.cert, key: pairs.root.key } });
    const client = new OpenAI({
      baseURL: `${d.daemon.url}/v1`,
      apiKey: 'not-used-with-a-client-certificate',
      maxRetries: 0,
      fetch: undiciFetch as unknown as typeof fetch,
      fetchOptions: { dispatcher } as Record<string, unknown>,
    });
    const answer = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBe('hello over mTLS');
    const stream = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'again' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('second answer');
    await dispatcher.close();
    const granted = (await d.audit()).filter(
      (e) => e.type === 'auth:granted' && e.sender === 'cert:san=root@ops.example',
    );
    // Once per TLS connection, not per request; the SDK's two requests share one connection or use two.
    expect(granted.length).toBeGreaterThanOrEqual(1);
    expect(granted[0]).toMatchObject({ layer: 'L19', scopes: 'chat,admin', owner: true, subject: 'CN=root' });
  });

  it('a certificate revoked while the daemon runs is refused once the CRL is re-read', async () => {
    expect((await models(pairs.later)).status).toBe(200);
    const r = await revokeAndWriteCrl(dir, 'later');
    expect(r.ok).toBe(true);
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      await new Promise((res) => setTimeout(res, 250));
      status = (await models(pairs.later)).status;
    }
    expect(status).toBe(401);
    expect((await models(pairs.alice)).status).toBe(200);
  });
});
