/**
 * L20 rates: only verified deliveries count against a hook's `perMinute`, so whoever merely knows the URL cannot
 * use it up and block the real sender; refused deliveries have their own allowance (`refusedPerMinute`) of audit
 * lines, past which they are still refused but only counted, in the next audited line. Real receiver, real SQLite
 * replay cache, an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { HooksConfigSchema } from '../../src/config/sections/hooks.js';
import { EventBus, type Envelope } from '../../src/core/events.js';
import { ok } from '../../src/core/result.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { HookReceiver, type Reception } from '../../src/transport/webhooks/receiver.js';
import { SqliteReplayCache } from '../../src/transport/webhooks/replay-cache.js';
import { signGeneric } from '../../src/transport/webhooks/verify.js';

const SECRET = 'the-real-senders-secret';
const BODY = '{"event":"deploy"}';

function setup() {
  let now = 1_800_000_000_000;
  const bus = new EventBus();
  const rejected: Envelope[] = [];
  bus.on('webhook:rejected', (e) => void rejected.push(e as Envelope));
  const hooks = HooksConfigSchema.parse({
    gen: { agent: 'default', provider: 'generic', secret: { secret: 'HOOK' }, perMinute: 3, refusedPerMinute: 5 },
  });
  const receiver = new HookReceiver({
    hooks,
    secret: () => ok(SECRET),
    replay: new SqliteReplayCache(openDatabase(':memory:')),
    bus,
    clock: () => now,
  });
  let n = 0;
  /** As the route does: admit before the body, then verify. */
  const deliver = async (secret: string): Promise<Reception> => {
    const admitted = receiver.admit('gen', `t${n}`);
    if (admitted) return admitted;
    const id = `d-${n++}`;
    const ts = Math.floor(now / 1000);
    const headers = {
      'x-bulwark-webhook-id': id,
      'x-bulwark-webhook-timestamp': String(ts),
      'x-bulwark-webhook-signature': signGeneric(secret, id, ts, BODY),
    };
    return receiver.receive('gen', { headers, body: Buffer.from(BODY) }, `t${n}`);
  };
  return { deliver, rejected, advance: (ms: number) => (now += ms) };
}

const statusOf = (r: Reception) => (r.ok ? 202 : r.status);

describe('L20 rates: verified deliveries only', () => {
  it('a flood of forged deliveries never blocks the real sender; its audit lines stop at their own allowance', async () => {
    const { deliver, rejected, advance } = setup();
    const forged: number[] = [];
    for (let i = 0; i < 50; i++) forged.push(statusOf(await deliver('a-guess')));
    expect(new Set(forged)).toEqual(new Set([401]));
    // Five audited refusals (refusedPerMinute), the other 45 counted only.
    expect(rejected).toHaveLength(5);
    expect(rejected.every((e) => e.payload.reason === 'signature_mismatch')).toBe(true);
    // The real sender's deliveries all get through, up to perMinute verified ones.
    const real: number[] = [];
    for (let i = 0; i < 3; i++) real.push(statusOf(await deliver(SECRET)));
    expect(real).toEqual([202, 202, 202]);
    const past = await deliver(SECRET);
    expect(past).toMatchObject({ ok: false, status: 429, reason: 'rate_limited' });
    expect(rejected.at(-1)?.payload).toMatchObject({ reason: 'rate_limited', status: 429 });
    // A minute later: the next forged refusal is audited again, carrying the count of those not audited.
    advance(61_000);
    expect(statusOf(await deliver('a-guess'))).toBe(401);
    expect(rejected.at(-1)?.payload).toMatchObject({ reason: 'signature_mismatch', unaudited: 45 });
    expect(statusOf(await deliver(SECRET))).toBe(202);
  });

  it('refusals never use up the verified budget, and verified deliveries never use up the refused allowance', async () => {
    const { deliver, rejected } = setup();
    expect(statusOf(await deliver(SECRET))).toBe(202);
    for (let i = 0; i < 4; i++) expect(statusOf(await deliver('wrong'))).toBe(401);
    expect(rejected).toHaveLength(4);
    expect(statusOf(await deliver(SECRET))).toBe(202);
    // The allowance has one audited refusal left (5 − 4), whatever the verified ones did.
    expect(statusOf(await deliver('wrong'))).toBe(401);
    expect(rejected).toHaveLength(5);
    expect(statusOf(await deliver('wrong'))).toBe(401);
    expect(rejected).toHaveLength(5);
    // And the verified budget still has its third delivery (perMinute 3), whatever the six refusals did.
    expect(statusOf(await deliver(SECRET))).toBe(202);
    expect(statusOf(await deliver(SECRET))).toBe(429);
  });
});
