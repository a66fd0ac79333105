import { describe, expect, it } from 'vitest';
import { queueStore } from '../support/stores.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { ApprovalQueue, type EffectView } from '../../src/policy/approvals.js';
import { ApprovalSigner } from '../../src/policy/approval-tokens.js';
import { canonicalJson, effectHash, type Effect } from '../../src/policy/effect-hash.js';

function setup(opts: { timeoutMs?: number } = {}) {
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  let now = 1_000_000;
  const queue = new ApprovalQueue({
    bus,
    ...queueStore(),
    clock: () => now,
    defaultTimeoutMs: opts.timeoutMs ?? 60_000,
  });
  return { bus, events, queue, advance: (ms: number) => (now += ms), now: () => now };
}

const view: EffectView = {
  tool: 'exec',
  classes: ['destructive'],
  reasons: ['rm is destructive'],
  agentId: 'a',
  sessionId: 's',
  cwd: '/w',
  network: { mode: 'none', grants: [] },
  args: '{"command":"rm -rf x"}',
};
const ctx = { agentId: 'a', sessionId: 's', traceId: 't', owner: true };

const base: Effect = {
  tool: 'exec',
  args: { command: 'rm -rf x' },
  cwd: '/w',
  network: { mode: 'none', grants: [] },
  agentId: 'a',
  sessionId: 's',
};

describe('L13 effect hash', () => {
  it('is independent of key order but changes with every part of the effect', () => {
    const h = effectHash(base);
    expect(effectHash({ ...base, args: JSON.parse('{"command":"rm -rf x"}') })).toBe(h);
    expect(effectHash({ ...base, args: { b: 1, a: 2 } })).toBe(effectHash({ ...base, args: { a: 2, b: 1 } }));
    const drifts: Effect[] = [
      { ...base, tool: 'exec2' },
      { ...base, args: { command: 'rm -rf y' } },
      { ...base, args: { command: 'rm -rf x', confirmed: true } },
      { ...base, cwd: '/w/sub' },
      { ...base, network: { mode: 'broker', grants: [] } },
      { ...base, network: { mode: 'none', grants: ['api.example.com'] } },
      { ...base, agentId: 'b' },
      { ...base, sessionId: 's2' },
      { ...base, preimage: 'absent' },
    ];
    for (const d of drifts) expect(effectHash(d)).not.toBe(h);
  });

  it('keeps a "__proto__" key as data and strings byte-exact', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":1}'))).toBe('{"__proto__":{"x":1},"a":1}');
    expect(effectHash({ ...base, args: { p: 'cafe\u0301' } })).not.toBe(
      effectHash({ ...base, args: { p: 'caf\u00e9' } }),
    );
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeper than 64/);
  });
});

describe('L13 decision tokens', () => {
  it('verify only for the same key, effect hash, decision and before expiry', () => {
    const s = new ApprovalSigner();
    const t = s.sign('apr_' + 'a'.repeat(24), 'h1', 'approve', 2000);
    expect(s.verify(t, 'h1', 1000)?.decision).toBe('approve');
    expect(s.verify(t, 'h2', 1000)).toBeUndefined();
    expect(s.verify(t, 'h1', 3000)).toBeUndefined();
    expect(new ApprovalSigner().verify(t, 'h1', 1000)).toBeUndefined();
    expect(s.verify(t.replace('.approve.', '.deny.'), 'h1', 1000)).toBeUndefined();
    expect(s.verify(t.replace('.2000.', '.9999.'), 'h1', 1000)).toBeUndefined();
    for (const junk of ['', 'x', 'bwa1....', `${t}.x`, 'a'.repeat(10_000)])
      expect(s.verify(junk, 'h1', 1000)).toBeUndefined();
  });

  it('refuses a short key', () => {
    expect(() => new ApprovalSigner(Buffer.alloc(8))).toThrow(/32 bytes/);
  });
});

describe('L13 approval queue', () => {
  it('waits for an operator decision and emits requested/resolved', async () => {
    const { queue, events } = setup();
    const p = queue.request('h1', view, ctx);
    const pending = queue.list();
    expect(pending).toHaveLength(1);
    expect(events.map((e) => e.type)).toContain('approval:requested');
    const r = queue.decide(pending[0]!.id, 'approve', 'operator:cli');
    expect(r.ok).toBe(true);
    const out = await p;
    expect(out.decision).toBe('approve');
    expect(out.source).toBe('operator');
    expect(queue.verifyGrant(out.token!, 'h1')).toBe(true);
    expect(queue.verifyGrant(out.token!, 'h2')).toBe(false);
    const resolved = events.find((e) => e.type === 'approval:resolved');
    expect(resolved?.payload).toMatchObject({ layer: 'L13', outcome: 'approve', by: 'operator:cli', agentId: 'a' });
  });

  it('identical concurrent requests join one pending entry', async () => {
    const { queue, events } = setup();
    const all = Array.from({ length: 50 }, () => queue.request('h1', view, ctx));
    expect(queue.list()).toHaveLength(1);
    expect(queue.list()[0]!.waiters).toBe(50);
    expect(events.filter((e) => e.type === 'approval:requested')).toHaveLength(1);
    queue.decide(queue.list()[0]!.id, 'deny', 'op');
    const outs = await Promise.all(all);
    expect(outs.every((o) => o.decision === 'deny')).toBe(true);
  });

  it('timeout = deny, and the denial is cached', async () => {
    const { queue } = setup();
    const out = await queue.request('h1', view, ctx, 10);
    expect(out).toMatchObject({ decision: 'deny', source: 'timeout' });
    expect((await queue.request('h1', view, ctx)).source).toBe('denial-cache');
  });

  it('approval cache 30 s, denial cache 60 s, each invalidating the other', async () => {
    const { queue, advance } = setup();
    let p = queue.request('h1', view, ctx);
    queue.decide(queue.list()[0]!.id, 'approve', 'op');
    await p;
    expect((await queue.request('h1', view, ctx)).source).toBe('approval-cache');
    advance(30_001);
    p = queue.request('h1', view, ctx);
    expect(queue.list()).toHaveLength(1);
    queue.decide(queue.list()[0]!.id, 'deny', 'op');
    expect((await p).decision).toBe('deny');
    expect((await queue.request('h1', view, ctx)).source).toBe('denial-cache');
    advance(59_000);
    expect((await queue.request('h1', view, ctx)).source).toBe('denial-cache');
    advance(1_001);
    p = queue.request('h1', view, ctx);
    queue.decide(queue.list()[0]!.id, 'approve', 'op');
    expect((await p).decision).toBe('approve');
    // The approval removed the denial: the next identical call is approved from cache.
    expect((await queue.request('h1', view, ctx)).source).toBe('approval-cache');
    expect(queue.status()).toMatchObject({ cachedApprovals: 1, cachedDenials: 0 });
  });

  it('a token for another request or a forged token changes nothing', async () => {
    const { queue, events } = setup();
    const p1 = queue.request('h1', view, ctx);
    const p2 = queue.request('h2', view, ctx);
    const [a, b] = queue.list();
    const tokenA = queue.mintToken(a!.id, 'approve');
    expect(tokenA.ok).toBe(true);
    if (!tokenA.ok) return;
    // Re-point a valid token at the other request: the MAC covers id and effect hash.
    const moved = tokenA.value.replace(a!.id, b!.id);
    const r = queue.resolveWithToken(moved, 'op');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('approval.bad_token');
    expect(events.some((e) => e.type === 'security:blocked')).toBe(true);
    expect(queue.resolveWithToken('bwa1.apr_x.approve.1.abc', 'op').ok).toBe(false);
    expect(queue.list()).toHaveLength(2);
    expect(queue.resolveWithToken(tokenA.value, 'op').ok).toBe(true);
    expect((await p1).decision).toBe('approve');
    queue.shutdown();
    expect((await p2).source).toBe('shutdown');
  });

  it('a decided request cannot be decided again', async () => {
    const { queue } = setup();
    const p = queue.request('h1', view, ctx);
    const id = queue.list()[0]!.id;
    expect(queue.decide(id, 'deny', 'op').ok).toBe(true);
    await p;
    const again = queue.decide(id, 'approve', 'op');
    expect(again.ok).toBe(false);
    expect(await queue.get(id)).toMatchObject({ decision: 'deny', by: 'op' });
  });

  it('shutdown denies everything pending and every later request', async () => {
    const { queue } = setup();
    const ps = [queue.request('h1', view, ctx), queue.request('h2', view, ctx), queue.request('h3', view, ctx)];
    queue.shutdown();
    const outs = await Promise.all(ps);
    expect(outs.map((o) => o.source)).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect((await queue.request('h4', view, ctx)).source).toBe('shutdown');
    expect(queue.list()).toHaveLength(0);
  });

  it('a full queue denies instead of growing without bound', async () => {
    const bus = new EventBus();
    const queue = new ApprovalQueue({ bus, ...queueStore(), maxPending: 2 });
    queue.request('h1', view, ctx);
    queue.request('h2', view, ctx);
    expect((await queue.request('h3', view, ctx)).source).toBe('queue-full');
    queue.shutdown();
  });

  it('notifies listeners of new requests with the full effect', async () => {
    const { queue } = setup();
    const seen: string[] = [];
    const off = queue.onRequested((p) => seen.push(p.view.args));
    const p = queue.request('h1', view, ctx);
    off();
    queue.request('h2', view, ctx);
    expect(seen).toEqual([view.args]);
    queue.shutdown();
    await p;
  });
});
