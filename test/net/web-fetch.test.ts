import { testCaller } from '../support/drivers.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebFetchTool } from '../../src/agent/tools/web-fetch.js';
import { SsrfGuard } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import type { ToolRunContext } from '../../src/agent/tools/tool.js';
import { httpServer, text, type TestServer } from './helpers.js';
import { EventBus } from '../../src/core/events.js';

/** The L10 refusals of these checks are audited on a real bus. */
const NET_BUS = new EventBus();

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});

const ctx: ToolRunContext = {
  agentId: 'a',
  sessionId: 's',
  traceId: 't',
  caller: testCaller('u'),
  workspace: '/nonexistent',
  signal: new AbortController().signal,
};

async function setup(handler: Parameters<typeof httpServer>[0]) {
  const s = await httpServer(handler);
  servers.push(s);
  const guard = new SsrfGuard({
    bus: NET_BUS,
    resolver: new StubResolver({ 'docs.test': [['127.0.0.1']] }),
    config: { allow: [`docs.test:${s.port}`], ports: [80, 443] },
  });
  return { s, tool: createWebFetchTool({ guard }), url: `http://docs.test:${s.port}` };
}

describe('web_fetch', () => {
  it('declares itself as external network content in the web group', async () => {
    const { tool } = await setup(text('x'));
    expect(tool.spec.name).toBe('web_fetch');
    expect(tool.group).toBe('web');
    expect(tool.actionClass).toBe('network');
    expect(tool.external).toBe(true);
    expect(JSON.stringify(tool.spec.inputSchema)).toContain('"url"');
  });

  it('returns readable text from HTML: no scripts, no styles, no markup', async () => {
    const html =
      '<!doctype html><html><head><style>body{color:red}</style><script>steal()</script></head><body><h1>Title</h1><p>Hello <b>world</b>, see <a href="/docs">the docs</a>.</p></body></html>';
    const { tool, url } = await setup(text(html, 200, 'text/html; charset=utf-8'));
    const r = await tool.run({ url: `${url}/page` }, ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toContain('Status: 200');
    expect(r.value).toContain('Hello world, see the docs');
    expect(r.value).not.toMatch(/<p>|steal\(\)|color:red/);
  });

  it('refuses private, metadata and odd-form addresses without touching them', async () => {
    const { tool, s } = await setup(text('never'));
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      `http://127.0.0.1:${s.port}/`,
      `http://2130706433:${s.port}/`,
      'http://[::ffff:10.0.0.1]/',
      'file:///etc/passwd',
      'http://user@docs.test/',
    ]) {
      const r = await tool.run({ url }, ctx);
      expect(r.ok, url).toBe(false);
    }
    expect(s.log).toHaveLength(0);
  });

  it('refuses malformed arguments cleanly', async () => {
    const { tool } = await setup(text('x'));
    for (const args of [
      undefined,
      {},
      { url: 42 },
      { url: 'http://docs.test/', extra: 1 },
      { url: 'x'.repeat(10_000) },
    ]) {
      const r = await tool.run(args, ctx);
      expect(r.ok).toBe(false);
    }
  });

  it('refuses binary content and truncates long text at maxChars', async () => {
    const bin = await setup(text('\u0000\u0001PNG', 200, 'image/png'));
    const r1 = await bin.tool.run({ url: `${bin.url}/a.png` }, ctx);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.error.code).toBe('web_fetch.not_text');
    const long = await setup(text('y'.repeat(20_000)));
    const r2 = await long.tool.run({ url: `${long.url}/`, maxChars: 1000 }, ctx);
    expect(r2.ok && r2.value).toContain('truncated');
    expect(r2.ok && r2.value.split('\n\n')[1]?.length).toBe(1000);
  });
});

describe('web_fetch content encodings', () => {
  it('decodes gzip within the cap and refuses a decompression bomb', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = (body: Buffer) => (_req: unknown, _b: string, res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(body);
    };
    const small = await setup(gz(gzipSync('hello compressed world')));
    const r1 = await small.tool.run({ url: `${small.url}/` }, ctx);
    expect(r1.ok && r1.value).toContain('hello compressed world');
    const bomb = await setup(gz(gzipSync(Buffer.alloc(50 * 1024 * 1024))));
    const r2 = await bomb.tool.run({ url: `${bomb.url}/` }, ctx);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error.code).toBe('web_fetch.encoding');
    expect(small.s.log[0]?.headers['accept-encoding']).toBe('identity');
  });
});
