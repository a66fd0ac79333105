/**
 * L22 fallback model through the real turn loop, provider SDKs and fake provider: when the primary
 * model's breaker opens (during a call, or already open), the turn goes to breaker.fallbackModel.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CircuitBreakers } from '../../src/agent/breaker/circuit-breaker.js';
import { reply, startFakeProvider, type FakeProvider, type WireFormat } from '../support/fake-provider.js';
import { collect, makeHarness, turn, type Harness } from './helpers.js';

let fake: FakeProvider | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await fake?.close();
  h?.close();
  fake = undefined;
  h = undefined;
});

async function setup(
  format: WireFormat,
  breaker: Record<string, unknown>,
  down: readonly string[] = ['test-model'],
): Promise<{ h: Harness; fake: FakeProvider; breakers: CircuitBreakers }> {
  // The models in `down` fail; any other answers with its own name.
  fake = await startFakeProvider({
    script: (req) =>
      down.includes(req.model) ? reply.error(500, `${req.model} down`) : reply.text(`answer from ${req.model}`),
  });
  h = makeHarness(fake, {
    format,
    config: { breaker: { failureThreshold: 2, cooldownMs: 600_000, ...breaker } },
  });
  const harness = h;
  const breakers = harness.parts.controls.breakers;
  return { h: harness, fake, breakers };
}

describe.each(['openai', 'anthropic'] as WireFormat[])('L22 fallback model over %s', (format) => {
  it('the call that opens the primary breaker is retried on the fallback, later turns go there directly, audited', async () => {
    const s = await setup(format, { fallbackModel: 'small-model' });
    const first = await collect(s.h.runtime.runTurn(turn('hi')));
    expect(first.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider.unavailable' } });

    // The second failure opens the breaker during the call: the same turn answers from the fallback.
    const second = await collect(s.h.runtime.runTurn(turn('hi', { traceId: 'trace-fallback' })));
    expect(second.at(-1)).toMatchObject({ type: 'done', text: 'answer from small-model' });
    expect(s.breakers.state('fake', 'test-model')).toBe('open');

    // Open already: straight to the fallback, the primary is not asked.
    const third = await collect(s.h.runtime.runTurn(turn('hi')));
    expect(third.at(-1)).toMatchObject({ type: 'done', text: 'answer from small-model' });
    expect(s.fake.requests.map((r) => r.model)).toEqual(['test-model', 'test-model', 'small-model', 'small-model']);

    const switches = s.h.events
      .filter((e) => e.type === 'security:warning' && e.payload.outcome === 'fallback')
      .map((e) => e.payload);
    expect(switches).toHaveLength(2);
    expect(switches[0]).toMatchObject({
      layer: 'L22',
      agentId: 'coder',
      traceId: 'trace-fallback',
      breaker: 'fake/test-model',
      model: 'small-model',
    });
  });

  it('without a fallback model the open breaker still answers at once with its error', async () => {
    const s = await setup(format, {});
    for (let i = 0; i < 2; i++)
      expect((await collect(s.h.runtime.runTurn(turn('hi')))).at(-1)).toMatchObject({
        type: 'error',
        error: { code: 'provider.unavailable' },
      });
    expect((await collect(s.h.runtime.runTurn(turn('hi')))).at(-1)).toMatchObject({
      type: 'error',
      error: { code: 'breaker.open' },
    });
    expect(s.fake.requests.map((r) => r.model)).toEqual(['test-model', 'test-model']);
  });

  it('a fallback that fails too ends the turn with its error after a single retry', async () => {
    const s = await setup(format, { fallbackModel: 'small-model' }, ['test-model', 'small-model']);
    await collect(s.h.runtime.runTurn(turn('hi')));
    const evs = await collect(s.h.runtime.runTurn(turn('hi')));
    expect(evs.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider.unavailable' } });
    expect(s.fake.requests.map((r) => r.model)).toEqual(['test-model', 'test-model', 'small-model']);
  });
});
