/** `bulwark broker status` with a running daemon (real broker, real gateway, admin API) and without one. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlsStatus } from '../../src/agent/controls.js';
import type { BrokerStatus } from '../../src/broker/index.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';
import { register } from '../../src/cli/commands/broker.js';
import type { CliContext } from '../../src/cli/context.js';
import { EventBus } from '../../src/core/events.js';
import { LayerCatalogue } from '../../src/core/layers.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { createGateway } from '../../src/gateway/app.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import { listen } from '../../src/gateway/server.js';
import { statusRouteGroup } from '../../src/gateway/status-routes.js';
import { nodeClient, rig } from '../broker/harness.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const controls = {
  status: async (): Promise<ControlsStatus> =>
    ({
      layers: [],
      breakers: [],
      approvals: { pending: 0, cachedApprovals: 0, cachedDenials: 0, closed: false },
    }) as unknown as ControlsStatus,
};

async function daemon(broker?: () => unknown): Promise<{ url: string; admin: string; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-broker-status-'));
  const db = openDatabase(path.join(dir, 'bulwark.db'));
  const tokens = new TokenStore(db);
  const runtime = { listAgents: () => [], hasAgent: () => false, runTurn: async function* () {} };
  const listening: { url?: string } = {};
  const gateway = createGateway({
    runtime,
    tokens,
    bus: new EventBus(),
    logger: pino({ level: 'silent' }),
    bodyLimitBytes: 65536,
    routes: [
      statusRouteGroup({
        catalogue: new LayerCatalogue([]),
        controls,
        agentIds: [],
        url: () => listening.url,
        startedAt: Date.now(),
        ...(broker ? { broker: broker as () => BrokerStatus } : {}),
      }),
    ],
  });
  const server = await listen(gateway, '127.0.0.1', 0);
  listening.url = server.url;
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => db.close(),
    () => server.close(),
  );
  const t = tokens.create('admin', ['admin']);
  if (!t.ok) throw new Error(t.error.message);
  return { url: server.url, admin: t.value.token, dir };
}

function cli(dataDir: string) {
  const c = { out: '', err: '', code: 0 };
  const ctx: CliContext = {
    dataDir,
    stdout: (t) => (c.out += t),
    stderr: (t) => (c.err += t),
    setExitCode: (n) => (c.code = n),
  };
  const program = new Command().exitOverride();
  register(program, ctx);
  return async (...args: string[]) => {
    c.out = '';
    c.err = '';
    await program.parseAsync(['node', 'bulwark', 'broker', 'status', ...args]);
    return { ...c };
  };
}

describe('bulwark broker status: live from the daemon', () => {
  it('GET /v1/status carries the running broker, and the CLI prints its sessions and totals', async () => {
    const r = await rig();
    cleanups.push(() => r.close());
    const res = await nodeClient(r.session.socketPath, r.broker.caCertPem, {
      token: r.session.token,
      host: 'api.test',
      port: r.upstream.port,
      method: 'POST',
      path: '/v1/messages',
      headers: { 'x-api-key': PLACEHOLDER, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const d = await daemon(() => r.broker.status());

    const status = (await (
      await fetch(`${d.url}/v1/status`, { headers: { authorization: `Bearer ${d.admin}` } })
    ).json()) as { broker: BrokerStatus };
    expect(status.broker).toMatchObject({ activeSessions: 1, totals: { requests: 1, injected: 1, denied: 0 } });

    const run = cli(d.dir);
    const text = await run('--url', d.url, '--token', d.admin);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`live from the daemon at ${d.url}`);
    expect(text.out).toMatch(/Running broker: 1 active session\(s\)/);
    expect(text.out).toMatch(/Requests: 1 total: 1 with a secret injected, 0 passed through .*, 0 denied/);
    expect(text.out).toMatch(/CA in use: SHA-256 [0-9A-F:]+/i);

    const json = JSON.parse((await run('--json', '--url', d.url, '--token', d.admin)).out) as {
      live: BrokerStatus;
      source: string;
    };
    expect(json.live).toMatchObject({ activeSessions: 1, totals: { injected: 1 } });
  });

  it('says when the daemon runs no broker, and refuses a broker status it cannot read', async () => {
    const none = await daemon();
    expect(
      (
        (await (
          await fetch(`${none.url}/v1/status`, { headers: { authorization: `Bearer ${none.admin}` } })
        ).json()) as { broker: unknown }
      ).broker,
    ).toBeNull();
    const a = await cli(none.dir)('--url', none.url, '--token', none.admin);
    expect(a.code).toBe(0);
    expect(a.out).toContain('runs no broker');
    expect(a.out).not.toContain('Running broker');

    const garbage = await daemon(() => ({ activeSessions: '\u001b[2Jlots', totals: null }));
    const b = await cli(garbage.dir)('--url', garbage.url, '--token', garbage.admin);
    expect(b.code).toBe(0);
    expect(b.out).toContain('cannot read');
    expect(b.out).not.toContain('\u001b');
  });
});

describe('bulwark broker status: no daemon', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-broker-status-off-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  it('falls back to the configuration with a note when nothing answers', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await cli(dir)('--url', `http://127.0.0.1:${port}`, '--token', 'bwk_whatever');
    expect(r.code).toBe(0);
    expect(r.out).toContain('configuration only: no daemon is running');
    expect(r.out).toContain('No bindings');
    const j = JSON.parse(
      (await cli(dir)('--json', '--url', `http://127.0.0.1:${port}`, '--token', 'bwk_whatever')).out,
    ) as { live: unknown; source: string };
    expect(j.live).toBeNull();
    expect(j.source).toMatch(/no daemon is running/);
  });

  it('without a token: configuration only, and says how to see the live broker', async () => {
    const r = await cli(dir)();
    expect(r.code).toBe(0);
    expect(r.out).toContain('set BULWARK_TOKEN');
    expect(r.out).toContain('disabled');
  });
});
