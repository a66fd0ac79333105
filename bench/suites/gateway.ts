/**
 * Gateway overhead: L18 token verification as the token table grows (every entry is compared, by
 * design), and HTTP round trips on 127.0.0.1 through auth, validation and the OpenAI wire format,
 * with a scripted runtime so that only the gateway's own cost is measured. Then an authenticated request while
 * 1,000 idle slow-header connections are held, against the same request on a quiet gateway.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeAsync, timeSync, type Timing } from '../measure.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import { replyWith, startTestGateway } from '../../test/gateway/support.js';
import { rawRequest, slowHeaderFlood, stillOpen } from '../../test/gateway/support-sockets.js';

const FLOOD = 1000;

/** Authenticated GET /v1/models: over one keep-alive connection, and on a new connection each time. */
async function authenticatedTimings(
  url: string,
  token: string,
  n: number,
): Promise<{ keepAlive: Timing; fresh: Timing }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = { authorization: `Bearer ${token}` };
  const once = async (a: http.Agent | undefined): Promise<void> => {
    const r = await rawRequest(url, { path: '/v1/models', headers, ...(a ? { agent: a } : {}) });
    if (r.status !== 200) throw new Error(`authenticated request answered ${r.status}`);
  };
  try {
    const keepAlive = await timeAsync(() => once(agent), n);
    const fresh = await timeAsync(() => once(new http.Agent({ keepAlive: false })), n);
    return { keepAlive, fresh };
  } finally {
    agent.destroy();
  }
}

function verifyTiming(count: number): Timing {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-tok-'));
  const db = openDatabase(path.join(dir, 'bulwark.db'));
  try {
    const store = new TokenStore(db);
    let last = '';
    for (let i = 0; i < count; i++) {
      const r = store.create(`t${i}`, ['chat']);
      if (!r.ok) throw new Error(r.error.message);
      last = r.value.token;
    }
    return timeSync(() => {
      if (!store.verify(last).ok) throw new Error('verify failed');
    }, 2000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const suite: Suite = {
  name: 'gateway',
  async run() {
    const rows: (string | number)[][] = [];
    const data: Record<string, Timing> = {};
    const checks: Check[] = [];
    const add = (name: string, t: Timing, maxP50Ms?: number): void => {
      data[name] = t;
      rows.push([name, t.n, t.p50 / 1000, t.p99 / 1000]);
      if (maxP50Ms !== undefined) checks.push({ name: `${name} p50 ms`, value: t.p50 / 1000, max: maxP50Ms });
    };

    for (const n of [1, 100, 1000]) add(`L18 verify, ${n} stored token(s)`, verifyTiming(n), n === 1000 ? 1 : 0.5);

    const gw = await startTestGateway(() => replyWith('a short answer of a few words'), {
      bodyLimitBytes: 1024 * 1024,
    });
    try {
      const auth = { authorization: `Bearer ${gw.token(['chat'])}` };
      const body = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hello' }] });
      const streamBody = JSON.stringify({
        model: 'default',
        messages: [{ role: 'user', content: 'hello' }],
        stream: true,
      });
      const post = (b: string | Uint8Array): Promise<Response> =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: b,
        });

      add(
        'GET /health (no auth)',
        await timeAsync(async () => void (await (await fetch(`${gw.url}/health`)).arrayBuffer()), 1000),
      );
      add(
        'GET /v1/models (L18 + scope)',
        await timeAsync(
          async () => void (await (await fetch(`${gw.url}/v1/models`, { headers: auth })).arrayBuffer()),
          1000,
        ),
        5,
      );
      add(
        'refusal without a token (401, then 429 once loopback is throttled)',
        await timeAsync(async () => void (await (await fetch(`${gw.url}/v1/models`)).arrayBuffer()), 500),
      );
      add(
        'POST chat, non-streaming (scripted runtime)',
        await timeAsync(async () => void (await (await post(body)).arrayBuffer()), 1000),
        10,
      );
      add(
        'POST chat, streaming SSE (scripted runtime)',
        await timeAsync(async () => void (await (await post(streamBody)).arrayBuffer()), 1000),
        10,
      );
      const big = new Uint8Array(10 * 1024 * 1024).fill(0x20);
      add(
        '10 MB body refused with 413',
        await timeAsync(async () => void (await (await post(big)).arrayBuffer()), 50, 5),
      );
    } finally {
      await gw.close();
    }

    // The same authenticated request, quiet and with FLOOD idle slow-header connections held at the connection cap.
    const floodRows: (string | number)[][] = [];
    const capped = await startTestGateway(() => replyWith('ok'), {
      connections: { max: FLOOD, perAddress: FLOOD },
      timeouts: { headersMs: 120_000, bodyMs: 120_000, keepAliveMs: 5_000 },
    });
    try {
      const token = capped.token(['chat']);
      const quiet = await authenticatedTimings(capped.url, token, 500);
      const flood = await slowHeaderFlood(capped.url, FLOOD);
      try {
        const deadline = Date.now() + 30_000;
        while (capped.gateway.connections.open < FLOOD && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        capped.gateway.connections.takeCounters();
        const held = capped.gateway.connections.open;
        const busy = await authenticatedTimings(capped.url, token, 500);
        const counters = capped.gateway.connections.takeCounters();
        for (const [name, t] of [
          ['quiet, keep-alive', quiet.keepAlive],
          [`${held} idle connections held, keep-alive`, busy.keepAlive],
          ['quiet, new connection each', quiet.fresh],
          [`${held} idle connections at the cap, new connection each`, busy.fresh],
        ] as const) {
          data[`authenticated GET /v1/models, ${name}`] = t;
          floodRows.push([name, t.n, t.p50 / 1000, t.p99 / 1000]);
        }
        checks.push({
          name: 'authenticated p50 under the idle flood, new connection each (ms)',
          value: busy.fresh.p50 / 1000,
          max: 25,
        });
        floodRows.push([
          `flood connections still open / evicted / refused`,
          `${stillOpen(flood)} / ${counters.evicted} / ${counters.refused}`,
          '',
          '',
        ]);
      } finally {
        for (const sock of flood) sock.destroy();
      }
    } finally {
      await capped.close();
    }

    const markdown = `## Gateway overhead (127.0.0.1, scripted runtime)\n\n${markdownTable(['case', 'n', 'p50 ms', 'p99 ms'], rows)}\n\n## Authenticated request under an idle-connection flood (cap ${FLOOD} connections)\n\n${FLOOD} connections that sent half a request line and then nothing, from 127.0.0.2–201 (all of loopback counts as one address; per-address cap raised to ${FLOOD} here so the whole flood is held). A new connection at the cap closes the oldest one that has not authenticated (here the first one does; each later one finds the room its predecessor left when it closed).\n\n${markdownTable(['case', 'n', 'p50 ms', 'p99 ms'], floodRows)}\n`;
    return { name: 'gateway', markdown, data, checks };
  },
};

export default suite;
