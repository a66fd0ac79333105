/** A real daemon over HTTPS (server.tls, optional mTLS) on a temp data dir, with a fake provider; HTTPS clients. */
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { openTokenAdmin, startDaemon, type RunningDaemon } from '../../src/daemon.js';
import { startFakeProvider, type FakeProvider, type FakeScript } from '../support/fake-provider.js';
import { FAKE_KEY_NAME, FAKE_KEY_VALUE, tempDataDir } from '../e2e/support.js';

export interface TlsDaemon {
  readonly dir: string;
  readonly daemon: RunningDaemon;
  readonly fake: FakeProvider;
  readonly token: string;
  readonly adminToken: string;
  audit(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/**
 * `serverYaml` is the YAML of the `server:` mapping's extra keys (indented two spaces, e.g. "  tls: {...}"); empty
 * for plain HTTP. `clock` is the daemon's L20 clock.
 */
export async function startTlsDaemon(
  dir: string,
  script: FakeScript,
  serverYaml: string,
  extraYaml = '',
  agentYaml = '',
  clock?: () => number,
): Promise<TlsDaemon> {
  process.env[FAKE_KEY_NAME] = FAKE_KEY_VALUE;
  resetEnvSnapshotForTests();
  const fake = await startFakeProvider({ script });
  writeFileSync(
    path.join(dir, 'config.yaml'),
    `server:
  host: 127.0.0.1
  port: 0
${serverYaml}
providers:
  fake: { type: openai, baseUrl: ${fake.openaiBaseUrl}, apiKey: { secret: ${FAKE_KEY_NAME} } }
agents:
  - id: default
    provider: fake
    model: fake-model
    systemPrompt: You are a test agent.
    tools: { profile: coding }
${agentYaml}
${extraYaml}
`,
    { mode: 0o600 },
  );
  const daemon = await startDaemon({ dataDir: dir, port: 0, ...(clock ? { clock } : {}) });
  const admin = openTokenAdmin(dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const chat = admin.value.create('e2e', ['chat']);
  const op = admin.value.create('operator', ['admin']);
  admin.value.close();
  if (!chat.ok || !op.ok) throw new Error('token creation failed');
  const { readFileSync, existsSync } = await import('node:fs');
  const auditFile = path.join(dir, 'audit.jsonl');
  return {
    dir,
    daemon,
    fake,
    token: chat.value.token,
    adminToken: op.value.token,
    audit: async () => {
      await daemon.flushAudit();
      return existsSync(auditFile)
        ? readFileSync(auditFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : [];
    },
    close: async () => {
      await daemon.close();
      await fake.close();
    },
  };
}

export interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface ClientPair {
  readonly cert: string;
  readonly key: string;
}

/** One HTTPS request trusting `ca`, optionally presenting a client certificate. */
export function httpsCall(
  url: string,
  ca: string,
  opts: {
    client?: ClientPair;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpsRequest(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        ca,
        servername: 'localhost',
        ...(opts.client ? { cert: opts.client.cert, key: opts.client.key } : {}),
        headers: {
          ...opts.headers,
          ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export { tempDataDir };
