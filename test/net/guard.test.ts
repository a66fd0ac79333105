import { describe, expect, it } from 'vitest';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { SsrfGuard, verdictOf } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { parseTargetUrl } from '../../src/net/url.js';
import { NetConfigSchema } from '../../src/config/sections/net.js';

/** The L10 refusals of these checks are audited on a real bus. */
const NET_BUS = new EventBus();

const resolver = () =>
  new StubResolver({
    'public.test': [['93.184.216.34']],
    'mixed.test': [['93.184.216.34', '10.0.0.5']],
    'v6mixed.test': [['2606:4700::1', 'fd00:ec2::254']],
    'meta.test': [['169.254.169.254']],
    'ollama.lan': [['192.168.1.20']],
    'rebind.test': [['93.184.216.34'], ['127.0.0.1']],
  });

describe('strict URL parse', () => {
  it.each([
    ['ftp://example.com/', 'url:scheme'],
    ['file:///etc/passwd', 'url:scheme'],
    ['gopher://127.0.0.1:6379/_', 'url:scheme'],
    ['http:/example.com', 'url:scheme'],
    ['http://user:pw@example.com/', 'url:userinfo'],
    ['http://@example.com/', 'url:userinfo'],
    ['http://127.1.1.1:80@127.2.2.2:80', 'url:userinfo'],
    ['http://example.com\\@127.0.0.1/', 'url:backslash'],
    ['http://exa mple.com/', 'url:control-character'],
    ['http://example.com/\n', 'url:control-character'],
    ['http://425.510.425.510/', 'url:unparseable'],
    ['http://localhost:+11211aaa', 'url:unparseable'],
    ['http://exa$mple.com/', 'url:host-characters'],
    ['', 'url:empty'],
    ['http://a.com/' + 'x'.repeat(9000), 'url:too-long'],
  ])('%j is invalid (%s)', (raw, rule) => {
    const r = parseTargetUrl(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.details?.['rule']).toBe(rule);
  });

  it('normalises odd IPv4 hosts before anything else sees them', () => {
    for (const raw of ['http://2130706433/', 'http://0177.0.0.1/', 'http://0x7f.1/', 'http://127.1/']) {
      const r = parseTargetUrl(raw);
      expect(r.ok && r.value.host).toBe('127.0.0.1');
    }
  });

  it('refuses non-string input cleanly', () => {
    for (const v of [undefined, null, 42, {}, ['http://a']]) expect(parseTargetUrl(v).ok).toBe(false);
  });
});

describe('SsrfGuard', () => {
  it('allows a public host and pins a checked address', async () => {
    const r = await new SsrfGuard({ bus: NET_BUS, resolver: resolver() }).check('https://public.test/a?b=1');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.pinned.address).toBe('93.184.216.34');
  });

  it('blocks when ANY resolved address is private (v4 and v6)', async () => {
    const g = new SsrfGuard({ bus: NET_BUS, resolver: resolver() });
    const a = await g.check('https://mixed.test/');
    expect(verdictOf(a)).toBe('block');
    if (!a.ok) expect(a.error.details?.['rule']).toBe('ipv4:private');
    const b = await g.check('https://v6mixed.test/');
    if (!b.ok) expect(b.error.details?.['rule']).toBe('metadata:aws-ipv6');
    expect(b.ok).toBe(false);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:7f00:1::]/',
    'http://0xA9FEA9FE/',
    'http://meta.test/',
    'http://localhost/',
    'http://app.localhost/',
    'http://metadata.google.internal/',
    'http://public.test:22/',
    'http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/',
    'http://127.0.0.1%2e/',
    'http://%31%32%37.0.0.1/',
    'http://[::127.0.0.1]/',
    'http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3/',
    'HTTP://LOCALHOST./',
    'http://[::]/',
  ])('blocks %s', async (url) => {
    expect(verdictOf(await new SsrfGuard({ bus: NET_BUS, resolver: resolver() }).check(url))).toBe('block');
  });

  it('never suggests net.allow for a metadata address, but does for a private one', async () => {
    const g = new SsrfGuard({ bus: NET_BUS, resolver: resolver() });
    const meta = await g.check('http://meta.test/');
    const priv = await g.check('http://10.0.0.1/');
    expect(!meta.ok && meta.error.message).not.toContain('net.allow');
    expect(!priv.ok && priv.error.message).toContain('net.allow: ["10.0.0.1:80"]');
  });

  it('an unresolvable name is refused (fail closed)', async () => {
    const r = await new SsrfGuard({ bus: NET_BUS, resolver: resolver() }).check('https://nowhere.test/');
    expect(verdictOf(r)).toBe('block');
    if (!r.ok) expect(r.error.details?.['rule']).toBe('dns:unresolved');
  });

  it('net.allow host:port is the only way past it, and only for that exact host and port', async () => {
    const g = new SsrfGuard({
      bus: NET_BUS,
      resolver: resolver(),
      config: { allow: ['ollama.lan:11434', '127.0.0.1:8080', '[::1]:9000'], ports: [443] },
    });
    expect((await g.check('http://ollama.lan:11434/api/tags')).ok).toBe(true);
    expect((await g.check('http://OLLAMA.LAN.:11434/')).ok).toBe(true);
    expect((await g.check('http://127.0.0.1:8080/')).ok).toBe(true);
    expect((await g.check('http://2130706433:8080/')).ok).toBe(true);
    expect((await g.check('http://[0:0:0:0:0:0:0:1]:9000/')).ok).toBe(true);
    expect((await g.check('http://ollama.lan:11435/')).ok).toBe(false);
    expect((await g.check('http://127.0.0.1:8081/')).ok).toBe(false);
    expect((await g.check('http://127.0.0.2:8080/')).ok).toBe(false);
    expect((await g.check('http://localhost:8080/')).ok).toBe(false);
  });

  it('net.allowFor opens a host for one consumer only; net.allow stays for all', async () => {
    const config = NetConfigSchema.parse({
      allow: ['ollama.lan:11434'],
      allowFor: { channels: ['127.0.0.1:8081'], broker: ['[::1]:8443'] },
      ports: [443],
    });
    const base = new SsrfGuard({ bus: NET_BUS, resolver: resolver(), config });
    const channels = base.for('channels');
    expect((await channels.check('https://127.0.0.1:8081/botX/getMe')).ok).toBe(true);
    expect((await channels.check('http://ollama.lan:11434/')).ok).toBe(true);
    expect((await channels.check('https://[::1]:8443/')).ok).toBe(false);
    // The loopback Bot API is not reachable for web_fetch, the broker, MCP, or a guard with no consumer.
    for (const other of [base.for('web_fetch'), base.for('broker'), base.for('mcp'), base]) {
      const r = await other.check('https://127.0.0.1:8081/botX/getMe');
      expect(r.ok).toBe(false);
      expect((await other.check('http://ollama.lan:11434/')).ok).toBe(true);
    }
    expect((await base.for('broker').check('https://[::1]:8443/')).ok).toBe(true);
    expect(base.layers()[0]?.reason).toContain(
      'for one consumer only (net.allowFor): channels: 127.0.0.1:8081; broker: [::1]:8443',
    );
    const bad = NetConfigSchema.safeParse({ allowFor: { webfetch: ['127.0.0.1:80'] } });
    expect(bad.success).toBe(false);
    expect(NetConfigSchema.safeParse({ allowFor: { mcp: ['127.0.0.1'] } }).success).toBe(false);
  });

  it('audits every refusal with the rule, never the query string', async () => {
    const bus = new EventBus();
    const seen: Envelope<EventType>[] = [];
    bus.on('*', (e) => seen.push(e));
    const g = new SsrfGuard({ resolver: resolver(), bus });
    await g.check('http://169.254.169.254/latest?token=SECRETVALUE', { agentId: 'a1', traceId: 't1' });
    await g.check('ftp://x/');
    await g.check('https://public.test/');
    expect(seen.map((e) => e.type)).toEqual(['security:ssrf_blocked', 'security:ssrf_blocked']);
    expect(seen[0]?.payload).toMatchObject({
      layer: 'L10',
      outcome: 'blocked',
      reason: 'metadata:aws-gcp-azure-oci',
      agentId: 'a1',
      traceId: 't1',
      host: '169.254.169.254',
      path: '/latest',
    });
    expect(JSON.stringify(seen)).not.toContain('SECRETVALUE');
    expect(seen[1]?.payload).toMatchObject({ outcome: 'invalid', reason: 'url:scheme' });
  });

  it('reports L10 itself, naming the operator exceptions it lets through', () => {
    expect(new SsrfGuard({ bus: NET_BUS, resolver: resolver() }).layers()).toEqual([
      {
        id: 'L10',
        state: 'on',
        reason: expect.stringMatching(/^every outbound fetch checked and pinned; ports 80, 443/),
      },
    ]);
    const g = new SsrfGuard({
      bus: NET_BUS,
      resolver: resolver(),
      config: { allow: ['127.0.0.1:11434'], ports: [443] },
    });
    expect(g.name).toBe('net');
    expect(g.layers()[0]?.reason).toBe('checked and pinned; 1 operator exception(s) in net.allow: 127.0.0.1:11434');
  });

  it('a rebinding name is judged on the answer it gets, once per check', async () => {
    const r = resolver();
    const g = new SsrfGuard({ bus: NET_BUS, resolver: r });
    expect((await g.check('http://rebind.test/')).ok).toBe(true);
    expect(r.count('rebind.test')).toBe(1);
    expect((await g.check('http://rebind.test/')).ok).toBe(false);
  });
});
