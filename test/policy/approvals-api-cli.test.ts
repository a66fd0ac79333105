/** The operator surfaces of L13: the gateway API (real HTTP, real tokens, admin scope) and the CLI over it. */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { queueStore } from '../support/stores.js';
import { EventBus } from '../../src/core/events.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { createGateway } from '../../src/gateway/app.js';
import { approvalsRouteGroup } from '../../src/gateway/approvals-routes.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import { listen } from '../../src/gateway/server.js';
import { ApprovalQueue, type EffectView } from '../../src/policy/approvals.js';
import { register as registerApprovals } from '../../src/cli/commands/approvals.js';
import { register as registerUsage } from '../../src/cli/commands/usage.js';
import { usageStoreIn } from '../support/stores.js';
import { embeddedStoresExist, openEmbeddedStores } from '../../src/stores.js';
import { ok } from '../../src/core/result.js';
import type { CliServices } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const view: EffectView = {
  tool: 'exec',
  classes: ['exec', 'destructive'],
  reasons: ['rm is destructive'],
  agentId: 'coder',
  sessionId: 'sess_1',
  cwd: '/ws',
  network: { mode: 'none', grants: [] },
  args: '{"command":"rm -rf ~","env":{"API_TOKEN":"x"}}',
  argv: [['rm', '-rf', '~']],
  envNames: ['API_TOKEN'],
};
const ctx = { agentId: 'coder', sessionId: 'sess_1', traceId: 't', owner: true };

async function startGateway() {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-apr-'));
  const db = openDatabase(path.join(dir, 'bulwark.db'));
  const bus = new EventBus();
  const queue = new ApprovalQueue({ bus, ...queueStore() });
  const tokens = new TokenStore(db);
  const runtime = { listAgents: () => [], hasAgent: () => false, runTurn: async function* () {} };
  const gateway = createGateway({
    runtime,
    tokens,
    bus,
    logger: pino({ level: 'silent' }),
    bodyLimitBytes: 65536,
    routes: [approvalsRouteGroup({ queue, keepAliveMs: 50 })],
  });
  const server = await listen(gateway, '127.0.0.1', 0);
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => db.close(),
    () => server.close(),
    () => queue.shutdown(),
  );
  const token = (scopes: string[]) => {
    const r = tokens.create('t', scopes);
    if (!r.ok) throw new Error(r.error.message);
    return r.value.token;
  };
  return { url: server.url, queue, admin: token(['admin']), chat: token(['chat']), dir };
}

function cli(dataDir: string) {
  const out: string[] = [];
  const errs: string[] = [];
  let code = 0;
  const c: CliContext = {
    dataDir,
    stdout: (t) => out.push(t),
    stderr: (t) => errs.push(t),
    setExitCode: (n) => (code = n),
  };
  const program = new Command().exitOverride();
  const services = {
    openStores: async (dir: string) => (embeddedStoresExist(dir) ? openEmbeddedStores(dir) : ok(undefined)),
  } as CliServices;
  registerApprovals(program, c);
  registerUsage(program, c, services);
  return {
    run: async (...args: string[]) => {
      await program.parseAsync(['node', 'bulwark', ...args]);
      return { out: out.splice(0).join(''), err: errs.splice(0).join(''), code };
    },
  };
}

describe('L13 approvals API', () => {
  it('requires a token with the admin scope', async () => {
    const g = await startGateway();
    expect((await fetch(`${g.url}/v1/approvals`)).status).toBe(401);
    expect((await fetch(`${g.url}/v1/approvals`, { headers: { authorization: `Bearer ${g.chat}` } })).status).toBe(403);
    expect(
      (await fetch(`${g.url}/v1/approvals/stream`, { headers: { authorization: `Bearer ${g.chat}` } })).status,
    ).toBe(403);
    expect((await fetch(`${g.url}/v1/approvals`, { headers: { authorization: `Bearer ${g.admin}` } })).status).toBe(
      200,
    );
  });

  it('lists, shows, approves and refuses a second decision', async () => {
    const g = await startGateway();
    const waiting = g.queue.request('h1', view, ctx);
    const auth = { authorization: `Bearer ${g.admin}` };
    const list = (await (await fetch(`${g.url}/v1/approvals`, { headers: auth })).json()) as {
      data: Array<{ id: string; view: EffectView }>;
    };
    expect(list.data).toHaveLength(1);
    const id = list.data[0]!.id;
    const shown = (await (await fetch(`${g.url}/v1/approvals/${id}`, { headers: auth })).json()) as {
      view: EffectView;
      status: string;
    };
    expect(shown).toMatchObject({ status: 'pending', view: { argv: [['rm', '-rf', '~']], envNames: ['API_TOKEN'] } });
    // An approval must name the effect it was shown: none, or another one, is refused and changes nothing.
    const post = (body: string) =>
      fetch(`${g.url}/v1/approvals/${id}/approve`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
    const bare = await post('{"reason":"checked"}');
    expect(bare.status).toBe(400);
    expect(await bare.text()).toMatch(/effectHash/);
    const other = await post('{"reason":"checked","effectHash":"h2"}');
    expect(other.status).toBe(409);
    expect(g.queue.list()).toHaveLength(1);
    const res = await post('{"reason":"checked","effectHash":"h1"}');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'approved', reason: 'checked' });
    expect((await waiting).decision).toBe('approve');
    const again = await fetch(`${g.url}/v1/approvals/${id}/deny`, { method: 'POST', headers: auth });
    expect(again.status).toBe(404);
  });

  it('rejects malformed ids, bodies and forged tokens without changing anything', async () => {
    const g = await startGateway();
    const waiting = g.queue.request('h1', view, ctx);
    const auth = { authorization: `Bearer ${g.admin}`, 'content-type': 'application/json' };
    const id = g.queue.list()[0]!.id;
    expect((await fetch(`${g.url}/v1/approvals/../../etc`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${g.url}/v1/approvals/apr_zz/approve`, { method: 'POST', headers: auth })).status).toBe(400);
    expect(
      (await fetch(`${g.url}/v1/approvals/${id}/approve`, { method: 'POST', headers: auth, body: '{not json' })).status,
    ).toBe(400);
    expect(
      (
        await fetch(`${g.url}/v1/approvals/${id}/approve`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ reason: 'x'.repeat(20_000), effectHash: 'h1' }),
        })
      ).status,
    ).toBe(413);
    expect(
      (
        await fetch(`${g.url}/v1/approvals/${id}/approve`, {
          method: 'POST',
          headers: auth,
          body: '{"confirmed":true}',
        })
      ).status,
    ).toBe(400);
    const forged = `bwa1.${id}.approve.99999999999999.${Buffer.alloc(32).toString('base64url')}`;
    expect(
      (
        await fetch(`${g.url}/v1/approvals/decide`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ token: forged }),
        })
      ).status,
    ).toBe(403);
    expect(g.queue.list()).toHaveLength(1);
    // A token minted for an operator channel works once.
    const minted = g.queue.mintToken(id, 'deny');
    if (!minted.ok) throw new Error('mint failed');
    expect(
      (
        await fetch(`${g.url}/v1/approvals/decide`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ token: minted.value }),
        })
      ).status,
    ).toBe(200);
    expect((await waiting).decision).toBe('deny');
    expect(
      (
        await fetch(`${g.url}/v1/approvals/decide`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ token: minted.value }),
        })
      ).status,
    ).toBe(404);
  });

  it('streams new requests as server-sent events', async () => {
    const g = await startGateway();
    const abort = new AbortController();
    const res = await fetch(`${g.url}/v1/approvals/stream`, {
      headers: { authorization: `Bearer ${g.admin}` },
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    void g.queue.request('h-stream', view, ctx);
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('\n\n') || !text.includes('event: approval')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toMatch(/event: approval/);
    const data = text.split('\n').find((l) => l.startsWith('data:'))!;
    expect(JSON.parse(data.slice(5))).toMatchObject({ status: 'pending', view: { tool: 'exec' } });
    abort.abort();
  });
});

describe('bulwark approvals / bulwark usage', () => {
  it('list, show (full effect) and deny through the daemon API', async () => {
    const g = await startGateway();
    const waiting = g.queue.request('h1', { ...view, diff: '--- a\n+++ a\n-old\n+new\u001b[2J' }, ctx);
    const c = cli(g.dir);
    const conn = ['--url', g.url, '--token', g.admin];
    const list = await c.run('approvals', 'list', ...conn);
    const id = g.queue.list()[0]!.id;
    expect(list.out).toContain(id);
    expect(list.out).toContain('rm -rf ~');
    const show = await c.run('approvals', 'show', id, ...conn);
    expect(show.out).toMatch(/argv\[0\]\s+\["rm","-rf","~"\]/);
    expect(show.out).toMatch(/env names\s+API_TOKEN/);
    expect(show.out).toMatch(/cwd\s+\/ws/);
    expect(show.out).toMatch(/network\s+none/);
    expect(show.out).toContain('+new\\u001b[2J');
    expect(show.out).not.toContain('\u001b');
    const deny = await c.run('approvals', 'deny', id, '--reason', 'no', ...conn);
    expect(deny.out).toContain('denied');
    expect((await waiting).decision).toBe('deny');
  });

  it('list and show put the command that made it ask first, whatever its place in the command line', async () => {
    const g = await startGateway();
    const harmless = Array.from({ length: 8 }, (_, i) => ['cat', `notes${i}.txt`]);
    const waiting = g.queue.request(
      'h2',
      {
        ...view,
        argv: [...harmless, ['rm', '-rf', '~']],
        argvClasses: [...harmless.map(() => ['read' as const]), ['destructive' as const]],
        asks: ['destructive'],
      },
      ctx,
    );
    const c = cli(g.dir);
    const conn = ['--url', g.url, '--token', g.admin];
    const list = await c.run('approvals', 'list', ...conn);
    expect(list.out).toMatch(/ rm -rf ~ ; cat notes0\.txt/);
    const id = g.queue.list()[0]!.id;
    const show = await c.run('approvals', 'show', id, ...conn);
    expect(show.out).toMatch(/classes\s+exec, destructive \(asks for: destructive\)/);
    expect(show.out.split('\n').filter((l) => l.startsWith('argv['))[0]).toBe(
      'argv[8]    ["rm","-rf","~"]  <- destructive',
    );
    await c.run('approvals', 'deny', id, ...conn);
    expect((await waiting).decision).toBe('deny');
  });

  it('reports a clear error without a token or with a chat-only token', async () => {
    const g = await startGateway();
    const c = cli(g.dir);
    const r = await c.run('approvals', 'list', '--url', g.url, '--token', g.chat);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/admin/);
  });

  it('usage shows spend from the persisted counters', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-usage-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = cli(dir);
    expect((await c.run('usage')).out).toMatch(/no usage recorded yet/);
    const store = usageStoreIn(dir);
    await store.record({
      agent: 'coder',
      model: 'gpt-x',
      inputTokens: 1200,
      outputTokens: 300,
      cost: 0.0125,
      at: Date.now(),
    });
    store.close();
    const r = await c.run('usage');
    expect(r.out).toMatch(/coder\s+gpt-x\s+1\s+1200\s+300\s+0\.0125/);
    expect((await c.run('usage', '--days', '99')).code).toBe(1);
  });
});

/** A loopback server that plays a scripted approval stream, standing in for a broken or hostile daemon. */
async function fakeStream(play: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => play(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const goodEvent = {
  id: 'apr_0123456789abcdef01234567',
  status: 'pending',
  effectHash: 'ab'.repeat(32),
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:05:00.000Z',
  waiters: 1,
  view: { ...view, agentId: 'coder\u001b]0;pwned\u0007' },
};
const NO_STACK = /\n\s+at .+:\d+:\d+/;

describe('bulwark approvals watch against a broken stream', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-watch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  it('skips malformed frames with a clear message, keeps watching, and exits 1 when the stream ends', async () => {
    const url = await fakeStream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keep-alive\n\n');
      res.write('event: approval\ndata: {not json\n\n');
      res.write('event: approval\ndata: {"id":"apr_x","view":null}\n\n');
      res.write('event: approval\ndata: 42\n\n');
      res.write('event: approval\ndata: \n\n');
      res.write('event: other\ndata: whatever\n\n');
      res.write('garbage line without colon\n\n');
      // A good event split across writes, with CRLF line ends.
      const frame = `event: approval\r\nid: ${goodEvent.id}\r\ndata: ${JSON.stringify(goodEvent)}\r\n\r\n`;
      res.write(frame.slice(0, 40));
      setTimeout(() => res.end(frame.slice(40)), 20);
    });
    const r = await cli(dir).run('approvals', 'watch', '--url', url, '--token', 'bwk_test');
    expect(r.out).toContain(goodEvent.id);
    expect(r.out).toMatch(/argv\[0\]\s+\["rm","-rf","~"\]/);
    expect(r.out).not.toContain('\u001b');
    const skipped = r.err.split('\n').filter((l) => l.includes('skipped an approval event'));
    expect(skipped).toHaveLength(4);
    expect(skipped[0]).toMatch(/not JSON/);
    expect(skipped[1]).toMatch(/not an approval \(.*\)/);
    expect(r.err).toMatch(/closed the approval stream/);
    expect(r.err).not.toMatch(NO_STACK);
    expect(r.code).toBe(1);
  });

  it('reads lone-CR line ends and a CRLF cut between two writes, byte by byte', async () => {
    const url = await fakeStream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const crlf = `event: approval\r\ndata: ${JSON.stringify(goodEvent)}\r\n\r\n`;
      const cr = `event: approval\rdata: ${JSON.stringify({ ...goodEvent, id: 'apr_fedcba9876543210fedcba98' })}\r\r`;
      const all = crlf + cr;
      let i = 0;
      const tick = (): void => {
        if (i >= all.length) return void res.end();
        res.write(all.slice(i, i + 7));
        i += 7;
        setImmediate(tick);
      };
      tick();
    });
    const r = await cli(dir).run('approvals', 'watch', '--json', '--url', url, '--token', 'bwk_test');
    const ids = r.out
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual([goodEvent.id, 'apr_fedcba9876543210fedcba98']);
    expect(r.err).not.toMatch(/skipped/);
  });

  it('a CRLF whose LF arrives alone is one line end, not two', async () => {
    const url = await fakeStream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const parts = [
        `event: approval\r\ndata: ${JSON.stringify(goodEvent)}\r`,
        '\n',
        '\r',
        '\n',
        `event: approval\r\ndata: ${JSON.stringify({ ...goodEvent, id: 'apr_fedcba9876543210fedcba98' })}\r\n\r\n`,
      ];
      const next = (): void => {
        const p = parts.shift();
        if (p === undefined) return void res.end();
        res.write(p);
        setTimeout(next, 5);
      };
      next();
    });
    const r = await cli(dir).run('approvals', 'watch', '--json', '--url', url, '--token', 'bwk_test');
    expect(
      r.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual([goodEvent.id, 'apr_fedcba9876543210fedcba98']);
  });

  it('prints JSON for --json and names a non-SSE answer', async () => {
    const sse = await fakeStream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`event: approval\ndata: ${JSON.stringify(goodEvent)}\n\n`);
    });
    const j = await cli(dir).run('approvals', 'watch', '--json', '--url', sse, '--token', 'bwk_test');
    expect(JSON.parse(j.out.trim())).toMatchObject({ id: goodEvent.id });

    const html = await fakeStream((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hi</html>');
    });
    const r = await cli(dir).run('approvals', 'watch', '--url', html, '--token', 'bwk_test');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/text\/html, not text\/event-stream/);
  });

  it('stops on a frame that never ends instead of buffering it', async () => {
    const url = await fakeStream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = 'data: ' + 'x'.repeat(64 * 1024);
      let sent = 0;
      const more = (): void => {
        if (res.destroyed || sent > 200) return;
        sent++;
        if (res.write(chunk)) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    });
    const r = await cli(dir).run('approvals', 'watch', '--url', url, '--token', 'bwk_test');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/frame larger than \d+ bytes/);
    expect(r.err).not.toMatch(NO_STACK);
  });

  it('reports a connection cut mid-stream and an unreachable daemon', async () => {
    const url = await fakeStream((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: approval\ndata: {"id":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const r = await cli(dir).run('approvals', 'watch', '--url', url, '--token', 'bwk_test');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/lost the approval stream|closed the approval stream/);
    expect(r.err).not.toMatch(NO_STACK);

    const refused = await fakeStream((res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: 'nope', type: 'permission_error', code: 'missing_scope', param: null } }),
      );
    });
    const f = await cli(dir).run('approvals', 'watch', '--url', refused, '--token', 'bwk_test');
    expect(f.code).toBe(1);
    expect(f.err).toMatch(/answered 403 on the approval stream: nope \(.*admin scope\)/);

    const gone = `http://127.0.0.1:${await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    })}`;
    const u = await cli(dir).run('approvals', 'watch', '--url', gone, '--token', 'bwk_test');
    expect(u.code).toBe(1);
    expect(u.err).toMatch(/cannot reach the daemon/);
  });
});

describe('L13 approvals API under a large chunked body', () => {
  it('answers 413 while a 10 MB chunked body is still being sent, and keeps serving', async () => {
    const g = await startGateway();
    const waiting = g.queue.request('h-big', view, ctx);
    const id = g.queue.list()[0]!.id;
    const target = new URL(`${g.url}/v1/approvals/${id}/approve`);
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const total = 10 * 1024 * 1024;
    let sent = 0;
    const { res, body } = await new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${g.admin}`,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (d: string) => (text += d));
          response.on('end', () => resolve({ res: response, body: text }));
          response.on('error', reject);
        },
      );
      let answered = false;
      req.on('response', () => (answered = true));
      // The server may reset the connection once it has answered: that is not a failure of this test.
      req.on('error', (e) => (answered ? undefined : reject(e)));
      const pump = (): void => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    });
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'body_too_large', type: 'invalid_request_error' } });
    expect(sent).toBeLessThan(total);
    // Still pending (the body never reached the decision), and the daemon still answers.
    expect(await g.queue.get(id)).toMatchObject({ id });
    expect((await fetch(`${g.url}/health`)).status).toBe(200);
    const list = await fetch(`${g.url}/v1/approvals`, { headers: { authorization: `Bearer ${g.admin}` } });
    expect(list.status).toBe(200);
    const ok = await fetch(`${g.url}/v1/approvals/${id}/deny`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.admin}`, 'content-type': 'application/json' },
      body: '{"reason":"too big"}',
    });
    expect(ok.status).toBe(200);
    expect((await waiting).decision).toBe('deny');
  });
});
