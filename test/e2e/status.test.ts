/**
 * Live layer state from a running daemon: the provider fails until the L22 breaker opens, and
 * GET /v1/status (admin only), `bulwark status` and `bulwark layers` show L22 degraded naming it.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { createProgram, type CliServices } from '../../src/cli/program.js';
import { ok } from '../../src/core/result.js';
import { embeddedStoresExist, openEmbeddedStores } from '../../src/stores.js';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import {
  offlineView,
  openMemoryAdmin,
  openTokenAdmin,
  startDaemon,
  TOKEN_SCOPE_HELP,
  type RunningDaemon,
} from '../../src/daemon.js';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.js';
import { configYaml, FAKE_KEY_NAME, FAKE_KEY_VALUE, tempDataDir } from './support.js';

const THRESHOLD = 2;
const BREAKER_KEY = 'fake/fake-model';

interface StatusJson {
  object: string;
  daemon: { url: string | null; uptimeSeconds: number; startedAt: string };
  summary: Record<'on' | 'off' | 'degraded' | 'absent', number>;
  layers: Array<{ id: string; name: string; state: string; reason: string }>;
  breakers: Array<{ key: string; state: string; consecutiveFailures: number; timesOpened: number; retryAt?: string }>;
  budget: {
    agents: Array<{ agentId: string; hour: number; day: number }>;
    global: { hour: number; day: number };
  } | null;
  approvals: { pending: number; closed: boolean };
}

let dir: string;
let daemon: RunningDaemon;
let fake: FakeProvider;
let chatToken: string;
let adminToken: string;
let failing = true;

function token(name: string, scopes: string[]): string {
  const admin = openTokenAdmin(dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const created = admin.value.create(name, scopes);
  admin.value.close();
  if (!created.ok) throw new Error(created.error.message);
  return created.value.token;
}

async function getStatus(bearer?: string): Promise<Response> {
  return fetch(`${daemon.url}/v1/status`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {});
}

async function chat(): Promise<Response> {
  return fetch(`${daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${chatToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hello' }] }),
  });
}

function cli() {
  const out: string[] = [];
  const errs: string[] = [];
  let code = 0;
  const ctx: CliContext = {
    dataDir: dir,
    stdout: (t) => out.push(t),
    stderr: (t) => errs.push(t),
    setExitCode: (n) => (code = n),
  };
  const services: CliServices = {
    openStores: async (d) => (embeddedStoresExist(d) ? openEmbeddedStores(d) : ok(undefined)),
    openTokens: openTokenAdmin,
    openMemory: openMemoryAdmin,
    layers: offlineView,
    startDaemon,
    scopes: TOKEN_SCOPE_HELP,
  };
  return async (...args: string[]) => {
    await createProgram(ctx, services).parseAsync(['node', 'bulwark', ...args]);
    return { out: out.join(''), err: errs.join(''), code };
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  process.env[FAKE_KEY_NAME] = FAKE_KEY_VALUE;
  resetEnvSnapshotForTests();
  fake = await startFakeProvider({
    script: () => (failing ? { status: 500, errorMessage: 'upstream exploded' } : { text: 'hi' }),
  });
  dir = tempDataDir();
  const config = `${configYaml('openai', fake.openaiBaseUrl)}breaker: { failureThreshold: ${THRESHOLD}, cooldownMs: 3600000 }\n`;
  writeFileSync(path.join(dir, 'config.yaml'), config, { mode: 0o600 });
  daemon = await startDaemon({ dataDir: dir, port: 0 });
  chatToken = token('chat', ['chat']);
  adminToken = token('operator', ['admin']);
});

afterAll(async () => {
  await daemon?.close();
  await fake?.close();
});

describe('GET /v1/status', () => {
  it('needs a token (401) with the admin scope (403 for a chat token), and GET only', async () => {
    expect((await getStatus()).status).toBe(401);
    const chatOnly = await getStatus(chatToken);
    expect(chatOnly.status).toBe(403);
    expect(JSON.stringify(await chatOnly.json())).not.toContain('L22');
    expect((await getStatus('bwk_not-a-real-token')).status).toBe(401);
    const post = await fetch(`${daemon.url}/v1/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('reports the breakers closed and L22 on while the provider has not failed', async () => {
    const res = await getStatus(adminToken);
    expect(res.status).toBe(200);
    const s = (await res.json()) as StatusJson;
    expect(s.object).toBe('status');
    expect(s.daemon.url).toBe(daemon.url);
    expect(s.layers.map((l) => l.id)).toHaveLength(27);
    expect(s.layers.find((l) => l.id === 'L22')?.state).toBe('on');
    expect(s.breakers.filter((b) => b.state !== 'closed')).toEqual([]);
    expect(s.budget?.agents.map((a) => a.agentId)).toContain('default');
    expect(s.summary.on + s.summary.off + s.summary.degraded + s.summary.absent).toBe(27);
  });

  it('shows L22 degraded naming provider/model once the breaker opened, and refuses calls while open', async () => {
    for (let i = 0; i < THRESHOLD; i++) expect((await chat()).status).toBeGreaterThanOrEqual(400);
    const callsBefore = fake.calls;
    expect(callsBefore).toBe(THRESHOLD);
    failing = false;
    // Open: the next turn fails at once without reaching the provider.
    expect((await chat()).status).toBeGreaterThanOrEqual(400);
    expect(fake.calls).toBe(callsBefore);

    const s = (await (await getStatus(adminToken)).json()) as StatusJson;
    const l22 = s.layers.find((l) => l.id === 'L22');
    expect(l22?.state).toBe('degraded');
    expect(l22?.reason).toContain(BREAKER_KEY);
    expect(l22?.reason).toContain('open');
    const breaker = s.breakers.find((b) => b.key === BREAKER_KEY);
    expect(breaker).toMatchObject({ state: 'open', timesOpened: 1 });
    expect(breaker?.consecutiveFailures).toBeGreaterThanOrEqual(THRESHOLD);
    expect(s.summary.degraded).toBeGreaterThanOrEqual(1);
    // The start-time list the daemon kept is not what /v1/status reports now.
    expect(daemon.layers.find((l) => l.id === 'L22')?.state).toBe('on');
  });
});

describe('bulwark status and bulwark layers against the daemon', () => {
  // Runs alone too (vitest -t): the breaker is opened here when the API tests above did not.
  beforeAll(async () => {
    while (fake.calls < THRESHOLD) await chat();
    failing = false;
  });

  it('status --json prints the live status with the open breaker', async () => {
    const r = await cli()('status', '--json', '--url', daemon.url, '--token', adminToken);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as StatusJson;
    expect(s.layers.find((l) => l.id === 'L22')?.state).toBe('degraded');
    expect(s.breakers.find((b) => b.key === BREAKER_KEY)?.state).toBe('open');
  });

  it('status prints a table naming the open breaker', async () => {
    const r = await cli()('status', '--url', daemon.url, '--token', adminToken);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/L22\s+Circuit breaker\s+degraded\s+open: fake\/fake-model \(open\)/);
    expect(r.out).toMatch(/fake\/fake-model\s+open\s+\d+/);
    expect(r.out).toContain(daemon.url);
  });

  it('status with a chat token: exit 1 and a message naming the admin scope', async () => {
    const r = await cli()('status', '--url', daemon.url, '--token', chatToken);
    expect(r.code).toBe(1);
    expect(r.err).toContain('403');
    expect(r.err).toContain('admin scope');
    expect(r.out).toBe('');
  });

  it('status with no daemon listening: exit 1 and a clear message, no stack', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cli()('status', '--url', url, '--token', adminToken);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot reach the daemon at ${url}`);
    expect(r.err).toContain('bulwark start');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('status rejects a bad --timeout before calling anything', async () => {
    const r = await cli()('status', '--url', daemon.url, '--token', adminToken, '--timeout', 'soon');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--timeout');
  });

  it('layers shows the live view when a daemon answers, and says so', async () => {
    const r = await cli()('layers', '--json', '--url', daemon.url, '--token', adminToken);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`live view from the daemon at ${daemon.url}`);
    const layers = JSON.parse(r.out) as Array<{ id: string; state: string; reason: string }>;
    expect(layers).toHaveLength(27);
    expect(layers.find((l) => l.id === 'L22')).toMatchObject({ state: 'degraded' });
    const table = await cli()('layers', '--url', daemon.url, '--token', adminToken);
    expect(table.out.split('\n')[0]).toBe(`live view from the daemon at ${daemon.url}`);
    expect(table.out).toMatch(/L22\s+Circuit breaker\s+runtime\s+degraded/);
  });

  it('layers falls back to the offline view when no daemon answers, and says why', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cli()('layers', '--url', url, '--token', adminToken);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toContain('offline view');
    expect(r.out.split('\n')[0]).toContain(`cannot reach the daemon at ${url}`);
    expect(r.out).toMatch(/L22\s+Circuit breaker\s+runtime\s+on/);
    const offline = await cli()('layers', '--offline', '--url', daemon.url, '--token', adminToken);
    expect(offline.out.split('\n')[0]).toBe('offline view (config and host probe)');
    expect(offline.out).toMatch(/L22\s+Circuit breaker\s+runtime\s+on/);
  });

  it('layers with a chat token falls back to the offline view naming the 403', async () => {
    const r = await cli()('layers', '--json', '--url', daemon.url, '--token', chatToken);
    expect(r.code).toBe(0);
    expect(r.err).toContain('offline view');
    expect(r.err).toContain('403');
    expect((JSON.parse(r.out) as unknown[]).length).toBe(27);
  });
});
