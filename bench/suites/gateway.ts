/**
 * Gateway overhead: L18 token verification as the token table grows (every entry is compared, by
 * design), and HTTP round trips on 127.0.0.1 through auth, validation and the OpenAI wire format,
 * with a scripted runtime so that only the gateway's own cost is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeAsync, timeSync, type Timing } from '../measure.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import { replyWith, startTestGateway } from '../../test/gateway/support.js';

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
        '401 refusal (audited)',
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

    const markdown = `## Gateway overhead (127.0.0.1, scripted runtime)\n\n${markdownTable(['case', 'n', 'p50 ms', 'p99 ms'], rows)}\n`;
    return { name: 'gateway', markdown, data, checks };
  },
};

export default suite;
